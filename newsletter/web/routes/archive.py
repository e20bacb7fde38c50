"""The public side: the home page, the archive of each newsletter, each edition's web
version and the archive's Atom feed.

The web version is the email's own rendering (``Publishing.archive``) filled with the neutral
values of ``newsletter.archive.links.archive_values``; it is served with a CSP of its own
(the email's inline styles, no script, no form).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from newsletter.app import App
from newsletter.archive.links import ARCHIVE_PATH
from newsletter.editions.store import EditionStore
from newsletter.errors import NotFoundError
from newsletter.web.auth import lettre
from newsletter.web.pages import Pages

router = APIRouter(include_in_schema=False)
Lettre = Annotated[App, Depends(lettre)]
ARCHIVE_CSP = "; ".join(
    (
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src https: http: data:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    )
)
Number = Annotated[int, Path(ge=1, le=1_000_000)]


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


@router.get("/")
def home(request: Request, app: Lettre) -> Response:
    newsletters = app.settings.newsletters
    return _pages(request).render(request, "home.html", {"newsletters": newsletters})


@router.get(ARCHIVE_PATH + "/")
def archive_index(request: Request, app: Lettre) -> Response:
    with app.database.session() as session:
        store = EditionStore(session)
        latest = {name: store.published(name)[:1] for name in app.settings.newsletters}
        context = {"newsletters": app.settings.newsletters, "latest": latest}
        return _pages(request).render(request, "archive/index.html", context)


@router.get(ARCHIVE_PATH + "/{newsletter}/")
def newsletter_archive(request: Request, newsletter: str, app: Lettre) -> Response:
    settings = app.settings.newsletter(newsletter)
    with app.database.session() as session:
        editions = EditionStore(session).published(newsletter)
        context = {"key": newsletter, "newsletter": settings, "editions": editions}
        return _pages(request).render(request, "archive/newsletter.html", context)


@router.get(ARCHIVE_PATH + "/{newsletter}/{number}/")
def web_version(newsletter: str, number: Number, app: Lettre) -> Response:
    """An edition as it went out, for everyone (no personal link)."""
    app.settings.newsletter(newsletter)
    with app.database.session() as session:
        published = EditionStore(session).published(newsletter)
        edition = next((found for found in published if found.number == number), None)
        if edition is None:
            raise NotFoundError(f"la lettre « {newsletter} » n'a pas de n° {number} publié",
                                "voir la liste des numéros parus")  # fmt: skip
        page = app.publishing.archive(session, edition)
    return HTMLResponse(page, headers={"Content-Security-Policy": ARCHIVE_CSP})


@router.get(ARCHIVE_PATH + "/{newsletter}/feed.atom")
def feed(newsletter: str, app: Lettre) -> Response:
    app.settings.newsletter(newsletter)
    with app.database.session() as session:
        xml = app.publishing.feed(session, newsletter)
    return Response(xml, media_type="application/atom+xml; charset=utf-8")
