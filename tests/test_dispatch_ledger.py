"""The deliveries ledger as a send works it: freezing the audience, claims, outcomes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsletter.app import App
from newsletter.db import utcnow
from newsletter.dispatch.claims import SKIPPED_REASON
from newsletter.dispatch.edition_ledger import EditionLedger
from newsletter.dispatch.ledger import Delivery
from newsletter.dispatch.store import LedgerStore
from newsletter.dispatch.tasks import Outcome, Task
from subscribers.audience import audience
from subscribers.rgpd import erase
from tests.dispatching import address, populate


def frozen(app: App, tmp: Path, recipients: int) -> int:
    """An approved edition whose audience is frozen into the ledger; its id."""
    edition_id = populate(app, tmp, recipients)
    with app.database.session() as session:
        LedgerStore(session).freeze(edition_id, "lettre", None)
    return edition_id


@pytest.fixture
def ledger_of(app: App) -> Iterator[Callable[[int], EditionLedger]]:
    """Opens the ledger of an edition as a sender does, and closes it after the test."""
    opened: list[EditionLedger] = []

    def open_ledger(edition_id: int) -> EditionLedger:
        ledger = EditionLedger(app.database, edition_id, "lettre", "test-sender",
                               app.settings.dispatch, lambda *_: None)  # fmt: skip
        ledger.begin()
        opened.append(ledger)
        return ledger

    yield open_ledger
    for ledger in opened:
        ledger.end()


def rows(app: App, edition_id: int) -> dict[int | None, Delivery]:
    with app.database.session() as session:
        found = session.scalars(sa.select(Delivery).where(Delivery.edition_id == edition_id))
        return {row.subscriber_id: row for row in found}


def test_freeze_writes_the_audience_with_themes_and_format(app: App, tmp_path: Path) -> None:
    """Freezing writes one queued row per member of the audience, with their format and
    their themes as the variant."""
    edition_id = populate(app, tmp_path, 12)
    with app.database.session() as session:
        store = app.subscriber_store(session)
        store.unsubscribe(store.get(address(4)), None, utcnow())
    with app.database.session() as session:
        expected = {r.id: (set(r.themes), r.format) for r in audience(session, "lettre")}
        assert LedgerStore(session).freeze(edition_id, "lettre", None) == len(expected) == 11
    found = rows(app, edition_id)
    variants = {subscriber: (set(filter(None, row.variant.split(","))), row.format)
                for subscriber, row in found.items()}  # fmt: skip
    assert variants == expected
    assert {row.status for row in found.values()} == {"queued"}


def test_erased_recipient_is_skipped_with_the_reason(
    app: App, tmp_path: Path, ledger_of: Callable[[int], EditionLedger]
) -> None:
    """Someone erased (RGPD) after the freeze is skipped at claim time, with the reason;
    the others are claimed."""
    edition_id = frozen(app, tmp_path, 3)
    with app.database.session() as session:
        erase(session, app.subscriber_store(session).get(address(1)))
    claimed = ledger_of(edition_id).exchange([], 10, utcnow())
    assert {Task._make(row).email for row in claimed} == {address(0), address(2)}
    skipped = [row for row in rows(app, edition_id).values() if row.status == "skipped"]
    assert [(row.subscriber_id, row.reason) for row in skipped] == [(None, SKIPPED_REASON)]


def test_deferred_row_comes_back_only_when_due(
    app: App, tmp_path: Path, ledger_of: Callable[[int], EditionLedger]
) -> None:
    """A 4xx defers the row with backoff; it is claimed again once due, not before."""
    edition_id = frozen(app, tmp_path, 1)
    ledger = ledger_of(edition_id)
    start = utcnow()
    (row,) = ledger.exchange([], 10, start)
    deferred = Outcome(row[0], row[1], "deferred", 451, "4.7.1 réessayez plus tard")
    assert ledger.exchange([deferred], 10, start) == []
    due = start + timedelta(seconds=ledger.backoff(1))
    assert ledger.next_due() == due
    assert ledger.exchange([], 10, due - timedelta(seconds=1)) == []
    assert [again[0] for again in ledger.exchange([], 10, due)] == [row[0]]
    (stored,) = rows(app, edition_id).values()
    assert (stored.status, stored.attempts, stored.code) == ("sending", 1, 451)


def test_outcomes_decide_each_row(
    app: App, tmp_path: Path, ledger_of: Callable[[int], EditionLedger]
) -> None:
    """Only an accepted message makes a row sent; a lost connection requeues it without
    counting an attempt; a 5xx fails it with the server's reply."""
    edition_id = frozen(app, tmp_path, 3)
    ledger = ledger_of(edition_id)
    now = utcnow()
    first, second, third = sorted(ledger.exchange([], 10, now))
    outcomes = [Outcome(first[0], first[1], "sent"),
                Outcome(second[0], second[1], "retry", 421, "fermeture"),
                Outcome(third[0], third[1], "failed", 550, "5.1.1 inconnu")]  # fmt: skip
    assert ledger.exchange(outcomes, 0, now) == []
    found = rows(app, edition_id)
    assert (found[first[1]].status, found[first[1]].sent_at, found[first[1]].code) == (
        "sent", now, 250)  # fmt: skip
    assert (found[second[1]].status, found[second[1]].attempts) == ("queued", 0)
    assert (found[third[1]].status, found[third[1]].reason) == ("failed", "5.1.1 inconnu")
