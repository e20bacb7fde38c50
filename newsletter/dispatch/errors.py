"""What a failed delivery means, carrying the server's reply code and text.

- ``TemporaryFailure`` (4xx): the message was not accepted; retry later with backoff.
- ``ConnectionLost`` (421, dropped connection, timeout, refused connection): a temporary
  failure of the connection itself; the message was not acknowledged (if the loss happened
  after the end of the data, the server may still have kept it: the in-flight window).
  The next ``send`` on the same connection object opens a new connection.
- ``PermanentFailure`` (5xx): do not retry; ``recipient_refused`` says the server refused
  this recipient (a hard bounce for that subscriber) rather than the message or the sender.
- ``TransportError``: the transport cannot work at all (authentication refused, TLS
  unavailable, missing secret…): stop sending and tell the operator.
"""

from __future__ import annotations

from newsletter.errors import NewsletterError


class TransportError(NewsletterError):
    """The transport cannot send anything until its configuration is fixed."""


class DeliveryError(NewsletterError):
    """One message was not accepted; ``code`` and ``reply`` are the server's words."""

    summary = "message non accepté"
    advice = ""

    def __init__(self, code: int | None, reply: str) -> None:
        said = f"{code} {reply}" if code is not None else reply
        super().__init__(f"{self.summary} : {said}", self.advice)
        self.code = code
        self.reply = reply

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.reply!r})"


class TemporaryFailure(DeliveryError):
    """A 4xx reply: the server may accept the same message later."""

    summary = "refus temporaire du serveur"
    advice = "le message sera renvoyé plus tard"


class ConnectionLost(TemporaryFailure):
    """The connection broke (or the server closed it with 421) before the server accepted."""

    summary = "connexion au serveur d'envoi perdue"
    advice = "une nouvelle connexion sera ouverte"


class PermanentFailure(DeliveryError):
    """A 5xx reply: sending the same message again would fail again."""

    def __init__(self, code: int | None, reply: str, *, recipient_refused: bool) -> None:
        self.recipient_refused = recipient_refused
        self.summary = "destinataire refusé" if recipient_refused else "message refusé"
        super().__init__(code, reply)
