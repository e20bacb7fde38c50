"""Subscribing: the public form, the neutral « check your inbox » page, and the page the
confirmation link opens (a button confirms: link scanners only GET).

The answer to the form never depends on whether the address was known: the form is
checked (``OptIn.checked``, which reads nothing stored), then answered, and the request
itself (``OptIn.request``: records, quotas, the email) runs after the answer is sent, so
that neither the page nor its timing tells an active address from a new one.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import BackgroundTasks, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import DBAPIError

from newsletter.app import App
from newsletter.archive.links import CONFIRM_PATH, PREFERENCES_PATH, SUBSCRIBE_PATH
from newsletter.errors import DatabaseError, InputError, MailError
from newsletter.settings import Settings
from newsletter.vocabulary import PROFILES
from newsletter.web.auth import client_address, lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages, flash, sentence
from subscribers.details import Details
from subscribers.optin import Request as OptInRequest
from subscribers.profiles import FORMATS
from subscribers.tokens import InvalidToken

router = site_router(include_in_schema=False)
logger = logging.getLogger("lettre.web")
SENT_PATH = f"{SUBSCRIBE_PATH}/envoye"
MAX_TOKEN = 1000
Short = Annotated[str, Form(max_length=300)]
Keys = Annotated[list[str], Form(max_length=20)]
FIELDS = ("email", "first_name", "last_name", "organisation", "function", "profile",
          "commune", "department", "format")  # fmt: skip


def checked_token(token: str) -> str:
    """A token longer than any we issue is refused like any bad one."""
    if len(token) > MAX_TOKEN:
        raise InvalidToken()
    return token


def subscriber_context(settings: Settings, **extra: Any) -> dict[str, Any]:
    """What the subscribers' forms show: lists, themes, profiles, formats."""
    return {"lists": settings.subscribers.lists, "themes": settings.classification.themes,
            "profiles": PROFILES, "formats": FORMATS, "error": None, "hint": "",
            "wording": settings.subscribers.consent_wording, **extra}  # fmt: skip


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


@router.get(SUBSCRIBE_PATH)
def subscribe_form(
    request: Request, app: Annotated[App, Depends(lettre)], liste: str = ""
) -> Response:
    """The form; ``?liste=KEY`` (the archive's « Recevoir les prochains numéros ») ticks
    that list."""
    values = dict.fromkeys(FIELDS, "") | {"profile": "autre", "format": "html"}
    chosen = [liste] if liste in app.settings.subscribers.lists else []
    context = subscriber_context(app.settings, values=values, chosen_lists=chosen,
                                 chosen_themes=[])  # fmt: skip
    return _pages(request).render(request, "subscribers/subscribe.html", context)


@router.post(SUBSCRIBE_PATH)
def subscribe(
    request: Request,
    app: Annotated[App, Depends(lettre)],
    email: Short = "", first_name: Short = "", last_name: Short = "", organisation: Short = "",
    function: Short = "", profile: Short = "autre", commune: Short = "", department: Short = "",
    format: Short = "html",
    lists: Keys = [],  # noqa: B006 (FastAPI copies defaults)
    themes: Keys = [],  # noqa: B006
) -> Response:  # fmt: skip
    """Double opt-in: the same neutral answer, at the same speed, whatever the address."""
    details = Details(first_name=first_name, last_name=last_name, organisation=organisation,
                      function=function, profile=profile, commune=commune,
                      department=department, format=format, themes=tuple(themes))  # fmt: skip
    wish = OptInRequest(email, lists, details, client=client_address(request))
    try:
        with app.database.session() as session:
            app.optin(session).checked(wish)
    except InputError as exc:
        values = {"email": email, "first_name": first_name, "last_name": last_name,
                  "organisation": organisation, "function": function, "profile": profile,
                  "commune": commune, "department": department, "format": format}  # fmt: skip
        context = subscriber_context(
            app.settings, values=values, chosen_lists=lists, chosen_themes=themes,
            error=sentence(exc.message), hint=sentence(exc.hint),
        )  # fmt: skip
        return _pages(request).render(request, "subscribers/subscribe.html", context, 400)
    after = BackgroundTasks()
    after.add_task(_record, app, wish)
    return RedirectResponse(SENT_PATH, status_code=303, background=after)


def _record(app: App, wish: OptInRequest) -> None:
    """The request, once the answer is sent; a failure is logged (without the address)."""
    try:
        with app.database.session() as session:
            app.optin(session).request(wish)
    except (MailError, DatabaseError, DBAPIError) as exc:
        logger.warning("subscription request not completed: %s", type(exc).__name__)


@router.get(SENT_PATH)
def check_your_inbox(request: Request, app: Annotated[App, Depends(lettre)]) -> Response:
    days = app.settings.subscribers.confirm_token_days
    return _pages(request).render(request, "subscribers/sent.html", {"days": days})


@router.get(CONFIRM_PATH + "/{token}")
def confirm_page(request: Request, token: str, app: Annotated[App, Depends(lettre)]) -> Response:
    """What the link confirms, and the button that does it."""
    with app.database.session() as session:
        _, claims = app.tokens().resolve(session, "confirm", checked_token(token))
    labels = [app.settings.subscribers.lists[key].label for key in claims.lists
              if key in app.settings.subscribers.lists]  # fmt: skip
    context = {"labels": labels, "action": f"{CONFIRM_PATH}/{token}"}
    return _pages(request).render(request, "subscribers/confirm.html", context)


@router.post(CONFIRM_PATH + "/{token}")
def confirm(request: Request, token: str, app: Annotated[App, Depends(lettre)]) -> Response:
    """Activate the lists, record the consent, then on to the preferences page."""
    address = request.client.host if request.client else ""
    with app.database.session() as session:
        activated = app.optin(session).confirm(checked_token(token), address)
        subscriber, _ = app.tokens().resolve(session, "confirm", token)
        preferences = app.tokens().issue("preferences", subscriber)
    lists = app.settings.subscribers.lists
    if activated:
        names = ", ".join(lists[key].label for key in activated if key in lists)
        flash(request, f"Abonnement confirmé : {names}. Vous pouvez choisir vos thèmes ici.")
    else:
        flash(request, "Votre abonnement était déjà confirmé.")
    return RedirectResponse(f"{PREFERENCES_PATH}/{preferences}", status_code=303)
