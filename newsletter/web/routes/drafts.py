"""Making editions in the browser: the next regular issue of a newsletter (assembled by the
scheduler's rules) and special issues (own subject, date, segment, chosen items), through
``newsletter.services.drafting`` like ``newsletter edition assemble``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from newsletter.accounts.models import User
from newsletter.app import App
from newsletter.errors import InputError
from newsletter.services.drafting import Drafted
from newsletter.web.auth import current_user, lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages, flash, flash_error, sentence
from newsletter.web.routes.editions import LIST_PATH, edition_path

router = site_router(include_in_schema=False)
SPECIAL_PATH = LIST_PATH + "/special"
Editor = Annotated[User, Depends(current_user)]
Lettre = Annotated[App, Depends(lettre)]
Short = Annotated[str, Form(max_length=500)]


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _created(request: Request, made: Drafted, what: str) -> Response:
    """To the new edition's page, what it holds and what to look at shown at its head."""
    flash(request, f"{what} : {made.summary.counts}.", where="creation")
    for warning in made.summary.warnings:
        flash(request, sentence(warning), "error", where="creation")
    return RedirectResponse(edition_path(made.edition_id) + "#creation", status_code=303)


@router.post(LIST_PATH + "/nouvelle")
def next_issue(request: Request, app: Lettre, user: Editor, lettre: Short = "") -> Response:
    """The next regular issue of a newsletter, assembled now as the scheduler would."""
    try:
        made = app.drafting.next_issue(app.actor(user), lettre)
    except InputError as exc:
        flash_error(request, exc, f"lettre-{lettre}")
        return RedirectResponse(f"{LIST_PATH}#lettre-{lettre}", status_code=303)
    return _created(request, made, f"N° {made.number} préparé")


@router.get(SPECIAL_PATH)
def special_form(
    request: Request,
    app: Lettre,
    user: Editor,
    lettre: Annotated[str, Query(max_length=50)] = "",
    date_: Annotated[date | None, Query(alias="date")] = None,
) -> Response:
    """The form of a special issue: subject, date, segment, and the items to choose from
    (rendez-vous still ahead on that date, recent items)."""
    return _special_page(request, app, user, lettre, {"date": date_.isoformat() if date_ else ""})


@router.post(SPECIAL_PATH)
def create_special(
    request: Request,
    app: Lettre,
    user: Editor,
    lettre: Short = "",
    objet: Short = "",
    date_: Annotated[str, Form(alias="date", max_length=10)] = "",
    segment: Short = "",
    elements: Annotated[list[int], Form(max_length=200)] = [],  # noqa: B006
) -> Response:
    typed = {"objet": objet, "date": date_, "segment": segment, "elements": elements}
    try:
        day = _day(date_)
        made = app.drafting.special_issue(app.actor(user), lettre, objet, day, elements, segment)
    except InputError as exc:
        return _special_page(request, app, user, lettre, typed, exc, status=400)
    return _created(request, made, "Numéro spécial créé")


def _day(text: str) -> date:
    day = _day_or_none(text)
    if day is None:
        raise InputError("date manquante ou invalide", "choisissez le jour de l’envoi")
    return day


def _day_or_none(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _special_page(
    request: Request, app: App, user: User, name: str, typed: dict[str, Any],
    error: InputError | None = None, status: int = 200,
) -> Response:  # fmt: skip
    actor = app.actor(user)
    newsletter = app.settings.newsletter(name)
    proposals = app.drafting.proposals(actor, name, _day_or_none(typed["date"]))
    segments: dict[str, str] = {}
    if not actor.coordinator:
        with app.database.session() as session:
            segments = {key: s.label or key for key, s in app.segments(session).all().items()}
    context = {
        "name": name, "newsletter": newsletter, "proposals": proposals, "segments": segments,
        "typed": {"objet": "", "segment": "", "elements": [], **typed},
        "error": sentence(error.message) if error else "",
        "hint": sentence(error.hint) if error and error.hint else "",
    }  # fmt: skip
    return _pages(request).render(request, "editions/special.html", context, status=status)
