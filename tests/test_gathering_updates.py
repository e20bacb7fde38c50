"""Updates visible: a moved publication or event date and a title now saying "ANNULÉ" or
"Reporté" update the item already announced, with its history."""

from __future__ import annotations

from collections.abc import Callable

from newsletter.content.models import Item
from newsletter.db import Database
from newsletter.settings import Settings
from tests.gathering import item, partners, rss

MARCH = "Tue, 04 Mar 2025 09:00:00 +0100"
APRIL = "Fri, 04 Apr 2025 09:00:00 +0200"


def event(title: str, start: str, date: str = MARCH) -> str:
    where = f"<ev:startdate>{start}</ev:startdate><ev:location>Pantin</ev:location>"
    return item(title, "ag", "https://a.fr/ag", date, extra=where)


def changes(database: Database, item_id: int) -> list[set[str]]:
    with database.session() as session:
        found = session.get(Item, item_id)
        assert found is not None
        return [set(change.fields) for change in found.changes]


def test_moved_dates_are_updates(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    """A pubDate moved alone, then an RSS event date (ev:startdate) moved, each update the
    one item and are kept in its history."""
    with partners(database, make_settings) as sources:
        sources.publish("a", rss(event("Assemblée générale", "2030-06-01T18:00:00")), kind="agenda")
        sources.gather()
        sources.publish("a", rss(event("Assemblée générale", "2030-06-01T18:00:00", APRIL)))
        republished = sources.gather()["a"]
        sources.publish("a", rss(event("Assemblée générale", "2030-06-08T18:00:00", APRIL)))
        moved = sources.gather()["a"]
        (stored,) = sources.items()
    assert republished.saved.updated == 1 and moved.saved.updated == 1
    assert stored.revision == 3 and stored.starts_at.isoformat() == "2030-06-08T16:00:00+00:00"
    assert changes(database, stored.id) == [{"published_at"}, {"starts_at"}]


def test_titles_that_cancel_or_postpone(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    """ "ANNULÉ : …" in the title of an announced event cancels that item (no new one);
    "[Reporté] …" marks a new one postponed; "Annule et remplace : …" marks nothing."""
    start = "2030-06-01T18:00:00"
    other = item("Annule et remplace : programme du forum", "p", "https://a.fr/p", MARCH)
    with partners(database, make_settings) as sources:
        sources.publish("a", rss(event("Assemblée générale", start), other), kind="agenda")
        sources.gather()
        postponed = item("[Reporté] Fête de quartier", "f", "https://a.fr/f", MARCH)
        sources.publish("a", rss(event("ANNULÉ : Assemblée générale", start), other, postponed))
        report = sources.gather()["a"]
        stored = {i.title: i for i in sources.items()}
    assert (report.saved.new, report.saved.updated) == (1, 1) and len(stored) == 3
    cancelled = stored["ANNULÉ : Assemblée générale"]
    assert cancelled.cancelled and not cancelled.postponed
    assert changes(database, cancelled.id) == [{"title", "cancelled"}]
    assert stored["[Reporté] Fête de quartier"].postponed
    assert not stored["[Reporté] Fête de quartier"].cancelled
    assert not stored["Annule et remplace : programme du forum"].cancelled
