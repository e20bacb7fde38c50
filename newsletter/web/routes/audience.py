"""The audience pages of the editors' area: recent bounces and complaints (with
« réactiver »), the lists with their figures and settings. Each shows only what the
editor's lists cover."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from newsletter.accounts.models import User
from newsletter.app import App
from newsletter.services.overviews import MONTHS
from newsletter.web.auth import current_user, lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages
from newsletter.web.routes.people import labels

router = site_router(include_in_schema=False)
BOUNCES = "/editeurs/rebonds"
LISTS = "/editeurs/listes"
PAGE_SIZE = 50
PERIODS = {"7": "7 derniers jours", "30": "30 derniers jours", "90": "3 derniers mois",
           "365": "12 derniers mois"}  # fmt: skip
Editor = Annotated[User, Depends(current_user)]
Lettre = Annotated[App, Depends(lettre)]


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


@router.get(BOUNCES)
def bounces(
    request: Request, app: Lettre, user: Editor,
    type: Annotated[str, Query(max_length=20)] = "",
    jours: Annotated[str, Query(max_length=4)] = "30",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:  # fmt: skip
    days = jours if jours in PERIODS else "30"
    rows, total = app.overviews.bounces(app.actor(user), type, int(days), page, PAGE_SIZE)
    kept = {key: value for key, value in (("type", type), ("jours", days)) if value}

    def page_url(number: int) -> str:
        return f"{BOUNCES}?{urlencode({**kept, 'page': number})}"

    context = {
        **labels(app, user), "rows": rows, "total": total, "kind": type, "days": days,
        "periods": PERIODS, "page": page,
        "previous_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page * PAGE_SIZE < total else None,
        "threshold": app.settings.subscribers.soft_bounce_threshold,
    }  # fmt: skip
    return _pages(request).render(request, "bounces.html", context)


@router.get(LISTS)
def lists(request: Request, app: Lettre, user: Editor) -> Response:
    context = {**labels(app, user), "counts": app.overviews.lists(app.actor(user)),
               "settings": app.settings.subscribers.lists}  # fmt: skip
    return _pages(request).render(request, "lists/index.html", context)


@router.get(LISTS + "/{key}")
def list_page(request: Request, key: str, app: Lettre, user: Editor) -> Response:
    shown = app.overviews.list_page(app.actor(user), key)
    context = {**labels(app, user), "page": shown, "months": MONTHS,
               "optin": app.settings.subscribers}  # fmt: skip
    return _pages(request).render(request, "lists/page.html", context)
