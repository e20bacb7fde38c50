"""A subscriber's preferences page, reached from the link in every email, without login:
lists, themes, format, unsubscribing from everything, downloading and erasing their data.

The signed token in the address is the only key: it names one person, and a token for
someone else, a tampered or an expired one gets the same neutral page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from newsletter.app import App
from newsletter.archive.links import PREFERENCES_PATH
from newsletter.db import utcnow
from newsletter.errors import InputError
from newsletter.web.auth import lettre
from newsletter.web.pages import Pages, flash, sentence
from newsletter.web.routes.subscribe import checked_token, subscriber_context
from subscribers import preferences, rgpd

router = APIRouter(include_in_schema=False)
PAGE = PREFERENCES_PATH + "/{token}"
Keys = Annotated[list[str], Form(max_length=20)]
Lettre = Annotated[App, Depends(lettre)]


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


@router.get(PAGE)
def preferences_page(request: Request, token: str, app: Lettre) -> Response:
    with app.database.session() as session:
        subscriber, _ = app.tokens().resolve(session, "preferences", checked_token(token))
        store = app.subscriber_store(session)
        choices = preferences.current(store, subscriber)
        pending = [s.list_key for s in subscriber.subscriptions if s.status == "pending"]
        page = f"{PREFERENCES_PATH}/{token}"
        context = subscriber_context(app.settings, email=subscriber.email, choices=choices,
                                     name=subscriber.name, pending=pending, page=page)  # fmt: skip
        return _pages(request).render(request, "subscribers/preferences.html", context)


@router.post(PAGE)
def save_preferences(
    request: Request, token: str, app: Lettre,
    lists: Keys = [],  # noqa: B006 (FastAPI copies defaults)
    themes: Keys = [],  # noqa: B006
    format: Annotated[str, Form(max_length=10)] = "html",
) -> Response:  # fmt: skip
    settings = app.settings
    wanted = preferences.Choices(frozenset(lists), tuple(themes), format)
    with app.database.session() as session:
        subscriber, _ = app.tokens().resolve(session, "preferences", checked_token(token))
        try:
            preferences.apply(app.subscriber_store(session), subscriber, wanted,
                              settings.classification.themes,
                              settings.subscribers.consent_wording, utcnow())  # fmt: skip
            message, kind = "Vos préférences sont enregistrées.", "success"
        except InputError as exc:
            session.rollback()
            message, kind = sentence(exc.message), "error"
    flash(request, message, kind)
    return RedirectResponse(f"{PREFERENCES_PATH}/{token}", status_code=303)


@router.post(PAGE + "/tout")
def unsubscribe_all(request: Request, token: str, app: Lettre) -> Response:
    with app.database.session() as session:
        subscriber, _ = app.tokens().resolve(session, "preferences", checked_token(token))
        app.subscriber_store(session).unsubscribe(subscriber, None, utcnow())
    flash(request, "Vous êtes désabonné de toutes nos lettres.")
    return RedirectResponse(f"{PREFERENCES_PATH}/{token}", status_code=303)


@router.get(PAGE + "/donnees")
def download(token: str, app: Lettre) -> Response:
    """Everything stored about the person, as a JSON file."""
    with app.database.session() as session:
        subscriber, _ = app.tokens().resolve(session, "preferences", checked_token(token))
        data = rgpd.access(session, subscriber)
    headers = {"Content-Disposition": 'attachment; filename="mes-donnees-lettre.json"'}
    return JSONResponse(data, headers=headers)


@router.get(PAGE + "/effacer")
def erase_page(request: Request, token: str, app: Lettre) -> Response:
    with app.database.session() as session:
        subscriber, _ = app.tokens().resolve(session, "preferences", checked_token(token))
        context = {"email": subscriber.email, "page": f"{PREFERENCES_PATH}/{token}"}
    return _pages(request).render(request, "subscribers/erase.html", context)


@router.post(PAGE + "/effacer")
def erase(
    request: Request, token: str, app: Lettre,
    confirmer: Annotated[str, Form(max_length=10)] = "",
) -> Response:  # fmt: skip
    """Delete the person and everything linked; only the keyed hash of the address stays,
    so that no later import brings them back."""
    with app.database.session() as session:
        subscriber, _ = app.tokens().resolve(session, "preferences", checked_token(token))
        if confirmer != "oui":
            raise InputError("effacement non confirmé", "cochez la case de confirmation")
        rgpd.erase(session, subscriber)
    return _pages(request).render(request, "subscribers/erased.html", {})
