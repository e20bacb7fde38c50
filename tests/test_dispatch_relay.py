"""Sends that always end or progress: a relay closed from the start ends the send within
`dispatch.relay_down_seconds` with one French line and a resumable ledger; a relay down
then back mid-send is waited for, saying so, and the send completes; a sending process that
dies ends the send cleanly."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from newsletter.dispatch.ledger import Delivery, LiveSender
from newsletter.dispatch.sender import in_flight_limit
from newsletter.services.sending import status
from tests import commands
from tests.conftest import ON_SQLITE
from tests.dispatching import Wired, address, populate, start_send, wire
from tests.polling import wait_until
from tests.smtp_server import SmtpTestServer, quiet_port

__all__ = ["wire"]  # a fixture
RECIPIENTS = 300


def received(server: SmtpTestServer) -> Counter[str]:
    return Counter(rcpt for message in server.messages for rcpt in message.recipients)


def rows_by_status(wired: Wired, edition_id: int) -> dict[str, int]:
    with wired.app.database.session() as session:
        found = session.execute(
            sa.select(Delivery.status, sa.func.count())
            .where(Delivery.edition_id == edition_id)
            .group_by(Delivery.status)
        )
        return {status: count for status, count in found}


@ON_SQLITE  # about the relay or a signal, not the database
def test_closed_relay_ends_the_send_in_time(wire: Callable[..., Wired], tmp_path: Path) -> None:
    """With the relay closed from the start, `edition send` ends by itself once the relay
    has been unreachable for `dispatch.relay_down_seconds`: exit 1, one French line saying
    why and how to resume, the edition paused with the reason, every row back in the
    queue; once the relay is back, the resumed send reaches everyone once."""
    port = quiet_port()
    wired = wire(port=port, relay_down_seconds=3)
    edition_id = populate(wired.app, tmp_path, 40)
    started = time.monotonic()
    sender = start_send(edition_id, wired.env)
    assert sender.wait(60) == 1
    assert time.monotonic() - started < 3 + 20  # the setting, and the command's start-up
    error = sender.stderr.read().decode() if sender.stderr else ""
    assert error.count("\n") == 1, error
    assert error.startswith(f"Erreur : édition {edition_id} — envoi interrompu (relais "
                            f"injoignable (127.0.0.1:{port} : connexion refusée))")  # fmt: skip
    assert error.rstrip().endswith(f"(reprise : `newsletter edition send {edition_id} --resume`)")
    edition, _ = status(wired.app.database, edition_id)
    assert edition.state == "paused"
    assert edition.held_reason == (
        f"interrompu : relais injoignable (127.0.0.1:{port} : connexion refusée)"
    )
    assert rows_by_status(wired, edition_id) == {"queued": 40}
    with wired.app.database.session() as session:
        assert session.scalars(sa.select(LiveSender)).all() == []
    with SmtpTestServer(port=port) as relay:
        again = start_send(edition_id, wired.env)
        assert again.wait(60) == 0
        assert received(relay) == Counter({address(n): 1 for n in range(40)})


@ON_SQLITE  # about the relay or a signal, not the database
def test_relay_down_then_back_is_waited_for(wire: Callable[..., Wired], tmp_path: Path) -> None:
    """The relay stops in the middle of a send: the sender says it is waiting for it
    ("relais injoignable, nouvel essai dans N s": its progress, `edition status`), and once
    the relay is back the send completes with nobody missed (only messages cut at that
    instant may arrive twice)."""
    relay = SmtpTestServer(port=quiet_port()).start()
    try:
        wired = wire(port=relay.port, processes=2, concurrency=4, rate_per_second=100,
                     relay_down_seconds=60)  # fmt: skip
        edition_id = populate(wired.app, tmp_path, RECIPIENTS)
        sender = start_send(edition_id, wired.env)
        wait_until(lambda: len(relay.messages) >= 60 or sender.poll() is not None, 60)
        relay.stop()
        wait_until(lambda: any(note.startswith("relais injoignable, nouvel essai dans ")
                               for note in notes(wired)), 30)  # fmt: skip
        shown_status = commands.run(["edition", "status", str(edition_id)],
                              wired.env | {"COLUMNS": "200"})  # fmt: skip
        assert shown_status.returncode == 0, shown_status.stderr
        shown = shown_status.stdout
        assert "Envoyée par " in shown and " : relais injoignable, nouvel essai dans " in shown
        time.sleep(1)
        relay.start()
        assert sender.wait(60) == 0
    finally:
        relay.stop()
    assert status(wired.app.database, edition_id)[1]["sent"] == RECIPIENTS
    counts = received(relay)
    assert set(counts) == {address(n) for n in range(RECIPIENTS)}
    assert sum(counts.values()) - RECIPIENTS <= 4  # one per session, cut at that instant


def notes(wired: Wired) -> list[str]:
    """What the live senders say they wait for."""
    with wired.app.database.session() as session:
        return list(session.scalars(sa.select(LiveSender.note)))


def test_a_dead_sending_process_ends_the_send_cleanly(
    wire: Callable[..., Wired], smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """A sending process killed mid-send (out of memory, a crash) does not leave the send
    waiting for it: the send ends, the edition paused with the reason and its rows back in
    the queue; resumed, everyone gets the edition, at most the rows it held twice."""
    wired = wire(processes=2, concurrency=4, rate_per_second=150)
    edition_id = populate(wired.app, tmp_path, RECIPIENTS)

    def crash() -> None:
        wait_until(lambda: len(smtp_server.messages) >= 60, 60)
        os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)

    killer = threading.Thread(target=crash)
    killer.start()
    report = wired.app.sending.send(edition_id)
    killer.join()
    assert report.state == "interrupted"
    assert report.reason == "un processus d’envoi s’est arrêté (code -9)"
    edition, _ = status(wired.app.database, edition_id)
    assert edition.state == "paused" and edition.held_reason.startswith("interrompu : ")
    assert "sending" not in rows_by_status(wired, edition_id)
    assert wired.app.sending.send(edition_id).state == "sent"
    counts = received(smtp_server)
    assert set(counts) == {address(n) for n in range(RECIPIENTS)}
    assert sum(counts.values()) - RECIPIENTS <= in_flight_limit(2, 2)
