"""One rate for the relay: the configured rate and hourly quota hold for all senders
together, shared through the database; each sender's share (pure)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from newsletter.db import utcnow
from newsletter.dispatch.ledger import Delivery
from newsletter.dispatch.share import HourUse, share
from newsletter.dispatch.store import LedgerStore
from newsletter.editions.store import EditionStore
from newsletter.services.sending import pause
from newsletter.settings import DispatchSettings
from tests.dispatching import SEND_DAY, Wired, lettre, populate, start_send, wire
from tests.smtp_server import SmtpTestServer

__all__ = ["wire"]  # a fixture
PARIS = ZoneInfo("Europe/Paris")


def test_the_rate_is_divided_among_senders_and_processes() -> None:
    """Each sender takes the rate divided by the senders sending, then by its processes;
    0 stays "no limit"."""
    settings = DispatchSettings(rate_per_second=60)
    assert share(settings, 3, 2, None, 0, 0, PARIS).per_second == 10
    assert share(settings, 0, 1, None, 0, 0, PARIS).per_second == 60  # itself, at least
    assert share(DispatchSettings(rate_per_second=0), 3, 2, None, 0, 0, PARIS).per_second == 0


def test_the_hourly_quota_left_is_shared_and_counts_unrecorded_messages() -> None:
    """Of the hourly quota, what the ledger's last hour (all editions) and this sender's
    messages not yet recorded leave is split among the senders; with nothing left the
    sender waits, saying when sending resumes (Paris time)."""
    settings = DispatchSettings(rate_per_hour=1000)
    frees_at = datetime(2027, 1, 5, 13, 5, tzinfo=UTC)
    given = share(settings, 2, 2, HourUse(600, frees_at), 50, 20, PARIS)
    assert given.allowed == 50 + (1000 - 600 - 20) // 2 and given.note == ""
    spent = share(settings, 2, 2, HourUse(1000, frees_at), 50, 0, PARIS)
    assert spent.allowed == 50
    assert spent.note == "en pause : quota horaire atteint, reprise à 14:05"
    assert share(DispatchSettings(rate_per_hour=0), 2, 2, None, 50, 0, PARIS).allowed == -1


def steady_rate(server: SmtpTestServer) -> float:
    """Messages per second the relay received, from the first to the last."""
    times = sorted(message.at for message in server.messages)
    return (len(times) - 1) / (times[-1] - times[0])


def test_two_senders_together_keep_to_the_configured_rate(
    wire: Callable[..., Wired], smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """Two senders at once — on one edition with PostgreSQL (they share its rows), on two
    editions with SQLite (one sender per edition) — send at the configured rate together,
    not each at it."""
    rate = 40
    wired = wire(processes=1, concurrency=2, rate_per_second=rate)
    first = populate(wired.app, tmp_path, 240)
    second = first
    if wired.app.database.dialect == "sqlite":
        second = _another_edition(wired, first)
    senders = [start_send(first, wired.env), start_send(second, wired.env)]
    for sender in senders:
        assert sender.wait(120) == 0, sender.stderr.read() if sender.stderr else ""
    assert len(smtp_server.messages) == 240 * (1 if second == first else 2)
    assert steady_rate(smtp_server) <= rate * 1.25


def _another_edition(wired: Wired, first: int) -> int:
    """A second approved edition of the Lettre, to the same audience (the first one is then
    `sending`: one edition in preparation at a time)."""
    with wired.app.database.session() as session:
        store = EditionStore(session)
        store.start_sending(store.get(first))
    return lettre(wired.app, SEND_DAY + timedelta(days=60))


def test_the_hourly_quota_counts_every_edition(
    wire: Callable[..., Wired], smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """With 30 messages an hour and 20 already sent this hour by another edition, a send
    hands over 10 messages, records them, then waits, saying until when."""
    wired = wire(rate_per_hour=30)
    edition_id = populate(wired.app, tmp_path, 40)
    earlier = _another_edition(wired, edition_id)
    with wired.app.database.session() as session:
        LedgerStore(session).freeze(earlier, "lettre", None)
        ids = session.scalars(sa.select(Delivery.id).where(Delivery.edition_id == earlier))
        sent_at = utcnow() - timedelta(minutes=10)
        session.execute(
            sa.update(Delivery)
            .where(Delivery.id.in_(list(ids)[:20]))
            .values(status="sent", sent_at=sent_at)
        )
    waiting: list[tuple[str, int]] = []  # what the progress said while the send waited

    def watch(counts: dict[str, int], note: str) -> None:
        if note.startswith("en pause : quota horaire atteint"):
            waiting.append((note, counts["sent"]))
        if len(waiting) == 2:  # half a second into the wait: enough seen
            pause(wired.app.database, edition_id)

    report = wired.app.sending.send(edition_id, on_progress=watch)
    assert report.state == "paused"
    assert len(smtp_server.messages) == 10
    reprise = (sent_at + timedelta(hours=1)).astimezone(PARIS).strftime("%H:%M")
    assert waiting[-1] == (f"en pause : quota horaire atteint, reprise à {reprise}", 10)
