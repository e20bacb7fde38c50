"""Logging in and out of the editors' area."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from newsletter.accounts.login import REFUSED, REFUSED_HINT, authenticate
from newsletter.accounts.throttle import ThrottlePolicy
from newsletter.app import App
from newsletter.web.auth import (
    LOGIN_PATH,
    client_address,
    end_session,
    lettre,
    safe_next,
    start_session,
)
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages, flash

router = site_router(include_in_schema=False)


@router.get(LOGIN_PATH)
def login_form(request: Request, suite: str = "") -> Response:
    if isinstance(request.session.get("sid"), str):
        return RedirectResponse(safe_next(suite), status_code=303)
    pages: Pages = request.app.state.pages
    return pages.render(request, "login.html", {"next": safe_next(suite), "email": ""})


@router.post(LOGIN_PATH)
def login(
    request: Request,
    app: Annotated[App, Depends(lettre)],
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    suite: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The password is checked in the thread pool: a burst of logins waiting for their
    turn at Argon2 (``web.password_checks``) holds threads, never the event loop."""
    policy = ThrottlePolicy.of(app.settings.web)
    user = authenticate(app.database, email, password, client_address(request), policy)
    if user is None:
        pages: Pages = request.app.state.pages
        context = {"next": safe_next(suite), "email": email, "error": REFUSED, "hint": REFUSED_HINT}
        return pages.render(request, "login.html", context, status=400)
    start_session(request, app, user)
    return RedirectResponse(safe_next(suite), status_code=303)


@router.post("/editeurs/deconnexion")
def logout(request: Request, app: Annotated[App, Depends(lettre)]) -> Response:
    end_session(request, app)
    flash(request, "Vous êtes déconnecté.")
    return RedirectResponse(LOGIN_PATH, status_code=303)
