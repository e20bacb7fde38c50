"""The HTTP server around the app: uvicorn, configured for exposure.

- Each request's headers must arrive within ``web.header_timeout_seconds`` of the
  connection (or of the previous response): a request line dripped byte by byte is cut.
  uvicorn has no such limit, hence ``HeaderDeadline``, its h11 protocol with a timer.
  Headers are at most 16 KiB (h11's limit), bodies are bounded by ``limits.BodyLimit``.
- ``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the addresses of
  ``web.trusted_proxies``; with none (the default) they are ignored, whoever sends them.
- The access log never holds the tokens of subscribers' links (``redact``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import h11
import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from newsletter.settings import WebSettings

MAX_HEADERS = 16 * 1024
# Paths whose last part is a subscriber's token (confirm, unsubscribe, preferences, data).
_TOKEN_PATH = re.compile(
    r"(/abonnement/confirmer|/desabonnement|/preferences|/mes-donnees)/(?!fichier\b|effacer\b)"
    r"[^/?#\s\"]+"
)


def redact(text: str) -> str:
    """``/desabonnement/1.42.…`` → ``/desabonnement/[jeton]``: logs never hold a token."""
    return _TOKEN_PATH.sub(r"\1/[jeton]", text)


class RedactTokens(logging.Filter):
    """Takes the tokens out of uvicorn's access log lines (and of any record's text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg
                                for arg in record.args)  # fmt: skip
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


class HeaderDeadline(H11Protocol):
    """uvicorn's h11 protocol, closing a connection whose request headers are not complete
    ``header_timeout`` seconds after it opened or after the previous response."""

    header_timeout = 10.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        super().handle_events()
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._watch()

    def _watch(self) -> None:
        """Armed while the client has still to send a request's headers."""
        waiting = self.conn.their_state is h11.IDLE and not self.transport.is_closing()
        if waiting and self._deadline is None:
            self._deadline = self.loop.call_later(self.header_timeout, self._too_slow)
        elif not waiting:
            self._disarm()

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()


def server_config(web: FastAPI, settings: WebSettings, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for the app (``options``: host, port, log_level…)."""
    protocol = type("Protocol", (HeaderDeadline,),
                    {"header_timeout": settings.header_timeout_seconds})  # fmt: skip
    trusted = list(settings.trusted_proxies)
    config = uvicorn.Config(
        web,
        http=protocol,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or [],
        h11_max_incomplete_event_size=MAX_HEADERS,
        server_header=False,
        **options,
    )
    logging.getLogger("uvicorn.access").addFilter(RedactTokens())
    logging.getLogger("uvicorn.error").addFilter(RedactTokens())
    return config
