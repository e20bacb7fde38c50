"""Sending one email: the ``Mailer`` interface the subscriber domain sends through.

The dispatch of newsletters has its own ledger and workers; this is for the few messages
the subscriber domain sends itself (confirmation of a subscription). The implementation is
handed in by the wiring (``newsletter.app``): dispatch's ``TransportMailer``, through the same
transport as the newsletters (``[transport]`` in config.toml), so there is one relay to
configure. It raises ``newsletter.errors.MailError`` when the relay fails.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Protocol

SIGNATURE = (
    "Profession Banlieue — centre de ressources politique de la ville de Seine-Saint-Denis\n"
)


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def notice(sender: str, to: str, subject: str, body: str, now: datetime) -> EmailMessage:
    """A plain-text message the subscriber domain sends itself, signed by the centre."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip(">"))
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body + "\n" + SIGNATURE)
    return message
