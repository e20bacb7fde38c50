"""Assembly rules, pure: windows, dedup across editions, cancelled events, rubriques."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from newsletter.editions.selection import Candidate, Placement, Window, select
from newsletter.settings import NewsletterSettings

PARIS = ZoneInfo("Europe/Paris")
SEND = datetime(2026, 11, 3, 9, tzinfo=PARIS)
WINDOW = Window(
    since=SEND - timedelta(days=60),
    send_at=SEND,
    next_send_at=datetime(2027, 1, 5, 9, tzinfo=PARIS),
)


def newsletter(*sections: dict[str, Any]) -> NewsletterSettings:
    return NewsletterSettings(
        title="Essai",
        list="essai",
        schedule="0 9 1-7 1,3,5,7,9,11 tue",
        sender="Essai <essai@exemple.fr>",
        sections=sections,
    )


LETTRE = newsletter(
    {"key": "edito", "title": "Édito", "text": "edito"},
    {"key": "fiches", "title": "Fiches", "kinds": ["fiche"], "limit": 2},
    {"key": "agenda", "title": "Rendez-vous", "kinds": ["agenda"]},
    {"key": "actualites", "title": "Actualités", "kinds": ["actualite"]},
    {"key": "parents", "title": "Parentalité", "networks": ["reaap"]},
)


def item(id: int, kind: str = "fiche", days_ago: float = 5, **fields: Any) -> Candidate:
    return Candidate(
        id=id,
        kind=kind,
        published_at=SEND - timedelta(days=days_ago),
        revision=fields.pop("revision", 1),
        **fields,
    )


def event(id: int, in_days: float, **fields: Any) -> Candidate:
    return item(id, "agenda", days_ago=90, starts_at=SEND + timedelta(days=in_days), **fields)


def placed(placements: list[Placement]) -> dict[int, tuple[str, str]]:
    return {p.item_id: (p.section, p.change) for p in placements}


def test_items_published_since_the_previous_edition() -> None:
    """Items published after the window's start and up to the send go in; others do not."""
    chosen = placed(
        select(
            LETTRE,
            WINDOW,
            [
                item(1, days_ago=5),
                item(2, days_ago=59),
                item(3, days_ago=61),
                item(4, days_ago=-1),  # published after the send
            ],
            {},
        )
    )
    assert set(chosen) == {1, 2}


def test_events_between_this_send_and_the_next() -> None:
    """Rendez-vous starting from the send until the next send go in, whenever published."""
    chosen = placed(
        select(
            LETTRE,
            WINDOW,
            [
                event(1, 0),
                event(2, 30),
                event(3, 62.9),
                event(4, 63),
                event(5, -1),
            ],
            {},
        )
    )
    assert set(chosen) == {1, 2, 3}


def test_agenda_days_widens_the_window() -> None:
    """A rubrique's agenda_days replaces the next send as the end of its agenda window."""
    wide = newsletter(
        {"key": "agenda", "title": "Rendez-vous", "kinds": ["agenda"], "agenda_days": 90}
    )
    assert set(placed(select(wide, WINDOW, [event(1, 80), event(2, 95)], {}))) == {1}


def test_cancelled_event_never_announced_is_left_out() -> None:
    """A cancelled rendez-vous nobody heard of in this newsletter is not mentioned."""
    assert select(LETTRE, WINDOW, [event(1, 10, cancelled=True)], {}) == []


def test_cancelled_event_already_announced_comes_back_cancelled() -> None:
    """A rendez-vous announced before and cancelled since appears again, marked annulé."""
    chosen = placed(select(LETTRE, WINDOW, [event(1, 10, cancelled=True, revision=2)], {1: 1}))
    assert chosen == {1: ("agenda", "annule")}


def test_changed_event_comes_back_modified_even_beyond_the_window() -> None:
    """An announced rendez-vous moved later comes back marked modifié, wherever it moved."""
    chosen = placed(select(LETTRE, WINDOW, [event(1, 100, revision=3)], {1: 2}))
    assert chosen == {1: ("agenda", "modifie")}


def test_announced_items_are_not_repeated() -> None:
    """Items already in a published edition do not come back, changed or not (except events)."""
    candidates = [item(1), item(2, revision=2), event(3, 10), event(4, 12, revision=1)]
    chosen = placed(select(LETTRE, WINDOW, candidates, {1: 1, 2: 1, 3: 1, 4: 1}))
    assert chosen == {}


def test_past_changed_event_is_not_repeated() -> None:
    """A change to an announced rendez-vous that is already over is not news."""
    assert select(LETTRE, WINDOW, [event(1, -2, revision=2, cancelled=True)], {1: 1}) == []


def test_first_matching_rubrique_in_configured_order() -> None:
    """An item goes to the first rubrique it matches; the édito takes no item."""
    chosen = placed(
        select(
            LETTRE,
            WINDOW,
            [
                item(1, "actualite", networks=frozenset({"reaap"})),
                item(2, "mouvement", networks=frozenset({"reaap"})),
                item(3, "publication"),
            ],
            {},
        )
    )
    assert chosen == {1: ("actualites", ""), 2: ("parents", "")}


def test_themes_networks_and_sources_filter_rubriques() -> None:
    """A rubrique with themes, networks or sources takes items having one of them."""
    filtered = newsletter(
        {"key": "habitat", "title": "Habitat", "themes": ["habitat"]},
        {"key": "clas", "title": "Clas", "networks": ["clas"]},
        {"key": "partenaires", "title": "Partenaires", "sources": ["orive"]},
    )
    chosen = placed(
        select(
            filtered,
            WINDOW,
            [
                item(1, themes=frozenset({"habitat", "emploi"})),
                item(2, themes=frozenset({"emploi"})),
                item(3, networks=frozenset({"clas"})),
                item(4, sources=frozenset({"orive", "pb"})),
            ],
            {},
        )
    )
    assert chosen == {1: ("habitat", ""), 3: ("clas", ""), 4: ("partenaires", "")}


def test_limits_keep_the_newest_and_order_events_by_date() -> None:
    """Rubriques keep at most ``limit`` items, newest first; rendez-vous in date order."""
    placements = select(
        LETTRE,
        WINDOW,
        [
            item(1, days_ago=9),
            item(2, days_ago=1),
            item(3, days_ago=4),
            event(4, 20),
            event(5, 3),
            event(6, 11),
        ],
        {},
    )
    by_section: dict[str, list[int]] = {}
    for placement in placements:
        by_section.setdefault(placement.section, []).append(placement.item_id)
        assert placement.position == len(by_section[placement.section])
    assert by_section == {"fiches": [2, 3], "agenda": [5, 6, 4]}


def test_empty_rubriques_get_no_placement() -> None:
    """Rubriques nothing matches produce no placement (the view then leaves them out)."""
    placements = select(LETTRE, WINDOW, [item(1)], {})
    assert {placement.section for placement in placements} == {"fiches"}


@pytest.mark.parametrize("days_ago", [0, 0.5])
def test_send_instant_bounds_are_inclusive(days_ago: float) -> None:
    """An item published exactly at the send, or just before, is in."""
    assert placed(select(LETTRE, WINDOW, [item(1, days_ago=days_ago)], {})) == {1: ("fiches", "")}
