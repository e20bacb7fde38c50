"""Bounded requests: a body size limit for every route, enforced while the body is read,
before authentication or parsing, and a time limit to send it (a pure ASGI middleware).

A declared ``Content-Length`` over the route's limit is refused at once (413), without
reading anything; otherwise the body is counted as it arrives and the request is cut
(413) as soon as it goes over, or (408) when it takes longer than ``web.body_timeout_
seconds`` in all. The limit is ``web.max_body_bytes``, and for the import upload, twice
``web.import_max_bytes`` (the page itself explains a file a little over its limit), and
for an image upload ``fetch.max_bytes``.
The refusal is an ``HTTPException``, so FastAPI lets it through its body parsing and the
app's error handlers answer in French (JSON under ``/api/``).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

UPLOAD_MARGIN = 64_000  # bytes of multipart framing around an uploaded file


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(413)


class BodyTooSlow(HTTPException):
    def __init__(self) -> None:
        super().__init__(408)


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int, larger: Mapping[str, int], timeout: float) -> None:
        self.app = app
        self.limit = limit
        # Paths (regular expressions, matched whole: an upload route with its id) → their
        # own limit.
        self.larger = [(re.compile(pattern), size) for pattern, size in larger.items()]
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = next((size for route, size in self.larger if route.fullmatch(path)), self.limit)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self.app(scope, _refused(BodyTooLarge()), send)
            return
        deadline = time.monotonic() + self.timeout
        received = 0

        async def bounded() -> Message:
            nonlocal received
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                raise BodyTooSlow() from None
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge()
            return message

        await self.app(scope, bounded, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _refused(error: HTTPException) -> Receive:
    """A ``receive`` that refuses at the first read; routes that read nothing answer as
    usual, after their checks, and the body is never read."""

    async def receive() -> Message:
        raise error

    return receive
