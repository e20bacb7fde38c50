"""Items: browse and search, fix one (kind, themes, networks, dates, cancelled), add one,
split off an announcement that was merged into it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from newsletter.accounts.models import User
from newsletter.app import App
from newsletter.content.credits import merge_reason_label
from newsletter.content.models import Item
from newsletter.content.proposals import ProposalStore
from newsletter.content.store import MAX_ID, ItemStore
from newsletter.errors import InputError, PermissionDenied
from newsletter.settings import Settings
from newsletter.sources.editorial import parse_date
from newsletter.sources.store import SourceStore
from newsletter.vocabulary import ITEM_KINDS
from newsletter.web.auth import current_user, lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages, flash

router = site_router(include_in_schema=False)
PAGE_SIZE = 25
LIST_PATH = "/editeurs/elements"
NEW_FIELDS = ("kind", "title", "summary", "url", "published_at", "starts_at", "ends_at",
              "place", "organiser", "registration_url", "territory")  # fmt: skip

Short = Annotated[str, Form(max_length=500)]
Long = Annotated[str, Form(max_length=20_000)]
Keys = Annotated[list[str], Form(max_length=20)]


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _check_filter(value: str, known: dict[str, Any], label: str) -> str:
    if value and value not in known:
        raise InputError(f"{label} inconnu : {value}", f"choix : {', '.join(known)}")
    return value


@router.get(LIST_PATH)
def item_list(
    request: Request,
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(current_user)],
    type: Annotated[str, Query(max_length=40)] = "",
    theme: Annotated[str, Query(max_length=40)] = "",
    reseau: Annotated[str, Query(max_length=40)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    classification = app.settings.classification
    filters = {
        "type": _check_filter(type, ITEM_KINDS, "type"),
        "theme": _check_filter(theme, classification.themes, "thème"),
        "reseau": _check_filter(reseau, classification.networks, "réseau"),
        "q": q.strip(),
    }
    with app.database.session() as session:
        found = ItemStore(session).search(
            filters["type"], filters["theme"], filters["reseau"], filters["q"],
            limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE,
        )  # fmt: skip
    kept = {key: value for key, value in filters.items() if value}

    def page_url(number: int) -> str:
        return f"{LIST_PATH}?{urlencode({**kept, 'page': number})}"

    context = {
        "items": found[:PAGE_SIZE],
        "filters": filters,
        "page": page,
        "previous_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if len(found) > PAGE_SIZE else None,
        "classification": classification,
    }
    return _pages(request).render(request, "items/list.html", context)


def _form_context(settings: Settings, **extra: Any) -> dict[str, Any]:
    return {"classification": settings.classification, "error": None, "hint": "", **extra}


@router.get(f"{LIST_PATH}/nouveau")
def new_item_form(
    request: Request,
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(current_user)],
) -> Response:
    values = dict.fromkeys(NEW_FIELDS, "") | {"kind": "fiche", "themes": [], "networks": []}
    context = _form_context(app.settings, values=values, cancelled=False)
    return _pages(request).render(request, "items/new.html", context)


@router.post(f"{LIST_PATH}/nouveau")
def new_item(
    request: Request,
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(current_user)],
    kind: Short = "",
    title: Short = "",
    summary: Long = "",
    url: Long = "",
    published_at: Short = "",
    starts_at: Short = "",
    ends_at: Short = "",
    place: Short = "",
    organiser: Short = "",
    registration_url: Long = "",
    territory: Short = "",
    themes: Keys = [],  # noqa: B006 (FastAPI copies defaults)
    networks: Keys = [],  # noqa: B006
    cancelled: Annotated[bool, Form()] = False,
) -> Response:
    """An item typed by an editor: the same checks and cleaning as a file import."""
    fields = {"kind": kind, "title": title, "summary": summary, "url": url,
              "published_at": published_at, "starts_at": starts_at, "ends_at": ends_at,
              "place": place, "organiser": organiser, "registration_url": registration_url,
              "territory": territory}  # fmt: skip
    values = fields | {"themes": ", ".join(themes), "networks": ", ".join(networks),
                       "cancelled": "oui" if cancelled else ""}  # fmt: skip
    settings = app.settings
    try:
        item_id, _new = app.items.create(app.actor(user), values)
    except (InputError, PermissionDenied) as exc:
        shown = fields | {"themes": themes, "networks": networks}
        context = _form_context(settings, values=shown, cancelled=cancelled,
                                error=exc.message, hint=exc.hint)  # fmt: skip
        return _pages(request).render(request, "items/new.html", context, status=400)
    flash(request, "Élément enregistré.")
    return RedirectResponse(f"{LIST_PATH}/{item_id}", status_code=303)


@router.get(LIST_PATH + "/{item_id:int}")
def item_page(
    request: Request,
    item_id: int,
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(current_user)],
) -> Response:
    with app.database.session() as session:
        item = ItemStore(session).get(item_id)
        return _detail(request, session, app, user, item)


def _detail(
    request: Request, session: Session, app: App, user: User, item: Item, error: str = "",
    hint: str = "", status: int = 200,
) -> Response:  # fmt: skip
    """The item's page: its content, its announcements, the correction form (or, for whom
    may not correct it, the proposal form), the corrections proposed."""
    names = {source.id: source.name for source in SourceStore(session).all()}
    credits = [
        {"id": credit.id, "name": names.get(credit.source_id, "?"), "url": credit.url,
         "reason": merge_reason_label(credit) if number else None}
        for number, credit in enumerate(item.sources)
    ]  # fmt: skip
    context = _form_context(app.settings, item=item, credits=credits, error=error or None,
                            hint=hint, may_correct=app.items.may_correct(app.actor(user), item.id),
                            proposals=ProposalStore(session).open_for(item.id),
                            image=app.illustrations.image_of(item.id),
                            image_limit=app.settings.fetch.max_bytes)  # fmt: skip
    return _pages(request).render(request, "items/detail.html", context, status=status)


@router.post(LIST_PATH + "/{item_id:int}")
def fix_item(
    request: Request,
    item_id: int,
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(current_user)],
    kind: Short = "",
    published_at: Short = "",
    starts_at: Short = "",
    ends_at: Short = "",
    themes: Keys = [],  # noqa: B006
    networks: Keys = [],  # noqa: B006
    cancelled: Annotated[bool, Form()] = False,
) -> Response:
    """Fields whose value changed become overrides: feed updates will not undo them. Who
    may not correct the item (a coordinator, for another network's item or one another
    newsletter carries) proposes the correction to the editors instead."""
    settings, actor = app.settings, app.actor(user)
    with app.database.session() as session:
        item = ItemStore(session).get(item_id)
        changes = {}
        try:
            changes = _changes(item, settings, kind, published_at, starts_at, ends_at,
                               themes, networks, cancelled)  # fmt: skip
            if changes and app.items.may_correct(actor, item_id):
                app.items.correct(actor, item_id, changes)
                done = "Élément corrigé."
            elif changes:
                app.items.propose(actor, item_id, changes)
                done = "Correction proposée : la rédaction l'acceptera ou la refusera."
            else:
                done = "Aucune modification."
        except (InputError, PermissionDenied) as exc:
            return _detail(request, session, app, user, item, exc.message, exc.hint, 400)
    flash(request, done)
    return RedirectResponse(f"{LIST_PATH}/{item_id}#titre-corriger", status_code=303)


@router.post(LIST_PATH + "/{item_id:int}/proposition")
def decide_proposal(
    request: Request,
    item_id: int,
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(current_user)],
    proposition: Annotated[int, Form(ge=1, le=MAX_ID)],
    decision: Short = "",
) -> Response:
    """An editor accepts or refuses a correction a coordinator proposed."""
    if decision not in ("accepter", "refuser"):
        raise InputError("décision inconnue", "« accepter » ou « refuser »")
    proposal = app.items.decide(app.actor(user), proposition, decision == "accepter")
    flash(request, "Proposition acceptée : l'élément est corrigé." if proposal.state == "accepted"
          else "Proposition refusée.")  # fmt: skip
    return RedirectResponse(f"{LIST_PATH}/{item_id}#titre-propositions", status_code=303)


@router.post(LIST_PATH + "/{item_id:int}/separer")
def split_item(
    request: Request,
    item_id: int,
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(current_user)],
    annonce: Annotated[int, Form(ge=1, le=MAX_ID)],
    confirmer: Short = "",
) -> Response:
    """One announcement merged into the item becomes an item of its own again."""
    with app.database.session() as session:
        item = ItemStore(session).get(item_id)
        try:
            if confirmer != "oui":
                raise InputError("séparation non confirmée", "cochez la case de confirmation")
            made = app.items.split(app.actor(user), item_id, [annonce])
        except (InputError, PermissionDenied) as exc:
            return _detail(request, session, app, user, item, exc.message, exc.hint, 400)
        new_id = made[0].id
    flash(request, f"Annonce séparée : elle forme désormais l'élément n° {new_id}.")
    return RedirectResponse(f"{LIST_PATH}/{item_id}", status_code=303)


def _changes(
    item: Item, settings: Settings, kind: str, published_at: str, starts_at: str,
    ends_at: str, themes: list[str], networks: list[str], cancelled: bool,
) -> dict[str, Any]:  # fmt: skip
    """The submitted values that differ from the item's (the store checks them)."""
    zone = ZoneInfo(settings.fetch.timezone)
    wanted: dict[str, Any] = {
        "kind": kind,
        "themes": themes,
        "networks": networks,
        "starts_at": parse_date(starts_at, zone, "début"),
        "ends_at": parse_date(ends_at, zone, "fin"),
        "cancelled": cancelled,
    }
    published = parse_date(published_at, zone, "publication")
    if published is not None:
        wanted["published_at"] = published
    return {name: value for name, value in wanted.items() if _differs(getattr(item, name), value)}


def _differs(current: Any, wanted: Any) -> bool:
    """Lists compare as sets, datetimes to the minute (what the form shows)."""
    if isinstance(current, list):
        return set(current) != set(wanted)
    if isinstance(current, datetime) and isinstance(wanted, datetime):
        return current.replace(second=0, microsecond=0) != wanted
    return bool(current != wanted)
