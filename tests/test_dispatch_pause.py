"""Pause that stops, on a real send in a process of its own: the messages after the pause
are bounded whatever the list size, the rows not sent go back to the queue, the send
resumes where it stopped; SIGTERM ends a send cleanly, leaving it to resume."""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from newsletter.db import Database
from newsletter.dispatch.ledger import Delivery, LiveSender
from newsletter.editions.store import EditionStore
from newsletter.services.sending import pause, status
from tests.conftest import ON_SQLITE
from tests.dispatching import Wired, address, populate, start_send, wire
from tests.polling import wait_until
from tests.smtp_server import SmtpTestServer

__all__ = ["wire"]  # a fixture
RECIPIENTS = 300
SESSIONS = 4  # 2 processes × 2 connections


def sending_with(wire: Callable[..., Wired], tmp_path: Path, rate: float) -> tuple[Wired, int]:
    wired = wire(processes=2, concurrency=SESSIONS, rate_per_second=rate)
    return wired, populate(wired.app, tmp_path, RECIPIENTS)


def left_claimed(database: Database, edition_id: int) -> int:
    """Rows still held by a sender, and senders still registered: 0 after a clean end."""
    with database.session() as session:
        sending = session.scalar(
            sa.select(sa.func.count()).where(
                Delivery.edition_id == edition_id, Delivery.status == "sending"
            )
        )
        senders = session.scalar(sa.select(sa.func.count()).select_from(LiveSender))
    return int(sending or 0) + int(senders or 0)


def resume_to_the_end(wired: Wired, edition_id: int, smtp_server: SmtpTestServer) -> None:
    """The send resumed ends sent, every recipient having exactly one message."""
    again = start_send(edition_id, wired.env)
    assert again.wait(120) == 0, again.stderr.read() if again.stderr else ""
    received = Counter(rcpt for message in smtp_server.messages for rcpt in message.recipients)
    assert received == Counter({address(n): 1 for n in range(RECIPIENTS)})
    assert status(wired.app.database, edition_id)[0].state == "sent"


def test_pause_stops_the_send_at_once_and_resume_goes_on(
    wire: Callable[..., Wired], smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """Paused by an editor on this machine, a send hands over at most one more message per
    SMTP session (those under way); its rows go back to the queue and the resumed send
    gives everyone exactly one message."""
    wired, edition_id = sending_with(wire, tmp_path, rate=150)
    sender = start_send(edition_id, wired.env)
    wait_until(lambda: len(smtp_server.messages) >= 60 or sender.poll() is not None, 60)
    pause(wired.app.database, edition_id)
    recorded = len(smtp_server.messages)
    assert sender.wait(30) == 1  # paused
    assert len(smtp_server.messages) - recorded <= SESSIONS
    edition, counts = status(wired.app.database, edition_id)
    assert edition.state == "paused" and edition.held_reason == "mise en pause par un éditeur"
    assert counts["sent"] == len(smtp_server.messages) < RECIPIENTS
    assert left_claimed(wired.app.database, edition_id) == 0
    resume_to_the_end(wired, edition_id, smtp_server)


def test_pause_from_another_machine_is_read_from_the_database(
    wire: Callable[..., Wired], smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """A pause recorded where no signal can reach the sender (another machine) stops it at
    its next look at the edition (every 50 ms): at 100 messages a second, a handful more."""
    wired, edition_id = sending_with(wire, tmp_path, rate=100)
    sender = start_send(edition_id, wired.env)
    wait_until(lambda: len(smtp_server.messages) >= 60 or sender.poll() is not None, 60)
    with wired.app.database.session() as session:  # the database alone, as from elsewhere
        store = EditionStore(session)
        store.pause(store.get(edition_id), "mise en pause depuis une autre machine")
    recorded = len(smtp_server.messages)
    assert sender.wait(30) == 1
    assert len(smtp_server.messages) - recorded <= 20
    assert left_claimed(wired.app.database, edition_id) == 0
    resume_to_the_end(wired, edition_id, smtp_server)


@ON_SQLITE  # about the relay or a signal, not the database
def test_sigterm_ends_the_send_cleanly(
    wire: Callable[..., Wired], smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """SIGTERM (systemd stopping a service) ends the send with one French line: the rows
    not sent go back to the queue, the edition stays `sending` for the next run, which
    gives everyone exactly one message."""
    wired, edition_id = sending_with(wire, tmp_path, rate=150)
    sender = start_send(edition_id, wired.env)
    wait_until(lambda: len(smtp_server.messages) >= 60 or sender.poll() is not None, 60)
    os.killpg(sender.pid, signal.SIGTERM)  # the whole group, as systemd does
    assert sender.wait(30) == 1
    error = sender.stderr.read().decode() if sender.stderr else ""
    assert error.count("\n") == 1 and error.startswith(f"Erreur : édition {edition_id} — ")
    assert "envoi interrompu (arrêt demandé (SIGTERM))" in error and "--resume" in error
    assert status(wired.app.database, edition_id)[0].state == "sending"
    assert left_claimed(wired.app.database, edition_id) == 0
    resume_to_the_end(wired, edition_id, smtp_server)
