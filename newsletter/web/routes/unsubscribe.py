"""``/desabonnement/{token}``: the unsubscribe link of every email.

- GET shows what will happen and a button: opening the link (as mail scanners do) changes
  nothing.
- POST unsubscribes: from the page's button, or as the RFC 8058 one-click request mail
  clients send (``List-Unsubscribe=One-Click``, form-data or urlencoded, no cookie). The
  signed token in the address is the proof, so there is no CSRF token (``@csrf_exempt``);
  the answer is a 200 page, never a redirect.

The token names the list the email came from (none: every list). A bad token, whatever
the reason, gets the same neutral page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from newsletter.app import App
from newsletter.archive.links import PREFERENCES_PATH, UNSUBSCRIBE_PATH
from newsletter.db import utcnow
from newsletter.errors import InputError
from newsletter.web.auth import lettre
from newsletter.web.csrf import csrf_exempt
from newsletter.web.pages import Pages
from newsletter.web.routes.subscribe import checked_token

router = APIRouter(include_in_schema=False)
PAGE = UNSUBSCRIBE_PATH + "/{token}"
ONE_CLICK = "One-Click"
Lettre = Annotated[App, Depends(lettre)]


def _labels(app: App, lists: tuple[str, ...]) -> list[str]:
    known = app.settings.subscribers.lists
    return [known[key].label for key in lists if key in known]


@router.get(PAGE)
def unsubscribe_page(request: Request, token: str, app: Lettre) -> Response:
    """Asks for confirmation; never unsubscribes."""
    with app.database.session() as session:
        subscriber, claims = app.tokens().resolve(session, "unsubscribe", checked_token(token))
        preferences = app.tokens().issue("preferences", subscriber)
    context = {"labels": _labels(app, claims.lists), "action": f"{UNSUBSCRIBE_PATH}/{token}",
               "preferences": f"{PREFERENCES_PATH}/{preferences}"}  # fmt: skip
    pages: Pages = request.app.state.pages
    return pages.render(request, "subscribers/unsubscribe.html", context)


@router.post(PAGE)
@csrf_exempt
def unsubscribe(
    request: Request,
    token: str,
    app: Lettre,
    one_click: Annotated[str, Form(alias="List-Unsubscribe", max_length=50)] = "",
    confirmer: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Unsubscribe (RFC 8058 one-click, or the page's button); 200, no redirect."""
    if one_click != ONE_CLICK and confirmer != "oui":
        raise InputError("demande de désabonnement incomplète",
                         "utilisez le bouton de la page de désabonnement")  # fmt: skip
    with app.database.session() as session:
        subscriber, claims = app.tokens().resolve(session, "unsubscribe", checked_token(token))
        lists, _ = app.subscriber_store(session).leave(subscriber, claims.lists, utcnow())
        preferences = app.tokens().issue("preferences", subscriber)
    context = {"labels": _labels(app, tuple(lists)),
               "preferences": f"{PREFERENCES_PATH}/{preferences}"}  # fmt: skip
    pages: Pages = request.app.state.pages
    return pages.render(request, "subscribers/unsubscribed.html", context)
