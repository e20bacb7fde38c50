"""Assembling, numbering and editing editions on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from newsletter.content.models import Item, ItemSource
from newsletter.content.store import ItemStore
from newsletter.db import Database
from newsletter.editions.assembly import assemble
from newsletter.editions.lifecycle import move
from newsletter.editions.models import Edition
from newsletter.editions.store import EditionStore
from newsletter.editions.views import edition_view
from newsletter.errors import InputError, NotFoundError
from newsletter.settings import ClassificationSettings, NewsletterSettings, OrganisationSettings
from newsletter.sources.models import Source

ZONE = "Europe/Paris"
NO_KEYS = ClassificationSettings()  # corrections here touch dates only
PARIS = ZoneInfo(ZONE)
FIRST = date(2026, 11, 3)  # a first Tuesday: the Lettre's schedule fires at 09:00
SEND = datetime(2026, 11, 3, 9, tzinfo=PARIS)
NEXT = datetime(2027, 1, 5, 9, tzinfo=PARIS)
LETTRE = NewsletterSettings(
    title="La Lettre",
    list="lettre",
    schedule="0 9 1-7 1,3,5,7,9,11 tue",
    first_number=87,
    lookback_days=30,
    sender="Lettre <lettre@exemple.fr>",
    sections=[
        {"key": "edito", "title": "Édito", "text": "edito"},
        {"key": "fiches", "title": "Fiches", "kinds": ["fiche"]},
        {"key": "agenda", "title": "Rendez-vous", "kinds": ["agenda"]},
        {"key": "partenaires", "title": "Partenaires", "sources": ["partenaires"]},
        {"key": "mouvements", "title": "Mouvements", "text": "mouvements", "kinds": ["mouvement"]},
    ],
)


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as opened:
        opened.add_all(
            [
                Source(key="pb", name="Profession Banlieue", url="http://x/pb"),
                Source(key="partenaires", name="Partenaires", url="http://x/p"),
            ]
        )
        opened.flush()
        yield opened


def add(
    session: Session,
    title: str,
    published: datetime,
    kind: str = "fiche",
    source: str = "pb",
    **fields: Any,
) -> Item:
    """An item as the gathering would have stored it."""
    item = Item(
        kind=kind,
        title=title,
        summary=f"<p>{title}.</p>",
        url=f"https://x.fr/{title}",
        guid=title,
        dedup_key=title,
        published_at=published,
        themes=[],
        networks=[],
        content_hash=title,
        **fields,
    )
    session.add(item)
    session.flush()
    source_id = session.query(Source).filter_by(key=source).one().id
    session.add(ItemSource(item_id=item.id, source_id=source_id, guid=title))
    session.flush()
    return item


def event(session: Session, title: str, starts: datetime, **fields: Any) -> Item:
    return add(session, title, SEND - timedelta(days=40), "agenda", starts_at=starts, **fields)


def titles(edition: Edition) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for entry in sorted(edition.entries, key=lambda e: e.position):
        found.setdefault(entry.section, []).append(entry.item.title)
    return found


def approve(store: EditionStore, edition: Edition) -> None:
    view = edition_view(edition, LETTRE, OrganisationSettings(), store.credits(edition))
    store.approve(edition, view, "tests")


def send(store: EditionStore, edition: Edition) -> None:
    """What dispatch will do: approve, send, mark sent."""
    approve(store, edition)
    move(edition, "sending")
    store.mark_sent(edition, edition.send_at)
    store.session.flush()


def make(store: EditionStore, day: date = FIRST, **options: Any) -> Edition:
    return assemble(store, "lettre", LETTRE, ZONE, day=day, now=SEND - timedelta(days=2), **options)


def test_first_edition(session: Session) -> None:
    """The first edition takes the configured first number and looks back lookback_days."""
    add(session, "récente", SEND - timedelta(days=3))
    add(session, "trop ancienne", SEND - timedelta(days=31))
    add(session, "partenaire", SEND - timedelta(days=1), kind="actualite", source="partenaires")
    edition = make(EditionStore(session))
    assert (edition.number, edition.state) == (87, "draft")
    assert (edition.send_at, edition.next_send_at) == (SEND, NEXT)
    assert edition.period == "novembre-décembre 2026"
    assert edition.subject == "La Lettre n° 87 — novembre-décembre 2026"
    assert titles(edition) == {"fiches": ["récente"], "partenaires": ["partenaire"]}


def test_agenda_window_and_cancelled_events(session: Session) -> None:
    """Rendez-vous of the window go in, in date order; a never-announced cancellation does not."""
    event(session, "après", NEXT - timedelta(hours=1))
    event(session, "avant", SEND - timedelta(hours=1))
    event(session, "bientôt", SEND + timedelta(days=2))
    event(session, "trop tard", NEXT + timedelta(hours=1))
    event(session, "annulé", SEND + timedelta(days=3), cancelled=True)
    assert titles(make(EditionStore(session))) == {"agenda": ["bientôt", "après"]}


def test_numbering_continues_and_can_be_initialised(session: Session) -> None:
    """Numbers continue per newsletter; an editor can set the next one, never backwards."""
    store = EditionStore(session)
    send(store, make(store))
    second = make(store, date(2027, 1, 5))
    assert second.number == 88
    send(store, second)
    store.set_next_number("lettre", 120)
    assert make(store, date(2027, 3, 2)).number == 120
    with pytest.raises(InputError, match="120"):
        store.set_next_number("lettre", 100)
    assert store.next_number("reaap", 1) == 1  # each newsletter has its own numbers


def test_sent_items_are_not_repeated(session: Session) -> None:
    """The next edition takes what was published since, never what was already sent."""
    store = EditionStore(session)
    add(session, "première", SEND - timedelta(days=5))
    add(session, "entre assemblage et envoi", SEND - timedelta(days=1))
    first = assemble(store, "lettre", LETTRE, ZONE, day=FIRST, now=SEND - timedelta(days=3))
    assert titles(first) == {"fiches": ["entre assemblage et envoi", "première"]}
    send(store, first)
    add(session, "nouvelle", SEND + timedelta(days=20))
    second = make(store, date(2027, 1, 5))
    assert titles(second) == {"fiches": ["nouvelle"]}


def test_announced_event_changed_or_cancelled_comes_back(
    session: Session, database: Database
) -> None:
    """An announced rendez-vous edited since (moved, cancelled) reappears, flagged."""
    store = EditionStore(session)
    moved = event(session, "déplacé", NEXT + timedelta(days=10))
    cancelled = event(session, "annulé", NEXT + timedelta(days=12))
    event(session, "inchangé", NEXT + timedelta(days=14))
    wide = LETTRE.model_copy(
        update={
            "sections": tuple(
                s.model_copy(update={"agenda_days": 90}) if s.key == "agenda" else s
                for s in LETTRE.sections
            )
        }
    )
    first = assemble(store, "lettre", wide, ZONE, day=FIRST, now=SEND)
    assert titles(first) == {"agenda": ["déplacé", "annulé", "inchangé"]}
    send(store, first)
    items = ItemStore(session)
    items.override(moved.id, NO_KEYS, starts_at=NEXT + timedelta(days=20))
    items.override(cancelled.id, NO_KEYS, cancelled=True)
    session.flush()
    second = assemble(store, "lettre", wide, ZONE, day=date(2027, 1, 5), now=NEXT)
    changes = {entry.item.title: entry.change for entry in second.entries}
    assert changes == {"annulé": "annule", "déplacé": "modifie"}


def test_only_one_edition_in_preparation(session: Session) -> None:
    """A second draft is refused; --replace redoes the open one, keeping number and texts."""
    store = EditionStore(session)
    first = make(store)
    store.set_texts(first, edito="Chers lecteurs,")
    with pytest.raises(InputError, match="en préparation"):
        make(store)
    add(session, "arrivée tardive", SEND - timedelta(days=1))
    again = make(store, replace=True)
    assert (again.id, again.number) == (first.id, 87)
    assert again.edito == "Chers lecteurs,"  # kept as typed
    assert titles(again) == {"fiches": ["arrivée tardive"]}


def test_editors_reorder_drop_and_add(session: Session) -> None:
    """Editors move items within a rubrique, drop some, and add others where they fit."""
    store = EditionStore(session)
    a, b, c = (
        add(session, name, SEND - timedelta(days=d)) for name, d in (("a", 1), ("b", 2), ("c", 3))
    )
    old = add(session, "ancienne", SEND - timedelta(days=200))
    mouvement = add(session, "mouvement", SEND - timedelta(days=200), kind="mouvement")
    edition = make(store)
    store.move_item(edition, c.id, 1)
    store.drop_item(edition, b.id)
    store.add_item(edition, old.id, LETTRE, None)
    store.add_item(edition, mouvement.id, LETTRE, None)
    session.flush()
    assert titles(edition) == {"fiches": ["c", "a", "ancienne"], "mouvements": ["mouvement"]}
    assert sorted(e.position for e in edition.entries if e.section == "fiches") == [1, 2, 3]
    with pytest.raises(InputError, match="déjà"):
        store.add_item(edition, a.id, LETTRE, None)
    with pytest.raises(InputError, match="rubrique inconnue"):
        store.add_item(edition, b.id, LETTRE, "nulle-part")
    with pytest.raises(NotFoundError):
        store.drop_item(edition, b.id)


def test_editing_an_approved_edition_needs_a_new_approval(session: Session) -> None:
    """An approved edition that changes goes back to draft; a sent one cannot change."""
    store = EditionStore(session)
    edition = make(store)
    approve(store, edition)
    store.set_texts(edition, mouvements="- Mme Martin rejoint la préfecture.")
    assert edition.state == "draft" and edition.approved_at is None
    assert edition.mouvements == "- Mme Martin rejoint la préfecture."  # kept as typed
    send(store, edition)
    with pytest.raises(InputError, match="ne peut plus changer"):
        store.set_texts(edition, edito="Trop tard")
    with pytest.raises(InputError, match="impossible"):
        approve(store, edition)
