"""The composition root: settings → database → stores, tokens, transport, signer, renderer
and the application services, built here and nowhere else. The CLI, the web app and the
scheduler get an ``App`` and take what they need from it; domain code never sees it: each
part is handed its collaborators.

Each part is built (and its modules imported) on first use: a command loads what it uses
and no more, and commands that never sign a link run without the secrets; ``check_sending``
validates them, with the transport, when a command that will send starts (``serve``,
``scheduler``, ``edition send``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import event

from newsletter.accounts import passwords
from newsletter.db import Database, resolve_url
from newsletter.secrets import Secrets
from newsletter.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from newsletter.accounts.models import User
    from newsletter.accounts.permissions import Actor
    from newsletter.dispatch.dkim import DkimSigner
    from newsletter.dispatch.transports import Transport
    from newsletter.rendering.renderer import Renderer
    from newsletter.services.background import BackgroundSends
    from newsletter.services.drafting import Drafting
    from newsletter.services.editing import Editing
    from newsletter.services.illustrating import Illustrations
    from newsletter.services.imports import Imports
    from newsletter.services.items import Items
    from newsletter.services.overviews import Overviews
    from newsletter.services.publishing import Publishing
    from newsletter.services.segmenting import Segmenting
    from newsletter.services.sending import Sending, Throughput
    from newsletter.services.statistics import Statistics
    from newsletter.services.subscribers import Subscribers
    from subscribers.bounces import BounceHandler
    from subscribers.datalinks import DataLinks
    from subscribers.mailer import Mailer
    from subscribers.optin import OptIn
    from subscribers.segments import Segments
    from subscribers.store import SubscriberStore
    from subscribers.tokens import Tokens


@dataclass
class App:
    settings: Settings
    database: Database
    secrets: Secrets = field(default_factory=Secrets)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    # -- built once, on first use ---------------------------------------------------------

    @cached_property
    def renderer(self) -> Renderer:
        """Templates compiled on first use, then kept for the life of the process."""
        from newsletter.rendering.renderer import Renderer

        settings = self.settings
        return Renderer(settings.base_dir / settings.rendering.templates, settings.rendering)

    @cached_property
    def publishing(self) -> Publishing:
        from newsletter.services.publishing import Publishing

        return Publishing(self.settings, self.renderer)

    @cached_property
    def drafting(self) -> Drafting:
        from newsletter.services.drafting import Drafting

        return Drafting(self.settings, self.database, self.segments)

    @cached_property
    def editing(self) -> Editing:
        from newsletter.services.editing import Editing

        return Editing(self.settings, self.database, self.publishing, self.segments)

    @cached_property
    def illustrations(self) -> Illustrations:
        from newsletter.services.illustrating import Illustrations

        return Illustrations(self.settings, self.database, self.items)

    @cached_property
    def items(self) -> Items:
        from newsletter.services.items import Items

        return Items(self.settings, self.database)

    @cached_property
    def sending(self) -> Sending:
        from newsletter.services.sending import Sending

        settings = self.settings
        return Sending(settings, self.database, self.publishing, self.tokens(), self.transport(),
                       self.signer(), self.throughput, self.segments,
                       self.bounce_handler)  # fmt: skip

    @cached_property
    def subscribers(self) -> Subscribers:
        from newsletter.services.subscribers import Subscribers

        return Subscribers(self.settings, self.database, self.subscriber_store, self.optin)

    @cached_property
    def imports(self) -> Imports:
        from newsletter.services.imports import Imports

        return Imports(self.settings, self.database, self.subscriber_store, self.segments)

    @cached_property
    def segmenting(self) -> Segmenting:
        from newsletter.services.segmenting import Segmenting

        return Segmenting(self.settings, self.database, self.segments)

    @cached_property
    def overviews(self) -> Overviews:
        from newsletter.services.overviews import Overviews

        return Overviews(self.settings, self.database)

    @cached_property
    def statistics(self) -> Statistics:
        from newsletter.services.statistics import Statistics

        return Statistics(self.settings, self.database, self.publishing)

    @cached_property
    def background_sends(self) -> BackgroundSends:
        from newsletter.services.background import BackgroundSends

        return BackgroundSends(self.settings, self.environ)

    # -- built at each call ---------------------------------------------------------------

    def transport(self) -> Transport:
        from newsletter.dispatch.transports import configured_transport

        return configured_transport(self.settings.transport, self.settings.base_dir, self.environ)

    def signer(self) -> DkimSigner | None:
        from newsletter.dispatch.dkim import dkim_signer

        return dkim_signer(self.settings.dispatch.dkim, self.environ)

    def throughput(self, processes: int | None = None) -> Throughput:
        """The sending processes of a send and the share of the configured concurrency each
        takes (the rates are shared at run time among all live senders)."""
        from newsletter.services.sending import Throughput

        dispatch = self.settings.dispatch
        count = processes or dispatch.processes
        return Throughput(count, max(1, math.ceil(dispatch.concurrency / count)))

    def tokens(self) -> Tokens:
        from subscribers.tokens import Tokens

        return Tokens(self.secrets.signing_keys, self.settings.subscribers)

    def subscriber_store(self, session: Session) -> SubscriberStore:
        from subscribers.store import SubscriberStore

        return SubscriberStore(session, self.secrets.pepper, self.settings.subscribers.lists)

    def segments(self, session: Session) -> Segments:
        from subscribers.segments import Segments

        settings = self.settings
        return Segments(session, settings.segments, settings.subscribers.lists,
                        settings.classification.themes)  # fmt: skip

    def bounce_handler(self, session: Session) -> BounceHandler:
        from newsletter.dispatch.sent import SentMessages
        from subscribers.bounces import BounceHandler

        return BounceHandler(self.subscriber_store(session), self.tokens(),
                             self.settings.subscribers,
                             SentMessages(session, self.secrets.signing_keys))  # fmt: skip

    def mailer(self) -> Mailer:
        from newsletter.dispatch.mailer import TransportMailer

        return TransportMailer(self.transport(), self.settings.subscribers.bounce_address)

    def optin(self, session: Session, mailer: Mailer | None = None) -> OptIn:
        from newsletter.archive.links import confirm_url
        from subscribers.optin import OptIn

        settings = self.settings
        public_url = settings.organisation.public_url
        return OptIn(self.subscriber_store(session), self.tokens(), mailer or self.mailer(),
                     settings.subscribers, settings.subscribers.sender,
                     settings.classification.themes,
                     lambda token: confirm_url(public_url, token))  # fmt: skip

    def data_links(self, session: Session) -> DataLinks:
        from newsletter.archive.links import data_url
        from subscribers.datalinks import DataLinks
        from subscribers.quotas import Quotas

        settings = self.settings
        public_url = settings.organisation.public_url
        quotas = Quotas(session, settings.subscribers, self.secrets.pepper)
        return DataLinks(quotas, self.tokens(), self.mailer(), settings.subscribers,
                         lambda token: data_url(public_url, token))  # fmt: skip

    def actor(self, user: User) -> Actor:
        """An editor's account as the permission rules see it (a coordinator's networks are
        those their newsletters are made of, their lists those they are sent to)."""
        from newsletter.accounts.permissions import Actor

        newsletters = [self.settings.newsletters[key] for key in user.newsletters
                       if key in self.settings.newsletters]  # fmt: skip
        return Actor.of(user, {network for letter in newsletters for network in letter.networks},
                        {letter.list for letter in newsletters})  # fmt: skip

    def check_sending(self) -> None:
        """Secrets, transport and DKIM key, checked before a long-running command starts:
        one French line (exit 2) now rather than an error at the first send."""
        self.secrets.signing_keys  # noqa: B018  (raises ConfigError when missing)
        self.secrets.pepper  # noqa: B018
        self.transport()
        self.signer()

    def close(self) -> None:
        self.database.dispose()


def build(settings: Settings, environ: Mapping[str, str] | None = None) -> App:
    env = os.environ if environ is None else environ
    passwords.configure(settings.web)
    url = resolve_url(settings.database.url, settings.base_dir)
    database = Database(url, echo=settings.database.echo)
    # Foreign keys cross domains (an item's announcements name their source): every table
    # must be known before a write is ordered. Reads do without, so commands that only read
    # (`sources`, `items list`) do not load every domain's models.
    event.listen(database.sessions, "before_flush", _every_table, once=True)
    return App(settings, database, Secrets.from_environ(env), env)


def _every_table(*_: object) -> None:
    import newsletter.schema  # noqa: F401
