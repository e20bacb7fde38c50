"""The public side: the home page, the archive of each newsletter, each edition's web
page, the archive's Atom feed, and agenda entries as iCalendar files.

An edition's web page is a page of the site (its layout, navigation and subscription link)
showing the edition's frozen snapshot (``Publishing.archive``): no greeting, no personal link.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.responses import Response

from newsletter.app import App
from newsletter.archive.calendar import event_calendar
from newsletter.archive.links import ARCHIVE_PATH
from newsletter.content.models import Item
from newsletter.content.store import ItemStore
from newsletter.editions.store import EditionStore
from newsletter.errors import NotFoundError
from newsletter.rendering.context import CALENDAR_PATH
from newsletter.web.auth import lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages

router = site_router(include_in_schema=False)
Lettre = Annotated[App, Depends(lettre)]
Number = Annotated[int, Path(ge=1, le=1_000_000)]
ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]


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
def web_version(request: Request, newsletter: str, number: Number, app: Lettre) -> Response:
    """An edition as it went out, for everyone (no personal link)."""
    settings = app.settings.newsletter(newsletter)
    with app.database.session() as session:
        published = EditionStore(session).published(newsletter)
        edition = next((found for found in published if found.number == number), None)
        if edition is None:
            raise NotFoundError(f"{settings.title} n'a pas de n° {number} paru",
                                "voir la liste des numéros parus")  # fmt: skip
        view = app.publishing.archive(session, edition)
        context = {"key": newsletter, "newsletter": settings, "view": view, "edition": edition}
        return _pages(request).render(request, "archive/edition.html", context)


@router.get(ARCHIVE_PATH + "/{newsletter}/feed.atom")
def feed(newsletter: str, app: Lettre) -> Response:
    app.settings.newsletter(newsletter)
    with app.database.session() as session:
        xml = app.publishing.feed(session, newsletter, datetime.now(UTC))
    return Response(xml, media_type="application/atom+xml; charset=utf-8")


@router.get(CALENDAR_PATH + "/{item_id}.ics")
def agenda_entry(item_id: ItemId, app: Lettre) -> Response:
    """An agenda entry for the reader's calendar (the emails' "Ajouter à mon agenda")."""
    with app.database.session() as session:
        try:
            item: Item | None = ItemStore(session).get(item_id)
        except NotFoundError:
            item = None
        if item is None or item.kind != "agenda" or item.starts_at is None:
            raise NotFoundError("ce rendez-vous n'existe pas", "voir les numéros parus")
        organisation = app.settings.organisation
        body = event_calendar(item, organisation.public_url, organisation.name)
    disposition = f'attachment; filename="rendez-vous-{item_id}.ics"'
    return Response(body, media_type="text/calendar; charset=utf-8",
                    headers={"Content-Disposition": disposition})  # fmt: skip
