"""Statistics in the editors' area: a newsletter's year (charts with their tables), the
printable yearly report for funders; and the public click counter behind tracked links
(an immediate redirect to a link of the edition itself, counted as a total)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from newsletter.accounts.models import User
from newsletter.app import App
from newsletter.db import utcnow
from newsletter.statistics.charts import draw
from newsletter.statistics.links import LINK_PATH
from newsletter.web.auth import current_user, lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages

router = site_router(include_in_schema=False)
STATS = "/editeurs/statistiques"
REPORT = "/rapport"
Editor = Annotated[User, Depends(current_user)]
Lettre = Annotated[App, Depends(lettre)]
Year = Annotated[int | None, Query(alias="annee", ge=2000, le=2100)]
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _year_page(
    request: Request, app: App, user: User, newsletter: str, year: int | None, template: str
) -> Response:
    now = utcnow()
    chosen = year or now.year
    statistics = app.statistics
    figures = statistics.year(app.actor(user), newsletter, chosen, now)
    charts = [draw(table) for table in statistics.tables(figures)]
    context = {"year": figures, "charts": charts, "years": statistics.years(newsletter, now),
               "newsletters": statistics.newsletters(app.actor(user)),
               "letters": app.settings.newsletters}  # fmt: skip
    return _pages(request).render(request, template, context)


@router.get(STATS)
def index(request: Request, app: Lettre, user: Editor) -> Response:
    """The first newsletter the editor may see (each page links to the others)."""
    found = app.statistics.newsletters(app.actor(user))
    if not found:
        return _pages(request).render(request, "statistics/none.html")
    return RedirectResponse(f"{STATS}/{found[0]}", status_code=303)


Key = Annotated[str, Path(max_length=50)]


@router.get(STATS + "/{newsletter}")
def newsletter_year(
    request: Request, app: Lettre, user: Editor, newsletter: Key, annee: Year = None
) -> Response:
    """The year's page."""
    return _year_page(request, app, user, newsletter, annee, "statistics/year.html")


@router.get(STATS + "/{newsletter}" + REPORT)
def newsletter_report(
    request: Request, app: Lettre, user: Editor, newsletter: Key, annee: Year = None
) -> Response:
    """The year's printable report (the same figures)."""
    return _year_page(request, app, user, newsletter, annee, "statistics/report.html")


@router.get(LINK_PATH + "/{edition_id}/{link}")
def follow(
    app: Lettre,
    edition_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    link: Annotated[str, Path(pattern=r"^[0-9a-f]{12}$")],
) -> Response:
    """A tracked link: counted, then at once to its address (the edition's own links
    only: anything else is a 404, never a redirect)."""
    url = app.statistics.follow(edition_id, link)
    return RedirectResponse(url, status_code=302, headers=NO_STORE)
