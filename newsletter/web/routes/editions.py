"""Editions: the list per newsletter, and an edition's page with the preview exactly as sent.

The preview is ``Publishing.preview``: the rendering the real send uses, personalised with a
sample subscriber's values, shown in a desktop-wide and a phone-wide frame and as text.
The frames load ``…/apercu.html``, served with a CSP sandbox of its own (inline styles, no
script, no form, nothing but images from outside).
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from newsletter.accounts.models import User
from newsletter.accounts.permissions import Actor, may_act_on_newsletter
from newsletter.app import App
from newsletter.audit.store import ACTIONS, AuditStore
from newsletter.content.store import ItemStore
from newsletter.db import utcnow
from newsletter.dispatch.ledger import STATUSES
from newsletter.dispatch.store import LedgerStore
from newsletter.editions.lifecycle import DONE, EDITABLE, STATES, UPCOMING, segment_of
from newsletter.editions.models import Edition
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError
from newsletter.rendering.context import Variant
from newsletter.settings import Settings
from newsletter.statistics.editions import ledger_counts
from newsletter.vocabulary import TERRITORIES
from newsletter.web.auth import authorise_newsletter, current_user, lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages

router = site_router(include_in_schema=False)
LIST_PATH = "/editeurs/editions"
RECENT = 10
SEARCH_RESULTS = 10
REFRESH_SECONDS = 3
HISTORY = 50
# The email, framed: inline styles only, no script, no form, no plugin, own origin.
PREVIEW_CSP = "; ".join(
    (
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src https: http: data:",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "sandbox",
    )
)
Themes = Annotated[list[str], Query(max_length=20)]


def newsletters_of(settings: Settings, user: User) -> list[str]:
    """The newsletters this account may see and act on."""
    actor = Actor.of(user)
    return [name for name in settings.newsletters if may_act_on_newsletter(actor, name)]


def load_edition(session: Session, user: User, edition_id: int) -> Edition:
    """The edition, if the account may act on its newsletter (404, 403 otherwise)."""
    edition = EditionStore(session).get(edition_id)
    authorise_newsletter(user, edition.newsletter)
    return edition


def edition_path(edition_id: int, **query: Any) -> str:
    kept = {key: value for key, value in query.items() if value}
    return f"{LIST_PATH}/{edition_id}" + (f"?{urlencode(kept, doseq=True)}" if kept else "")


def variant_of(settings: Settings, themes: list[str]) -> Variant:
    unknown = [theme for theme in themes if theme not in settings.classification.themes]
    if unknown:
        raise InputError(f"thème inconnu : {unknown[0]}",
                         f"thèmes : {', '.join(settings.classification.themes)}")  # fmt: skip
    return frozenset(themes)


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


@router.get(LIST_PATH)
def edition_list(
    request: Request,
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(current_user)],
) -> Response:
    names = newsletters_of(app.settings, user)
    with app.database.session() as session:
        store = EditionStore(session)
        upcoming = store.in_states(names, UPCOMING)
        recent = store.in_states(names, DONE, RECENT * len(names))
        counts = ledger_counts(session, upcoming + recent, utcnow())  # sent: kept figures
        groups = [
            (name, app.settings.newsletters[name],
             [e for e in upcoming if e.newsletter == name],
             [e for e in recent if e.newsletter == name][:RECENT],
             app.drafting.coming(name))
            for name in names
        ]  # fmt: skip
        context = {"groups": groups, "counts": counts, "states": STATES}
        return _pages(request).render(request, "editions/list.html", context)


@router.get(LIST_PATH + "/{edition_id:int}")
def edition_page(
    request: Request,
    edition_id: int,
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(current_user)],
    themes: Themes = [],  # noqa: B006 (FastAPI copies defaults)
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    settings = app.settings
    variant = variant_of(settings, themes)
    sends = app.background_sends
    with app.database.session() as session:
        edition = load_edition(session, user, edition_id)
        newsletter = settings.newsletter(edition.newsletter)
        shown = app.publishing.preview(session, edition, variant)
        counts = LedgerStore(session).counts(edition_id)
        found = _search(session, edition, q)
        changes = app.publishing.changes(session, edition)
        history = AuditStore(session).entries(edition_id=edition_id, limit=HISTORY)
        running = edition.state == "sending" or sends.running(edition_id)
        chosen = segment_of(edition, newsletter)
        segments = {} if user.role == "coordinator" else app.segments(session).all()
        order = [section.key for section in newsletter.sections]
        entries = sorted(edition.entries, key=lambda e: (
            order.index(e.section) if e.section in order else len(order), e.position))  # fmt: skip
        context = {
            "edition": edition, "newsletter": newsletter, "states": STATES,
            "editable": edition.state in EDITABLE, "entries": entries,
            "sizes": Counter(entry.section for entry in entries),
            "sections": {section.key: section for section in newsletter.sections},
            "texts": {section.text for section in newsletter.sections if section.text},
            "preview": shown, "themes": sorted(variant), "frame_query": urlencode(
                {"themes": sorted(variant)}, doseq=True),
            "classification": settings.classification, "counts": counts, "statuses": STATUSES,
            "total": sum(counts.values()), "running": running, "refresh": REFRESH_SECONDS,
            # A URL that differs at each refresh: a browser would take a refresh to the
            # same URL with its #anchor for a jump within the page, and not reload it.
            "refresh_url": edition_path(edition_id, themes=sorted(variant),
                                        suivi=int(time.time())) + "#envoi",
            "failure": sends.failure(edition_id), "q": q, "found": found,
            "changes": changes, "history": history, "actions": ACTIONS,
            "segment_choices": {name: segment.label or name for name, segment in segments.items()},
            "segment_label": (segments[chosen].label or chosen) if chosen in segments else chosen,
            "territorial": [] if edition.special else [section for section in newsletter.sections
                            if section.territories or "agenda" in section.kinds],
            "territory_choices": TERRITORIES,
        }  # fmt: skip
        return _pages(request).render(request, "editions/page.html", context)


def _search(session: Session, edition: Edition, text: str) -> list[Any]:
    """Items whose title has ``text``, not already in the edition (for « ajouter »)."""
    if not text.strip():
        return []
    present = {entry.item_id for entry in edition.entries}
    found = ItemStore(session).search(text=text.strip(), limit=SEARCH_RESULTS + len(present))
    return [item for item in found if item.id not in present][:SEARCH_RESULTS]


@router.get(LIST_PATH + "/{edition_id:int}/apercu.html")
def preview_frame(
    edition_id: int,
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(current_user)],
    themes: Themes = [],  # noqa: B006
) -> Response:
    """The email's HTML as a sample subscriber gets it, for the preview frames."""
    variant = variant_of(app.settings, themes)
    with app.database.session() as session:
        edition = load_edition(session, user, edition_id)
        html = app.publishing.preview(session, edition, variant).html
    headers = {"Content-Security-Policy": PREVIEW_CSP, "X-Frame-Options": "SAMEORIGIN"}
    return HTMLResponse(html, headers=headers)
