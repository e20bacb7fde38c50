"""Sending one email: the ``Mailer`` interface the subscriber domain sends through.

The dispatch of newsletters has its own ledger and workers; this is for the few messages
the subscriber domain sends itself (confirmation of a subscription). The implementation is
handed in by the wiring (``newsletter.app``): dispatch's ``TransportMailer``, through the same
transport as the newsletters (``[transport]`` in config.toml), so there is one relay to
configure. It raises ``newsletter.errors.MailError`` when the relay fails.
"""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...
