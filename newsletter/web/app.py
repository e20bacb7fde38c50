"""``create_app(app)``: the FastAPI application on top of the wired domain.

Each area is a router in ``ROUTERS`` with its templates (made by ``site_router``: CSRF
checks), inheriting sessions, security headers, body limits and error pages: editors'
login, dashboard, items, editions and accounts (each editor's own: « Mon compte »); the
back office of subscribers (people, imports and exports, segments, bounces, lists);
subscribers' pages; the public archive; the JSON API.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from newsletter.app import App
from newsletter.web import errors
from newsletter.web.api import editions as api_editions
from newsletter.web.api import items as api_items
from newsletter.web.headers import SecurityHeaders
from newsletter.web.limits import UPLOAD_MARGIN, BodyLimit
from newsletter.web.pages import STATIC, Pages
from newsletter.web.routes import (
    accounts,
    archive,
    audience,
    dashboard,
    drafts,
    edition_actions,
    editions,
    images,
    imports,
    items,
    login,
    my_account,
    mydata,
    people,
    preferences,
    segments,
    statistics,
    subscribe,
    unsubscribe,
)

ROUTERS = (
    login.router, dashboard.router, items.router, drafts.router, editions.router,
    edition_actions.router, accounts.router, my_account.router,
    imports.router, people.router, segments.router, audience.router,
    subscribe.router, preferences.router, unsubscribe.router, mydata.router, archive.router,
    images.router, statistics.router,
    api_items.router, api_editions.router,
)  # fmt: skip
SESSION_COOKIE = "lettre_session"
API_DESCRIPTION = """API de Lettre (Profession Banlieue) : le site pousse ses éléments
(fiches, rendez-vous, actualités…), lit les éléments rassemblés et les éditions.

Authentification : `Authorization: Bearer <jeton>`, jeton créé par
`newsletter users token EMAIL`. Les erreurs sont des objets JSON
`{"error": "...", "hint": "..."}` en français."""


def create_app(app: App) -> FastAPI:
    """The web app for ``app``; the session key comes from ``NEWSLETTER_WEB_SECRET``."""
    secret = app.secrets.web_secret
    settings = app.settings.web
    web = FastAPI(
        title="Lettre — API",
        version="1",
        description=API_DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    web.state.lettre = app
    web.state.secret = secret
    web.state.pages = Pages(app.settings.organisation.timezone)
    # Pages name newsletters and lists by their labels, never by their keys.
    letters, lists = app.settings.newsletters, app.settings.subscribers.lists
    web.state.pages.env.globals.update(
        newsletter_titles={key: letter.title for key, letter in letters.items()},
        list_labels={key: listed.label for key, listed in lists.items()},
    )
    errors.install(web)
    web.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    web.add_middleware(SecurityHeaders)
    uploads = {  # a file sent in a form: its own cap, and a margin for the form around it
        re.escape(imports.PATH): 2 * settings.import_max_bytes + UPLOAD_MARGIN,
        images.UPLOADS: app.settings.fetch.max_bytes + UPLOAD_MARGIN,
    }
    larger = {path: max(size, settings.max_body_bytes) for path, size in uploads.items()}
    web.add_middleware(BodyLimit, limit=settings.max_body_bytes, larger=larger,
                       timeout=settings.body_timeout_seconds)  # fmt: skip
    web.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The routers' routes themselves, complete when their modules were loaded: FastAPI's
    # include_router would resolve every route's parameters again for each app, at its
    # first request (0.2 s of processor; a test run builds hundreds of apps).
    for router in ROUTERS:
        web.router.routes.extend(router.routes)
    return web
