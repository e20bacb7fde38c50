"""One email through the configured transport: the ``subscribers.mailer.Mailer`` that the
wiring hands to the subscriber domain (confirmation emails, one connection per message)."""

from __future__ import annotations

from email.message import EmailMessage
from email.policy import SMTP
from email.utils import parseaddr

from newsletter.dispatch.errors import DeliveryError, TransportError
from newsletter.dispatch.transports import Transport
from newsletter.errors import MailError


class TransportMailer:
    """One connection per message (confirmations are rare)."""

    def __init__(self, transport: Transport, envelope_sender: str) -> None:
        self.transport = transport
        self.envelope_sender = envelope_sender

    def send(self, message: EmailMessage) -> None:
        recipient = parseaddr(str(message["To"]))[1]
        try:
            connection = self.transport.connect()
            try:
                connection.send(self.envelope_sender, recipient, message.as_bytes(policy=SMTP))
            finally:
                connection.close()
        except (DeliveryError, TransportError) as exc:
            raise MailError(
                f"envoi impossible à {recipient} : {exc.message}",
                "vérifiez la section [transport] de config.toml",
            ) from None
