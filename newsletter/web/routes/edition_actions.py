"""What editors do to an edition: its items and texts, approval, schedule, cancellation,
test sends, starting, pausing and resuming the send. The same store methods and
``newsletter.sending`` functions as the command line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from newsletter.accounts.models import User
from newsletter.app import App
from newsletter.dispatch.errors import DeliveryError, TransportError
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError
from newsletter.services.sending import STARTABLE
from newsletter.services.sending import pause as pause_sending
from newsletter.web.auth import current_user, lettre
from newsletter.web.pages import flash, sentence
from newsletter.web.routes.editions import LIST_PATH, edition_path, load_edition

router = APIRouter(include_in_schema=False)
ACTION = LIST_PATH + "/{edition_id:int}/"
Editor = Annotated[User, Depends(current_user)]
Lettre = Annotated[App, Depends(lettre)]
Short = Annotated[str, Form(max_length=500)]
BACK_TO_DRAFT = " L’édition repasse en brouillon : à approuver de nouveau."
# What an editor can fix: shown on the edition page rather than as an error page.
FIXABLE = (InputError, DeliveryError, TransportError)


def _change(app: App, user: User, edition_id: int, act: Callable[[EditionStore], str]) -> str:
    """Run ``act`` on the edition in one transaction; the message to show."""
    with app.database.session() as session:
        edition = load_edition(session, user, edition_id)
        was = edition.state
        message = act(EditionStore(session))
        back = was != "draft" and edition.state == "draft"
        return message + (BACK_TO_DRAFT if back else "")


def _attempt(
    request: Request, edition_id: int, work: Callable[[], str], anchor: str = ""
) -> Response:
    """Do ``work``, then back to the edition page with its message, or with what went wrong
    (permission and missing edition stay error pages)."""
    try:
        flash(request, work())
    except FIXABLE as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        flash(request, sentence(exc.message + hint), "error")
    return RedirectResponse(edition_path(edition_id) + anchor, status_code=303)


@router.post(ACTION + "elements")
def change_items(
    request: Request, edition_id: int, app: Lettre, user: Editor,
    deplacer: Short = "", retirer: Short = "",
) -> Response:  # fmt: skip
    """The buttons of the items table: ``deplacer=ITEM:POSITION`` or ``retirer=ITEM``."""

    def act(store: EditionStore) -> str:
        edition = store.get(edition_id)
        if deplacer:
            item, _, position = deplacer.partition(":")
            store.move_item(edition, _number(item), _number(position))
            return "Élément déplacé."
        if retirer:
            store.drop_item(edition, _number(retirer))
            return "Élément retiré de l’édition."
        raise InputError("aucune action demandée")

    return _attempt(request, edition_id, lambda: _change(app, user, edition_id, act), "#elements")


def _number(text: str) -> int:
    if not text.strip().isdigit() or len(text) > 9:
        raise InputError(f"numéro invalide : {text[:20]}")
    return int(text)


@router.post(ACTION + "ajouter")
def add_item(
    request: Request, edition_id: int, app: Lettre, user: Editor,
    item_id: Short = "", section: Short = "",
) -> Response:  # fmt: skip
    def act(store: EditionStore) -> str:
        edition = store.get(edition_id)
        newsletter = app.settings.newsletter(edition.newsletter)
        entry = store.add_item(edition, _number(item_id), newsletter, section or None)
        return f"Élément ajouté à la rubrique « {entry.section} »."

    return _attempt(request, edition_id, lambda: _change(app, user, edition_id, act), "#elements")


@router.post(ACTION + "textes")
def change_texts(
    request: Request, edition_id: int, app: Lettre, user: Editor,
    subject: Short = "", preheader: Short = "",
    edito: Annotated[str | None, Form(max_length=50_000)] = None,
    mouvements: Annotated[str | None, Form(max_length=50_000)] = None,
) -> Response:  # fmt: skip
    def act(store: EditionStore) -> str:
        changed = store.set_texts(store.get(edition_id), edito=edito, mouvements=mouvements,
                                  subject=subject, preheader=preheader)  # fmt: skip
        return "Textes enregistrés." if changed else "Aucune modification."

    return _attempt(request, edition_id, lambda: _change(app, user, edition_id, act), "#textes")


@router.post(ACTION + "approuver")
def approve(request: Request, edition_id: int, app: Lettre, user: Editor) -> Response:
    def act(store: EditionStore) -> str:
        store.approve(store.get(edition_id))
        return "Édition approuvée."

    return _attempt(request, edition_id, lambda: _change(app, user, edition_id, act))


@router.post(ACTION + "programmer")
def schedule(request: Request, edition_id: int, app: Lettre, user: Editor) -> Response:
    def act(store: EditionStore) -> str:
        store.schedule(store.get(edition_id))
        return "Envoi programmé : l’édition partira d’elle-même à sa date."

    return _attempt(request, edition_id, lambda: _change(app, user, edition_id, act))


@router.post(ACTION + "annuler")
def cancel(
    request: Request, edition_id: int, app: Lettre, user: Editor, confirmer: Short = ""
) -> Response:
    def act(store: EditionStore) -> str:
        if confirmer != "oui":
            raise InputError("annulation non confirmée", "cochez la case de confirmation")
        store.cancel(store.get(edition_id))
        return "Édition annulée."

    return _attempt(request, edition_id, lambda: _change(app, user, edition_id, act))


@router.post(ACTION + "essai")
def test_send(
    request: Request, edition_id: int, app: Lettre, user: Editor, adresses: Short = ""
) -> Response:
    """A test send to the given addresses: the sample subscriber's message, nothing noted."""
    with app.database.session() as session:
        load_edition(session, user, edition_id)
    addresses = [part for part in adresses.replace(";", ",").replace("\n", ",").split(",")
                 if part.strip()]  # fmt: skip

    def work() -> str:
        sent = app.sending.send_test(edition_id, addresses)
        return f"Envoi d’essai parti vers : {', '.join(sent)}."

    return _attempt(request, edition_id, work, "#essai")


@router.post(ACTION + "envoyer")
def start_send(request: Request, edition_id: int, app: Lettre, user: Editor) -> Response:
    """Start (or resume) the real send in the background; the page then shows progress."""
    with app.database.session() as session:
        state = load_edition(session, user, edition_id).state
    sends = app.background_sends

    def work() -> str:
        if state not in STARTABLE:
            raise InputError("cette édition ne peut pas partir dans son état actuel",
                             "approuvez-la d’abord")  # fmt: skip
        sends.start(edition_id, resume=state == "paused")
        return "Envoi repris." if state == "paused" else "Envoi lancé."

    return _attempt(request, edition_id, work, "#envoi")


@router.post(ACTION + "pause")
def pause(request: Request, edition_id: int, app: Lettre, user: Editor) -> Response:
    with app.database.session() as session:
        load_edition(session, user, edition_id)

    def work() -> str:
        pause_sending(app.database, edition_id)
        return "Envoi mis en pause."

    return _attempt(request, edition_id, work, "#envoi")
