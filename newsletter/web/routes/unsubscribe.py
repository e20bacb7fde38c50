"""``/desabonnement/{token}``: the unsubscribe link of every email, which only unsubscribes.

- GET shows what will happen and a button: opening the link (as mail scanners do) changes
  nothing. Someone already unsubscribed is told so.
- POST unsubscribes: from the page's button, or as the RFC 8058 one-click request mail
  clients send (``List-Unsubscribe=One-Click``, form-data or urlencoded, no cookie). The
  signed token in the address is the proof, so there is no CSRF token (``@csrf_exempt``);
  the answer is a 200 page, never a redirect.
- POST ``…/reabonner`` undoes it (the page after unsubscribing offers it).

The token names the list the email came from (none: every list). These pages carry no
token of another purpose (docs/subscribers.md, "Link scopes"): the preferences link is in
the emails' footer. A bad token, whatever the reason, gets the same neutral page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from newsletter.app import App
from newsletter.archive.links import UNSUBSCRIBE_PATH
from newsletter.db import utcnow
from newsletter.errors import InputError
from newsletter.web.auth import lettre
from newsletter.web.csrf import csrf_exempt, site_router
from newsletter.web.pages import Pages
from newsletter.web.routes.subscribe import checked_token
from subscribers import preferences
from subscribers.models import Subscriber
from subscribers.tokens import Claims

router = site_router(include_in_schema=False)
PAGE = UNSUBSCRIBE_PATH + "/{token}"
ONE_CLICK = "One-Click"
Lettre = Annotated[App, Depends(lettre)]


def _labels(app: App, lists: Sequence[str]) -> list[str]:
    known = app.settings.subscribers.lists
    return [known[key].label for key in lists if key in known]


def _concerned(app: App, subscriber: Subscriber, claims: Claims) -> list[str]:
    """The lists the link is about: those it names, else every list of the person."""
    named = [key for key in claims.lists if key in app.settings.subscribers.lists]
    return named or [s.list_key for s in subscriber.subscriptions]


def _left(session: Session, app: App, token: str) -> tuple[Subscriber, Claims, list[str]]:
    subscriber, claims = app.tokens().resolve(session, "unsubscribe", checked_token(token))
    concerned = _concerned(app, subscriber, claims)
    left = [s.list_key for s in subscriber.subscriptions
            if s.list_key in concerned and s.status == "unsubscribed"]  # fmt: skip
    return subscriber, claims, left


def _render(request: Request, name: str, context: dict[str, object]) -> Response:
    pages: Pages = request.app.state.pages
    return pages.render(request, name, context)


@router.get(PAGE)
def unsubscribe_page(request: Request, token: str, app: Lettre) -> Response:
    """Asks for confirmation; never unsubscribes."""
    with app.database.session() as session:
        subscriber, claims, left = _left(session, app, token)
        concerned = _concerned(app, subscriber, claims)
    action = f"{UNSUBSCRIBE_PATH}/{token}"
    if concerned and set(left) == set(concerned):
        context = {"labels": _labels(app, left), "already": True, "action": action}
        return _render(request, "subscribers/unsubscribed.html", context)
    context = {"labels": _labels(app, claims.lists), "action": action}
    return _render(request, "subscribers/unsubscribe.html", context)


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
        named, ended = app.subscriber_store(session).leave(subscriber, claims.lists, utcnow())
        already = [key for key in _concerned(app, subscriber, claims) if key not in ended]
    context = {"labels": _labels(app, ended or already or named), "already": not ended,
               "action": f"{UNSUBSCRIBE_PATH}/{token}"}  # fmt: skip
    return _render(request, "subscribers/unsubscribed.html", context)


@router.post(PAGE + "/reabonner")
@csrf_exempt
def resubscribe(request: Request, token: str, app: Lettre) -> Response:
    """Undo: the lists the link left are active again (a fresh consent: the person's own
    link and click). Exempt from CSRF like the unsubscription: the token is the proof."""
    settings = app.settings.subscribers
    with app.database.session() as session:
        subscriber, _, left = _left(session, app, token)
        store = app.subscriber_store(session)
        joined = preferences.rejoin(store, subscriber, left, settings.consent_wording, utcnow())
    return _render(request, "subscribers/resubscribed.html", {"labels": _labels(app, joined)})
