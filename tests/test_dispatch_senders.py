"""Live senders: a dead sender's rows come back in a bounded time (at once on this machine,
after `dispatch.lease_seconds` of silence from another), the send says what it waits for;
a pause signals only the sender it means."""

from __future__ import annotations

import signal
import socket
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsletter.db import utcnow
from newsletter.dispatch.edition_ledger import EditionLedger
from newsletter.dispatch.ledger import Delivery, LiveSender
from newsletter.dispatch.senders import wake
from newsletter.dispatch.store import LedgerStore
from newsletter.leases import new_holder, process_started
from tests.dispatching import Wired, populate, wire

__all__ = ["wire"]  # a fixture


def ended_pid() -> int:
    """The pid of a process that has ended."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_rows_of_a_dead_sender_come_back_in_bounded_time(
    wire: Callable[..., Wired], tmp_path: Path
) -> None:
    """Rows held by a sender of this machine whose process is gone come back at once, even
    if it beat a moment ago; those of a sender on another machine stay while it beats, and
    come back once it has been silent for `dispatch.lease_seconds`; meanwhile the send
    says what it waits for."""
    wired = wire(lease_seconds=20)
    app = wired.app
    edition_id = populate(app, tmp_path, 4)
    dead = f"{socket.gethostname()}:{ended_pid()}:abcd"
    elsewhere = "autre-machine:4242:abcd"
    now = utcnow()
    with app.database.session() as session:
        LedgerStore(session).freeze(edition_id, "lettre", None)
        ids = list(session.scalars(sa.select(Delivery.id).where(Delivery.edition_id == edition_id)))
        for holder, rows in ((dead, ids[:2]), (elsewhere, ids[2:])):
            session.add(LiveSender(holder=holder, edition_id=edition_id, beat_at=now,
                                   wakeable=False, sending=True, started="", note=""))  # fmt: skip
            session.execute(sa.update(Delivery).where(Delivery.id.in_(rows))
                            .values(status="sending", claimed_by=holder))  # fmt: skip
    ledger = EditionLedger(app.database, edition_id, "lettre", new_holder(),
                           app.settings.dispatch, lambda *_: None)  # fmt: skip
    ledger.begin()
    try:
        note = ledger.release_stale()
        waited = round((utcnow() - now).total_seconds())  # the heartbeat's age, as seen here
        assert ledger.counts()["queued"] == 2 and ledger.counts()["sending"] == 2
        assert note in [
            "en attente d’un autre envoi de cette édition (autre-machine:4242:abcd, signe de "
            f"vie il y a {age} s ; ses messages reviennent s’il se tait 20 s)"
            for age in range(waited + 1)
        ]
        with app.database.session() as session:
            session.get_one(LiveSender, elsewhere).beat_at = now - timedelta(seconds=21)
        assert ledger.release_stale() == ""
        assert ledger.counts()["queued"] == 4
    finally:
        ledger.end()
    with app.database.session() as session:
        assert session.scalars(sa.select(LiveSender.holder)).all() == []  # the dead forgotten


def test_a_pause_never_signals_a_reused_pid() -> None:
    """The pause's signal goes to a sender's pid only while that pid is still the process
    that registered (same start time): another process that got the pid is left alone."""
    stranger = subprocess.Popen(["sleep", "30"])
    try:
        wake([(stranger.pid, "12345")])  # the start time of a sender long gone
        with pytest.raises(subprocess.TimeoutExpired):
            stranger.wait(0.5)  # still running
        wake([(stranger.pid, process_started(stranger.pid))])
        assert stranger.wait(10) == -signal.SIGUSR1
    finally:
        stranger.kill()
        stranger.wait()
