"""Sending one email: the ``Mailer`` interface and its SMTP implementation.

The dispatch of newsletters has its own transports; this is for the few messages the
subscriber domain sends itself (confirmation of a subscription).
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Protocol

from newsletter.errors import NewsletterError
from newsletter.settings import SmtpSettings


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class MailError(NewsletterError):
    """The SMTP server could not be reached or refused the message."""


class SmtpMailer:
    """One connection per message to the configured server (confirmations are rare)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        settings = self.settings
        try:
            with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
                smtp.send_message(message)
        except OSError as exc:  # smtplib.SMTPException included
            raise MailError(
                f"envoi impossible par {settings.host}:{settings.port} : {exc}",
                "vérifiez la section [smtp] de config.toml",
            ) from None
