"""All wiring in one place: settings → database → stores. CLI, web and scheduler call it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from newsletter.db import Database, resolve_url
from newsletter.settings import Settings
from subscribers.mailer import Mailer, SmtpMailer
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

    def subscriber_store(self, session: Session) -> SubscriberStore:
        return SubscriberStore(session, self.secrets.pepper, self.settings.subscribers.lists)

    def segments(self, session: Session) -> Segments:
        settings = self.settings
        return Segments(session, settings.segments, settings.subscribers.lists,
                        settings.classification.themes)  # fmt: skip

    def tokens(self) -> Tokens:
        return Tokens(self.secrets.signing_keys, self.settings.subscribers)

    def mailer(self) -> SmtpMailer:
        return SmtpMailer(self.settings.smtp)

    def optin(self, session: Session, mailer: Mailer | None = None) -> OptIn:
        settings = self.settings
        return OptIn(self.subscriber_store(session), self.tokens(), mailer or self.mailer(),
                     settings.subscribers, settings.smtp.sender,
                     settings.classification.themes)  # fmt: skip

    def close(self) -> None:
        self.database.dispose()


def build(settings: Settings, environ: Mapping[str, str] | None = None) -> App:
    url = resolve_url(settings.database.url, settings.base_dir)
    secrets = Secrets.from_environ(os.environ if environ is None else environ)
    return App(settings=settings, database=Database(url, echo=settings.database.echo),
               secrets=secrets)  # fmt: skip
