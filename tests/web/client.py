"""Serving the real web app with uvicorn in a thread, and talking to it like a browser."""

from __future__ import annotations

import re
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from newsletter.web.server import server_config

SECRET = "cle-de-signature-des-sessions-pour-les-tests-0123456789"
PASSWORD = "une phrase de passe solide"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# The servers the tests talk to are plain HTTP on the loopback, yet httpx makes a TLS
# context for each client and loads the system's certificate store into it: 22 ms of
# processor per client, 20 s over a run of the suite. Its clients share this one.
_TLS = ssl.create_default_context()


def http_client(**options: Any) -> httpx.Client:
    """An HTTP client for the test servers (``options`` are httpx.Client's)."""
    return httpx.Client(verify=_TLS, **options)


def http_get(url: str, **options: Any) -> httpx.Response:
    """One request with a client of its own, sharing that context (``httpx.get``'s would
    make another)."""
    return httpx.get(url, verify=_TLS, **options)


def http_post(url: str, **options: Any) -> httpx.Response:
    return httpx.post(url, verify=_TLS, **options)


def http_head(url: str, **options: Any) -> httpx.Response:
    return httpx.head(url, verify=_TLS, **options)


def reserve() -> socket.socket:
    """A listening socket on a free loopback port: the URL is known before the app."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    return sock


def url_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def serve(web: FastAPI, sock: socket.socket | None = None) -> Iterator[str]:
    """The app on a free loopback port (or ``sock``), served by a real uvicorn server;
    its base URL."""
    sock = sock or reserve()
    settings = web.state.lettre.settings.web
    server = uvicorn.Server(server_config(web, settings, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def login(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    """Fill in and send the login form, as a browser would."""
    page = client.get("/editeurs/connexion")
    form = {"csrf_token": csrf_of(page.text), "email": email, "password": password}
    return client.post("/editeurs/connexion", data=form)


def post_form(client: httpx.Client, path: str, data: dict[str, object]) -> httpx.Response:
    """GET the page holding the form, then POST it with its CSRF token."""
    token = csrf_of(client.get(path).text)
    return client.post(path, data={"csrf_token": token, **data})
