"""All wiring in one place: settings → database → stores. CLI, web and scheduler call it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.orm import Session

from newsletter.db import Database, resolve_url
from newsletter.dispatch.sent import SentMessages
from newsletter.dispatch.transports import Transport, configured_transport
from newsletter.rendering.renderer import Renderer
from newsletter.settings import Settings
from subscribers.bounces import BounceHandler
from subscribers.mailer import Mailer, TransportMailer
from subscribers.optin import OptIn
from subscribers.secrets import Secrets
from subscribers.segments import Segments
from subscribers.store import SubscriberStore
from subscribers.tokens import Tokens


@dataclass
class App:
    settings: Settings
    database: Database
    secrets: Secrets = field(default_factory=Secrets)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    @cached_property
    def renderer(self) -> Renderer:
        """Templates compiled on first use, then kept for the life of the process."""
        settings = self.settings
        return Renderer(settings.base_dir / settings.rendering.templates, settings.rendering)

    def transport(self) -> Transport:
        return configured_transport(self.settings.transport, self.settings.base_dir, self.environ)

    def subscriber_store(self, session: Session) -> SubscriberStore:
        return SubscriberStore(session, self.secrets.pepper, self.settings.subscribers.lists)

    def segments(self, session: Session) -> Segments:
        settings = self.settings
        return Segments(session, settings.segments, settings.subscribers.lists,
                        settings.classification.themes)  # fmt: skip

    def tokens(self) -> Tokens:
        return Tokens(self.secrets.signing_keys, self.settings.subscribers)

    def bounce_handler(self, session: Session) -> BounceHandler:
        return BounceHandler(self.subscriber_store(session), self.tokens(),
                             self.settings.subscribers,
                             SentMessages(session, self.secrets.signing_keys))  # fmt: skip

    def mailer(self) -> Mailer:
        return TransportMailer(self.transport(), self.settings.subscribers.bounce_address)

    def optin(self, session: Session, mailer: Mailer | None = None) -> OptIn:
        settings = self.settings
        return OptIn(self.subscriber_store(session), self.tokens(), mailer or self.mailer(),
                     settings.subscribers, settings.subscribers.sender,
                     settings.classification.themes, settings.organisation.public_url)  # fmt: skip

    def close(self) -> None:
        self.database.dispose()


def build(settings: Settings, environ: Mapping[str, str] | None = None) -> App:
    env = os.environ if environ is None else environ
    url = resolve_url(settings.database.url, settings.base_dir)
    return App(settings, Database(url, echo=settings.database.echo), Secrets.from_environ(env), env)
