"""SMTP transport (smtplib): persistent connections, replies mapped to delivery errors.

Each sending thread gets its own ``SmtpConnection`` from ``SmtpTransport.connect()``; the
connection object keeps one SMTP session open across messages and manages it:

- after ``max_messages_per_connection`` transactions it says QUIT and opens a new session;
- after a refusal (4xx, 5xx) it sends RSET, so the next message goes through the same session;
- after a loss (dropped connection, timeout, 421) it forgets the session: the *next*
  ``send`` opens a new one. A message is never re-sent by this module once its MAIL FROM
  was accepted — except in one case where nothing can have been delivered: when a session
  kept open since an earlier message turns out to be dead at MAIL FROM (the server timed it
  out while idle), ``send`` reconnects once and goes on transparently.
"""

from __future__ import annotations

import errno
import smtplib
import socket
import ssl
from collections.abc import Callable
from functools import partial

from newsletter.dispatch.errors import (
    ConnectionLost,
    PermanentFailure,
    TemporaryFailure,
    TransportError,
)
from newsletter.settings import SmtpSettings

ACCEPTED = (250, 251)


class SmtpTransport:
    """Opens sessions to the configured relay; ``password`` comes from the environment."""

    def __init__(
        self,
        settings: SmtpSettings,
        password: str = "",
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.settings = settings
        self._password = password
        if ssl_context is None and settings.security != "none":
            ssl_context = ssl.create_default_context()  # loading the CAs takes a while
        self._ssl_context = ssl_context

    def connect(self) -> SmtpConnection:
        """A connection with its session already open (connection errors surface here)."""
        connection = SmtpConnection(self)
        connection.open()
        return connection

    def open_session(self) -> smtplib.SMTP:
        """A new authenticated session: TCP, EHLO, STARTTLS or TLS, AUTH as configured."""
        s = self.settings
        where = f"{s.host}:{s.port}"
        helo = s.helo or None
        try:
            if s.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, local_hostname=helo, timeout=s.timeout,
                    context=self._ssl_context,
                )  # fmt: skip
            else:
                smtp = smtplib.SMTP(s.host, s.port, local_hostname=helo, timeout=s.timeout)
            smtp.ehlo_or_helo_if_needed()
            if s.security == "starttls":
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    raise TransportError(
                        f"{where} ne propose pas STARTTLS",
                        'choisissez transport.smtp.security = "tls" ou "none" selon le relais',
                    )
                smtp.starttls(context=self._ssl_context)
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, self._password)
        except smtplib.SMTPAuthenticationError as exc:
            raise TransportError(
                f"{where} refuse l'authentification : {exc.smtp_code} {_text(exc.smtp_error)}",
                f"vérifiez transport.smtp.username et ${s.password_env}",
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise TransportError(
                f"{where} : {exc}", "ce relais n'attend pas d'identifiant : videz username"
            ) from None
        except ssl.SSLCertVerificationError as exc:
            raise TransportError(
                f"{where} : certificat TLS refusé : {exc.verify_message}",
                "le nom du serveur doit correspondre à son certificat (transport.smtp.host)",
            ) from None
        except smtplib.SMTPResponseException as exc:
            raise ConnectionLost(exc.smtp_code, f"{where} : {_text(exc.smtp_error)}") from None
        except OSError as exc:  # includes every other smtplib error and timeouts
            raise ConnectionLost(None, f"{where} : {why(exc)}") from None
        return smtp


class SmtpConnection:
    """One SMTP session reused across messages; not shared between threads."""

    def __init__(self, transport: SmtpTransport) -> None:
        self._transport = transport
        self._limit = transport.settings.max_messages_per_connection
        self._smtp: smtplib.SMTP | None = None
        self._transactions = 0

    def open(self) -> None:
        self.close()
        self._smtp = self._transport.open_session()
        self._transactions = 0

    def send(self, sender: str, recipient: str, message: bytes) -> None:
        """Hand one message over; returns once the server accepted it (250 after DATA).

        Raises ``TemporaryFailure`` (4xx), ``ConnectionLost`` (421, dropped connection,
        timeout), ``PermanentFailure`` (5xx; ``recipient_refused`` for RCPT TO) or
        ``TransportError`` (cannot authenticate…).
        """
        if self._smtp is None or self._transactions >= self._limit:
            self.open()
        try:
            self._envelope(sender, recipient, message)
        except ConnectionLost:
            if self._transactions == 1:  # a fresh session failed: nothing to retry
                raise
            self.open()  # an idle session died before any content was sent: once more
            self._envelope(sender, recipient, message)
        smtp = self._session()
        self._reply("DATA", lambda: _content(smtp, message))

    def close(self) -> None:
        """QUIT politely; a session that is already gone is just forgotten."""
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _envelope(self, sender: str, recipient: str, message: bytes) -> None:
        """MAIL FROM, RCPT TO and DATA up to its 354: in one write when the server offers
        PIPELINING (RFC 2920), one command at a time otherwise."""
        smtp = self._session()
        self._transactions += 1
        options = []
        if smtp.has_extn("size"):
            options.append(f"SIZE={len(message)}")
        if smtp.has_extn("8bitmime"):
            options.append("BODY=8BITMIME")
        if not (sender.isascii() and recipient.isascii()):
            if not smtp.has_extn("smtputf8"):
                raise PermanentFailure(
                    None,
                    "adresse internationalisée, le serveur ne propose pas SMTPUTF8",
                    recipient_refused=not recipient.isascii(),
                )
            options.append("SMTPUTF8")
            smtp.command_encoding = "utf-8"
        # Addresses were validated upstream: plain commands, no per-message address parsing.
        mail = f"FROM:<{sender}>" + "".join(f" {option}" for option in options)
        rcpt = f"TO:<{recipient}>"
        if not smtp.has_extn("pipelining"):
            self._reply("MAIL", lambda: smtp.docmd("mail", mail))
            self._reply("RCPT", lambda: smtp.docmd("rcpt", rcpt))
            self._reply("DATA", lambda: smtp.docmd("data"), expected=(354,))
            return
        replies = self._pipelined(smtp, f"MAIL {mail}\r\nRCPT {rcpt}\r\nDATA\r\n")
        for stage, reply in zip(("MAIL", "RCPT"), replies, strict=False):
            if reply[0] not in ACCEPTED:
                if replies[2][0] == 354:  # the server took DATA anyway: end it empty
                    self._reply("DATA", lambda: _content(smtp, b""))
                self._reply(stage, partial(_as_given, reply))
        self._reply("DATA", lambda: replies[2], expected=(354,))

    def _pipelined(self, smtp: smtplib.SMTP, commands: str) -> list[tuple[int, bytes]]:
        try:
            smtp.send(commands.encode("utf-8"))
            return [smtp.getreply() for _ in range(3)]
        except OSError as exc:
            self._forget()
            raise ConnectionLost(None, why(exc)) from None

    def _session(self) -> smtplib.SMTP:
        if self._smtp is None:
            raise ConnectionLost(None, "session fermée")
        return self._smtp

    def _reply(
        self,
        stage: str,
        command: Callable[[], tuple[int, bytes]],
        expected: tuple[int, ...] = ACCEPTED,
    ) -> None:
        """Run one command and turn any unexpected reply into the matching error."""
        try:
            code, reply = command()
        except smtplib.SMTPResponseException as exc:  # DATA not answered with 354
            code, reply = exc.smtp_code, _as_bytes(exc.smtp_error)
        except OSError as exc:  # SMTPServerDisconnected, reset, timeout
            self._forget()
            raise ConnectionLost(None, why(exc)) from None
        if code in expected:
            return
        text = _text(reply)
        if code == 421 or not 400 <= code < 600:
            self._forget()
            raise ConnectionLost(code, text)
        self._reset()
        if code < 500:
            raise TemporaryFailure(code, text)
        raise PermanentFailure(code, text, recipient_refused=stage == "RCPT")

    def _reset(self) -> None:
        """End the failed transaction so that the session can carry the next message."""
        smtp = self._session()
        try:
            code, _ = smtp.rset()
        except (smtplib.SMTPException, OSError):
            code = 0
        if code != 250:
            self._forget()

    def _forget(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()


def _content(smtp: smtplib.SMTP, message: bytes) -> tuple[int, bytes]:
    """The message after DATA's 354, dot-stuffed with ``bytes.replace`` (its lines already
    end in CRLF): smtplib's regular expressions cost more than building the message, and a
    plain search (most messages need no stuffing) costs less than a replacing one."""
    stuffed = message.replace(b"\r\n.", b"\r\n..") if b"\n." in message else message
    if stuffed.startswith(b"."):
        stuffed = b"." + stuffed
    if stuffed and not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    smtp.send(stuffed + b".\r\n")
    return smtp.getreply()


def why(exc: OSError) -> str:
    """A lost or refused connection in French, for editors (the system's words otherwise)."""
    if isinstance(exc, socket.gaierror):
        return "nom de serveur introuvable"
    for kind, text in (
        (ConnectionRefusedError, "connexion refusée"),
        (TimeoutError, "pas de réponse dans le délai (transport.smtp.timeout)"),
        (smtplib.SMTPServerDisconnected, "connexion fermée par le serveur"),
        (ConnectionResetError, "connexion coupée par le serveur"),
        (BrokenPipeError, "connexion coupée par le serveur"),
    ):
        if isinstance(exc, kind):
            return text
    if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return "serveur inaccessible (réseau)"
    return str(exc) or type(exc).__name__


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def _as_given(reply: tuple[int, bytes]) -> tuple[int, bytes]:
    """A reply already read (pipelining), as a command that returns it."""
    return reply


def _as_bytes(text: bytes | str) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8", "replace")
