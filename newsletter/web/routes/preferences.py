"""A subscriber's preferences page, reached from the link in every email's footer, without
login: lists, themes, format, what they tell about themselves, unsubscribing from
everything, and asking for the link to their data.

The signed token in the address is the only key: it names one person, and a token for
someone else, a tampered or an expired one gets the same neutral page. It opens these
pages only: seeing, downloading or erasing one's data takes a fresh link sent to the
address (``/mes-donnees``, docs/subscribers.md "Link scopes").
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from newsletter.app import App
from newsletter.archive.links import PREFERENCES_PATH
from newsletter.db import utcnow
from newsletter.errors import InputError, MailError
from newsletter.text import of_name
from newsletter.web.auth import client_address, lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages, flash, sentence
from newsletter.web.routes.subscribe import checked_token, subscriber_context
from subscribers import preferences

router = site_router(include_in_schema=False)
PAGE = PREFERENCES_PATH + "/{token}"
Keys = Annotated[list[str], Form(max_length=20)]
Told = Annotated[str | None, Form(max_length=300)]
Lettre = Annotated[App, Depends(lettre)]


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def whose(name: str, email: str) -> str:
    """« de Léa Martin », « d'Amina Diallo », or the address for someone without a name."""
    return of_name(name or email)


@router.get(PAGE)
def preferences_page(request: Request, token: str, app: Lettre) -> Response:
    with app.database.session() as session:
        subscriber, _ = app.tokens().resolve(session, "preferences", checked_token(token))
        store = app.subscriber_store(session)
        choices = preferences.current(store, subscriber)
        pending = [s.list_key for s in subscriber.subscriptions if s.status == "pending"]
        pending += store.requested(subscriber)
        page = f"{PREFERENCES_PATH}/{token}"
        minutes = f"{app.settings.subscribers.data_link_minutes:g}"
        context = subscriber_context(app.settings, email=subscriber.email, choices=choices,
                                     whose=whose(subscriber.name, subscriber.email),
                                     pending=pending, page=page, minutes=minutes)  # fmt: skip
        return _pages(request).render(request, "subscribers/preferences.html", context)


@router.post(PAGE)
def save_preferences(
    request: Request, token: str, app: Lettre,
    lists: Keys = [],  # noqa: B006 (FastAPI copies defaults)
    themes: Keys = [],  # noqa: B006
    format: Annotated[str, Form(max_length=10)] = "html",
    first_name: Told = None, last_name: Told = None, organisation: Told = None,
    function: Told = None, profile: Told = None, commune: Told = None,
) -> Response:  # fmt: skip
    """Save the form; a detail the request leaves out stays as it is."""
    settings = app.settings
    told = {"first_name": first_name, "last_name": last_name, "organisation": organisation,
            "function": function, "profile": profile, "commune": commune}  # fmt: skip
    with app.database.session() as session:
        subscriber, _ = app.tokens().resolve(session, "preferences", checked_token(token))
        store = app.subscriber_store(session)
        known = asdict(preferences.current(store, subscriber).about or preferences.About())
        about = preferences.About(**{name: value if value is not None else known[name]
                                     for name, value in told.items()})  # fmt: skip
        wanted = preferences.Choices(frozenset(lists), tuple(themes), format, about)
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
        ended = app.subscriber_store(session).unsubscribe(subscriber, None, utcnow())
    if ended:
        flash(request, "Vous êtes désabonné de toutes nos lettres.")
    else:
        flash(request, "Vous étiez déjà désabonné de toutes nos lettres.")
    return RedirectResponse(f"{PREFERENCES_PATH}/{token}", status_code=303)


@router.post(PAGE + "/lien-donnees")
def send_data_link(request: Request, token: str, app: Lettre) -> Response:
    """Email a single-use, short-lived link to the person's data, to their own address."""
    try:
        with app.database.session() as session:
            subscriber, _ = app.tokens().resolve(session, "preferences", checked_token(token))
            sent = app.data_links(session).send(subscriber, client_address(request), utcnow())
            email = subscriber.email
    except MailError:
        sent, email = False, ""
        flash(request, "L'envoi du lien a échoué ; réessayez plus tard.", "error", "donnees")
    else:
        if sent:
            flash(request, f"Un lien vient d'être envoyé à {email} : ouvrez-le dans les "
                           f"{app.settings.subscribers.data_link_minutes:g} minutes.",
                  "success", "donnees")  # fmt: skip
        else:
            flash(request, "Trop de demandes pour cette adresse : réessayez demain.",
                  "error", "donnees")  # fmt: skip
    return RedirectResponse(f"{PREFERENCES_PATH}/{token}#titre-donnees", status_code=303)
