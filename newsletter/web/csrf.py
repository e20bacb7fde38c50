"""CSRF protection: a synchronizer token kept in the session and echoed by every form.

``verify_csrf`` is a dependency of every router of the site (they are made by
``site_router``), so every POST (PUT, PATCH, DELETE) is checked, whichever router it
belongs to. Endpoints reached without the session cookie — the bearer-token API, the
RFC 8058 one-click unsubscribe — opt out with ``@csrf_exempt``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Depends, Request

from newsletter.errors import PermissionDenied

FIELD = "csrf_token"
SESSION_KEY = "csrf"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}

Endpoint = TypeVar("Endpoint", bound=Callable[..., object])


def csrf_exempt(endpoint: Endpoint) -> Endpoint:
    """Mark an endpoint that never relies on the session cookie."""
    endpoint.csrf_exempt = True  # type: ignore[attr-defined]  # a mark read by verify_csrf
    return endpoint


def csrf_token(request: Request) -> str:
    """The session's token, created on first use (a form is being shown)."""
    token = request.session.get(SESSION_KEY)
    if not token:
        token = request.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return str(token)


async def verify_csrf(request: Request) -> None:
    """Refuse (403) an unsafe request whose form does not carry the session's token."""
    if request.method in SAFE_METHODS:
        return
    if getattr(request.scope.get("endpoint"), "csrf_exempt", False):
        return
    expected = request.session.get(SESSION_KEY)
    sent = (await request.form()).get(FIELD)
    if not (expected and isinstance(sent, str)) or not secrets.compare_digest(
        sent.encode(), str(expected).encode()
    ):
        raise PermissionDenied(
            "formulaire expiré ou envoyé depuis un autre site",
            "rechargez la page puis recommencez",
        )


def site_router(**options: Any) -> APIRouter:
    """A router of the site (``options`` go to FastAPI's ``APIRouter``): its routes check
    every unsafe request with ``verify_csrf``. The check is set on the routes when they are
    declared, so that they are complete and shared by every app the process builds (see
    ``newsletter.web.app.create_app``)."""
    return APIRouter(dependencies=[Depends(verify_csrf)], **options)
