"""A real local HTTP server serving feeds, for the demo and the tests (standard library only).

Each route is served with a strong ETag and a fixed Last-Modified, honours conditional GETs
(``304 Not Modified``), speaks HTTP/1.1 with keep-alive, answers every request in its own
thread (so simulated latency never serialises requests) and logs nothing. Custom handlers
let tests play a hostile server (500s, redirect loops, slow drip, wrong content type…).

    with serve_samples(date.today()) as server:
        httpx.get(server.url("/pb/fiches.rss"))
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from newsletter.demo.samples import build_sample_feeds, sample_images

Handler = Callable[[BaseHTTPRequestHandler], None]


class RequestHeaders(dict[str, str]):
    """Request headers as sent (original case), looked up case-insensitively."""

    def _find(self, key: str) -> str:
        if not dict.__contains__(self, key):
            return next((name for name in self if name.lower() == key.lower()), key)
        return key

    def __getitem__(self, key: str) -> str:
        return dict.__getitem__(self, self._find(key))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and dict.__contains__(self, self._find(key))

    def get(self, key: str, default: Any = None) -> Any:
        return dict.get(self, self._find(key), default)


RequestRecord = tuple[str, str, RequestHeaders]


@dataclass(frozen=True)
class _Route:
    content_type: str
    body: bytes
    etag: str
    modified: int  # seconds since the epoch, when the route was added

    @property
    def last_modified(self) -> str:
        return formatdate(self.modified, usegmt=True)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True
    feed_server: FeedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (reset, broken pipe, timeout) are normal here: stay quiet."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LettreFeedServer/1.0"
    timeout = 30  # an idle keep-alive connection is dropped after this many seconds
    server: _Server

    def log_message(self, *args: Any) -> None:
        """Stay quiet: no access log on stderr."""

    def do_GET(self) -> None:
        self.server.feed_server._answer(self, "GET")

    def do_HEAD(self) -> None:
        self.server.feed_server._answer(self, "HEAD")

    def do_POST(self) -> None:
        self.server.feed_server._answer(self, "POST")


class FeedServer:
    """A threaded HTTP server on ``host:port`` (0 = any free port), started on construction.

    ``routes`` maps paths to ``(content_type, body)``; ``latency`` seconds are slept before
    answering each request. ``requests`` lists ``(method, path, headers)`` of every request seen.
    """

    def __init__(
        self,
        routes: dict[str, tuple[str, bytes]] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
    ) -> None:
        self.latency = latency
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._routes: dict[str, _Route] = {}
        self._handlers: dict[str, Handler] = {}
        for path, (content_type, body) in (routes or {}).items():
            self.add(path, content_type, body)
        self._httpd = _Server((host, port), _RequestHandler)
        self._httpd.feed_server = self
        self.host = host
        self.port: int = self._httpd.server_address[1]
        self.base_url = f"http://{host}:{self.port}"
        self._closed = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"feed-server-{self.port}",
            daemon=True,
        )
        self._thread.start()

    # --- configuration ------------------------------------------------------------------------

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + path

    def add(self, path: str, content_type: str, body: bytes) -> None:
        """Serve ``body`` at ``path``; replacing a route gives it a new ETag and Last-Modified."""
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        with self._lock:
            modified = int(time.time())
            previous = self._routes.get(path)
            if previous is not None and previous.body != body and modified <= previous.modified:
                modified = previous.modified + 1  # a changed body is always newer
            self._routes[path] = _Route(content_type, body, etag, modified)
            self._handlers.pop(path, None)

    def add_handler(self, path: str, handler: Handler) -> None:
        """Answer ``path`` with ``handler(request_handler)``, which writes the whole response.

        The handler should send ``Content-Length`` (or set ``close_connection = True``) so
        keep-alive clients know where the response ends.
        """
        with self._lock:
            self._handlers[path] = handler
            self._routes.pop(path, None)

    def remove(self, path: str) -> None:
        """Stop serving ``path`` (it answers 404 from now on)."""
        with self._lock:
            self._routes.pop(path, None)
            self._handlers.pop(path, None)

    # --- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Stop the server and free its port (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- answering ----------------------------------------------------------------------------

    def _answer(self, request: BaseHTTPRequestHandler, method: str) -> None:
        path = urlsplit(request.path).path
        with self._lock:
            self.requests.append((method, request.path, RequestHeaders(request.headers.items())))
            route = self._routes.get(path)
            handler = self._handlers.get(path)
        if self.latency > 0:
            time.sleep(self.latency)
        if handler is not None:
            handler(request)
            return
        _drain_body(request)
        if route is None:
            _send_plain(request, 404, "Not Found\n", method)
        elif method == "POST":
            request.send_response(405)
            request.send_header("Allow", "GET, HEAD")
            request.send_header("Content-Length", "0")
            request.end_headers()
        elif _not_modified(request, route):
            request.send_response(304)
            request.send_header("ETag", route.etag)
            request.send_header("Last-Modified", route.last_modified)
            request.end_headers()
        else:
            request.send_response(200)
            request.send_header("Content-Type", route.content_type)
            request.send_header("Content-Length", str(len(route.body)))
            request.send_header("ETag", route.etag)
            request.send_header("Last-Modified", route.last_modified)
            request.send_header("Cache-Control", "no-cache")
            request.end_headers()
            if method != "HEAD":
                request.wfile.write(route.body)


def _not_modified(request: BaseHTTPRequestHandler, route: _Route) -> bool:
    """RFC 9110 §13.2.2: If-None-Match wins; If-Modified-Since only when it is absent."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or route.etag in tags
    if_modified_since = request.headers.get("If-Modified-Since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    if since.tzinfo is None:
        return False
    return route.modified <= since.timestamp()


def _drain_body(request: BaseHTTPRequestHandler) -> None:
    """Read an unused request body so the next request on a kept-alive connection parses."""
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > 0:
        request.rfile.read(length)


def _send_plain(request: BaseHTTPRequestHandler, status: int, text: str, method: str) -> None:
    body = text.encode("utf-8")
    request.send_response(status)
    request.send_header("Content-Type", "text/plain; charset=utf-8")
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    if method != "HEAD":
        request.wfile.write(body)


def serve_samples(today: date, port: int = 0, latency: float = 0.0) -> FeedServer:
    """Start a :class:`FeedServer` serving every sample feed dated relative to ``today``,
    and the pictures its entries name (at the server's own address)."""
    server = FeedServer(port=port, latency=latency)
    for path, (content_type, body) in build_sample_feeds(today, server.base_url).items():
        server.add(path, content_type, body)
    for path, (content_type, body) in sample_images().items():
        server.add(path, content_type, body)
    return server
