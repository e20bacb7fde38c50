"""The interface dispatch sends through, and the transport the configuration asks for.

A ``Transport`` opens ``Connection``s; each sending thread holds one connection and sends
message after message through it. ``send`` returns only once the message was accepted
(the moment a delivery may be recorded as sent) and otherwise raises one of the errors of
``newsletter.dispatch.errors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from newsletter.dispatch.maildir import MaildirTransport
from newsletter.dispatch.smtp import SmtpTransport
from newsletter.errors import ConfigError
from newsletter.settings import TransportSettings


class Connection(Protocol):
    def send(self, sender: str, recipient: str, message: bytes) -> None:
        """Deliver ``message`` from envelope ``sender`` to ``recipient``, or raise."""

    def close(self) -> None:
        """Release the connection; it is not used afterwards."""


class Transport(Protocol):
    def connect(self) -> Connection:
        """A new connection, for one thread."""


def configured_transport(
    settings: TransportSettings, base_dir: Path, environ: Mapping[str, str]
) -> Transport:
    """The transport of ``[transport]``; the SMTP password is read from ``environ``."""
    if settings.kind == "maildir":
        return MaildirTransport(base_dir / settings.maildir_path)
    smtp = settings.smtp
    password = environ.get(smtp.password_env, "") if smtp.username else ""
    if smtp.username and not password:
        raise ConfigError(
            f"transport.smtp.username est défini mais ${smtp.password_env} est vide",
            "exportez le mot de passe du relais dans cette variable d'environnement",
        )
    return SmtpTransport(smtp, password)
