"""What editors do to an edition: its items (order, removal, addition, what this edition
says of them), texts (with their preview), territories, send time, approval, abandoning
changes, schedule, cancellation, test sends, starting, pausing and resuming the send. Every action
goes through ``newsletter.services.editing`` (permissions, audit trail) like the command
line's; a send or a schedule first shows its confirmation page. Each message is shown
next to where the editor acted: the page comes back to that place (its #anchor)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from newsletter.accounts.models import User
from newsletter.app import App
from newsletter.dispatch.errors import DeliveryError, TransportError
from newsletter.editions.assembly import choose_territories
from newsletter.editions.models import Edition
from newsletter.editions.prose import to_html
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError, NotFoundError
from newsletter.services.sending import pause as pause_sending
from newsletter.web.auth import current_user, lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages, flash, flash_error, sentence
from newsletter.web.routes.editions import LIST_PATH, edition_path, load_edition

router = site_router(include_in_schema=False)
ACTION = LIST_PATH + "/{edition_id:int}/"
Editor = Annotated[User, Depends(current_user)]
Lettre = Annotated[App, Depends(lettre)]
Short = Annotated[str, Form(max_length=500)]
Long = Annotated[str, Form(max_length=50_000)]
# What an editor can fix: shown on the edition page rather than as an error page.
FIXABLE = (InputError, DeliveryError, TransportError)
CONFIRMED = {"maintenant": "Envoi lancé.", "programmer": "Envoi programmé : l’édition partira "
             "d’elle-même à sa date."}  # fmt: skip


def _attempt(
    request: Request, edition_id: int, work: Callable[[], str], anchor: str = "",
    failed: str = "",
) -> Response:  # fmt: skip
    """Do ``work``, then back to the place of the edition page where the editor acted
    (``anchor``), its message shown there; what went wrong is shown at the same place, or
    at ``failed`` (an address with its #anchor) when given. Permission and missing edition
    stay error pages."""
    try:
        flash(request, work(), where=anchor.removeprefix("#"))
    except FIXABLE as exc:
        target = failed or edition_path(edition_id) + anchor
        flash_error(request, exc, target.partition("#")[2])
        return RedirectResponse(target, status_code=303)
    return RedirectResponse(edition_path(edition_id) + anchor, status_code=303)


def _edit(
    request: Request, app: App, user: User, edition_id: int,
    act: Callable[[EditionStore, Edition], str], anchor: str, failed: str = "",
) -> Response:  # fmt: skip
    actor = app.actor(user)
    work = lambda: app.editing.change(actor, edition_id, act)  # noqa: E731
    return _attempt(request, edition_id, work, anchor, failed)


def _titles(app: App, edition: Edition) -> dict[str, str]:
    """The edition's rubriques: key → title."""
    return {s.key: s.title for s in app.settings.newsletter(edition.newsletter).sections}


@router.post(ACTION + "elements")
def change_items(
    request: Request, edition_id: int, app: Lettre, user: Editor,
    deplacer: Short = "", placer: Short = "", position: Short = "", retirer: Short = "",
) -> Response:  # fmt: skip
    """The buttons of the items table: ``deplacer=ITEM:POSITION`` (↑/↓) or ``placer=ITEM``
    with the ``position`` typed in its row's field (back to the item's row), or
    ``retirer=ITEM`` (back to the table)."""
    moved, _, wanted = deplacer.partition(":") if deplacer else (placer, "", position)

    def act(store: EditionStore, edition: Edition) -> str:
        if moved:
            item_id = _number(moved)
            if not wanted.strip():
                raise InputError("position manquante", "indiquez un nombre à partir de 1")
            store.move_item(edition, item_id, _number(wanted))
            now = next(e.position for e in edition.entries if e.item_id == item_id)
            return f"Élément placé en position {now} de sa rubrique."
        if retirer:
            store.drop_item(edition, _number(retirer))
            return "Élément retiré de l’édition."
        raise InputError("aucune action demandée")

    anchor = f"#element-{moved}" if moved.isdigit() else "#elements"
    return _edit(request, app, user, edition_id, act, anchor)


@router.post(ACTION + "segment")
def choose_segment(
    request: Request, edition_id: int, app: Lettre, user: Editor, segment: Short = ""
) -> Response:
    """The segment of the edition's recipients ("": the newsletter's)."""

    def work() -> str:
        return app.segmenting.choose(app.actor(user), edition_id, segment)

    return _attempt(request, edition_id, work, "#destinataires")


@router.post(ACTION + "date")
def move_send_time(
    request: Request, edition_id: int, app: Lettre, user: Editor, envoi_prevu: Short = ""
) -> Response:
    """A new send time, typed in the date field (the organisation's time)."""

    def work() -> str:
        return sentence(app.editing.reschedule(app.actor(user), edition_id, envoi_prevu))

    return _attempt(request, edition_id, work, "#date-envoi")


def _number(text: str) -> int:
    if not text.strip().isdigit() or len(text) > 9:
        raise InputError(f"numéro invalide : {text[:20]}")
    return int(text)


@router.post(ACTION + "ajouter")
def add_item(
    request: Request, edition_id: int, app: Lettre, user: Editor,
    item_id: Short = "", section: Short = "", q: Short = "",
) -> Response:  # fmt: skip
    """An item found by the search, added to the chosen rubrique or its « rubrique
    automatique »; back to its row, or to the search and its results with what went
    wrong."""

    def act(store: EditionStore, edition: Edition) -> str:
        newsletter = app.settings.newsletter(edition.newsletter)
        entry = store.add_item(edition, _number(item_id), newsletter, section or None)
        return f"Élément ajouté à la rubrique « {_titles(app, edition)[entry.section]} »."

    done = f"#element-{item_id}" if item_id.isdigit() else "#ajouter"
    return _edit(
        request, app, user, edition_id, act, done, edition_path(edition_id, q=q) + "#ajouter"
    )


@router.get(ACTION + "elements/{item_id:int}")
def override_page(
    request: Request, edition_id: int, item_id: int, app: Lettre, user: Editor
) -> Response:
    """What this edition says of an item: its title, summary and link, the item's own
    shown beside them."""
    with app.database.session() as session:
        edition = load_edition(session, user, edition_id)
        entry = next((e for e in edition.entries if e.item_id == item_id), None)
        if entry is None:
            raise NotFoundError("cet élément n’est pas dans l’édition",
                                "il a pu en être retiré entre-temps")  # fmt: skip
        newsletter = app.settings.newsletter(edition.newsletter)
        context = {"edition": edition, "entry": entry, "item": entry.item,
                   "newsletter": newsletter, "rubrique": _titles(app, edition).get(
                       entry.section, entry.section)}  # fmt: skip
        return _pages(request).render(request, "editions/override.html", context)


@router.post(ACTION + "elements/{item_id:int}")
def override_item(
    request: Request, edition_id: int, item_id: int, app: Lettre, user: Editor,
    titre: Short = "", resume: Long = "", lien: Annotated[str, Form(max_length=2000)] = "",
    retablir: Short = "",
) -> Response:  # fmt: skip
    """Save what this edition says of the item (or go back to the item's own)."""

    def act(store: EditionStore, edition: Edition) -> str:
        if retablir:
            changed = store.set_override(edition, item_id, "", "", "")
            return (
                "Titre, résumé et lien de l’élément rétablis."
                if changed
                else "Aucune modification."
            )
        changed = store.set_override(edition, item_id, titre, resume, lien)
        return "Modifié pour cette édition seulement." if changed else "Aucune modification."

    failed = f"{edition_path(edition_id)}/elements/{item_id}#modifier"
    return _edit(request, app, user, edition_id, act, f"#element-{item_id}", failed)


@router.post(ACTION + "territoires")
def change_territories(
    request: Request, edition_id: int, app: Lettre, user: Editor,
    rubrique: Short = "",
    territoires: Annotated[list[str], Form(max_length=20)] = [],  # noqa: B006
) -> Response:  # fmt: skip
    """The territories of a rubrique for this edition; its items chosen again."""
    zone = app.settings.organisation.timezone

    def act(store: EditionStore, edition: Edition) -> str:
        newsletter = app.settings.newsletter(edition.newsletter)
        count = choose_territories(store, edition, newsletter, zone, rubrique, territoires)
        title = _titles(app, edition)[rubrique]
        return f"Territoires de « {title} » enregistrés : {count} élément(s) choisi(s) de nouveau."

    return _edit(request, app, user, edition_id, act, "#territoires")


@router.post(ACTION + "textes")
def change_texts(
    request: Request, edition_id: int, app: Lettre, user: Editor,
    subject: Short = "", preheader: Short = "",
    edito: Annotated[str | None, Form(max_length=50_000)] = None,
    mouvements: Annotated[str | None, Form(max_length=50_000)] = None,
    apercu: Short = "",
) -> Response:  # fmt: skip
    """Save the texts as typed; « Prévisualiser » shows them rendered, without saving."""
    if apercu:
        with app.database.session() as session:
            edition = load_edition(session, user, edition_id)
            newsletter = app.settings.newsletter(edition.newsletter)
            typed = {"subject": subject, "preheader": preheader,
                     "edito": edito or "", "mouvements": mouvements or ""}  # fmt: skip
            rendered = {name: Markup(to_html(typed[name])) for name in ("edito", "mouvements")}
            texts = {section.text: section.title for section in newsletter.sections if section.text}
            context = {"edition": edition, "newsletter": newsletter, "typed": typed,
                       "rendered": rendered, "texts": texts}  # fmt: skip
            return _pages(request).render(request, "editions/texts.html", context)

    def act(store: EditionStore, edition: Edition) -> str:
        changed = store.set_texts(edition, edito=edito, mouvements=mouvements,
                                  subject=subject, preheader=preheader)  # fmt: skip
        return "Textes enregistrés." if changed else "Aucune modification."

    return _edit(request, app, user, edition_id, act, "#textes")


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


@router.post(ACTION + "approuver")
def approve(request: Request, edition_id: int, app: Lettre, user: Editor) -> Response:
    def work() -> str:
        app.editing.approve(app.actor(user), edition_id)
        return "Édition approuvée : c’est cette version qui partira."

    return _attempt(request, edition_id, work, "#envoi")


@router.post(ACTION + "abandonner")
def discard(request: Request, edition_id: int, app: Lettre, user: Editor) -> Response:
    def work() -> str:
        abandoned = app.editing.discard(app.actor(user), edition_id)
        return "Modifications abandonnées : l’édition partira telle qu’approuvée" + (
            f" ({'; '.join(abandoned)})." if abandoned else "."
        )

    return _attempt(request, edition_id, work, "#envoi")


@router.get(ACTION + "confirmer")
def confirmation_page(
    request: Request, edition_id: int, app: Lettre, user: Editor, envoi: str = "maintenant"
) -> Response:
    """What the send will do — recipients, subject, sender, checks — before it starts."""
    if envoi not in CONFIRMED:
        raise InputError("envoi inconnu", "« maintenant » ou « programmer »")
    edition = app.editing.check(app.actor(user), "send", edition_id)
    context = {
        "edition": edition, "envoi": envoi, "confirmation": app.editing.confirmation(edition_id),
        "newsletter": app.settings.newsletter(edition.newsletter),
    }  # fmt: skip
    pages: Pages = request.app.state.pages
    return pages.render(request, "editions/confirm.html", context)


@router.post(ACTION + "envoyer")
def start_send(
    request: Request, edition_id: int, app: Lettre, user: Editor,
    envoi: Short = "maintenant", avertissements: Short = "",
) -> Response:  # fmt: skip
    """After the confirmation page: start the send in the background (or schedule it); a
    paused send resumes. Refused checks go back to the confirmation page's section."""
    actor = app.actor(user)

    def work() -> str:
        accepted = avertissements == "oui"
        if envoi == "programmer":
            app.editing.schedule(actor, edition_id, accepted)
            return CONFIRMED["programmer"]
        resume = app.editing.start(actor, edition_id, accepted)
        app.background_sends.start(edition_id, resume=resume)
        return "Envoi repris." if resume else CONFIRMED["maintenant"]

    again = f"{edition_path(edition_id)}/confirmer?envoi={envoi}#verifications"
    return _attempt(request, edition_id, work, "#envoi", failed=again)


@router.post(ACTION + "annuler")
def cancel(
    request: Request, edition_id: int, app: Lettre, user: Editor, confirmer: Short = ""
) -> Response:
    def work() -> str:
        if confirmer != "oui":
            raise InputError("annulation non confirmée", "cochez la case de confirmation")
        app.editing.cancel(app.actor(user), edition_id)
        return "Édition annulée."

    return _attempt(request, edition_id, work, "#envoi")


@router.post(ACTION + "essai")
def test_send(
    request: Request, edition_id: int, app: Lettre, user: Editor, adresses: Short = ""
) -> Response:
    """A test send to the given addresses: the message a sample subscriber would get."""
    actor = app.actor(user)
    app.editing.check(actor, "test_send", edition_id)
    addresses = [part for part in adresses.replace(";", ",").replace("\n", ",").split(",")
                 if part.strip()]  # fmt: skip

    def work() -> str:
        sent = app.sending.send_test(edition_id, addresses)
        app.editing.record(actor, "test_send", edition_id, f"{len(sent)} adresse(s)")
        return f"Envoi d’essai parti vers : {', '.join(sent)}."

    return _attempt(request, edition_id, work, "#essai")


@router.post(ACTION + "pause")
def pause(request: Request, edition_id: int, app: Lettre, user: Editor) -> Response:
    actor = app.actor(user)
    app.editing.check(actor, "pause", edition_id)

    def work() -> str:
        pause_sending(app.database, edition_id)
        app.editing.record(actor, "pause", edition_id)
        return "Envoi mis en pause."

    return _attempt(request, edition_id, work, "#envoi")
