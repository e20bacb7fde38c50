"""The scheduler sends: in processes of its own, started in the background; an automatic
edition goes out once at its time; a send killed mid-way is resumed by the next `send_due`
run with no one missed; a real scheduler sends, gives up on a dead relay, and stops on
SIGTERM leaving a resumable ledger."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from jobs import send_due
from jobs.runner import Runner
from newsletter.app import App
from newsletter.db import utcnow
from newsletter.dispatch.ledger import Delivery, LiveSender
from newsletter.editions.store import EditionStore
from newsletter.services.sending import status
from tests import commands
from tests.conftest import ON_SQLITE
from tests.dispatching import (
    IN_FLIGHT,
    Wired,
    address,
    crashable,
    populate,
    start_send,
    wire,
)
from tests.polling import wait_until
from tests.smtp_server import SmtpTestServer, free_port

__all__ = ["crashable", "wire"]  # fixtures
OFTEN = {"scheduler": {"send_every_minutes": 0.05, "lease_seconds": 5}}  # send_due every 3 s


def received(server: SmtpTestServer) -> Counter[str]:
    return Counter(rcpt for message in server.messages for rcpt in message.recipients)


def due_now(app: App, tmp_path: Path, recipients: int) -> int:
    """An edition approved for now (the scheduler's own clock will find it due); its id."""
    edition_id = populate(app, tmp_path, recipients, approve=False)
    with app.database.session() as session:
        store = EditionStore(session)
        edition = store.get(edition_id)
        edition.send_at = utcnow() - timedelta(seconds=5)
        store.approve(edition, app.publishing.live_view(session, edition), "tests")
    return edition_id


def rows_by_status(app: App, edition_id: int) -> dict[str, int]:
    with app.database.session() as session:
        found = session.execute(
            sa.select(Delivery.status, sa.func.count())
            .where(Delivery.edition_id == edition_id)
            .group_by(Delivery.status)
        )
        return {status: count for status, count in found}


def test_automatic_edition_goes_out_once_at_its_time(
    wire: Callable[..., Wired],
    smtp_server: SmtpTestServer,
    project_config: dict[str, object],
    tmp_path: Path,
) -> None:
    """Before its time nothing goes; at its time the draft is approved and its send started
    in the background (the job returns at once); a run meanwhile says it is already being
    sent, as information; later runs send nothing more."""
    newsletters = project_config["newsletters"]
    assert isinstance(newsletters, dict)
    automatic = newsletters | {"lettre": newsletters["lettre"] | {"automatic": True}}
    wired = wire(sections={"newsletters": automatic}, rate_per_second=6).app
    edition_id = populate(wired, tmp_path, 12, approve=False)
    with wired.database.session() as session:
        send_at = EditionStore(session).get(edition_id).send_at
    assert send_due.run(wired, send_at - timedelta(minutes=1)) == "rien à envoyer"
    assert smtp_server.messages == []
    started = send_due.run(wired, send_at + timedelta(minutes=1))
    assert started.startswith(f"édition {edition_id} : envoi lancé")
    assert len(smtp_server.messages) < 12  # the job did not wait for the send
    again = send_due.run(wired, send_at + timedelta(minutes=1, seconds=1))
    assert again.startswith(f"édition {edition_id} : envoi déjà en cours")
    assert wired.background_sends.wait(edition_id, 60) == 0
    assert send_due.run(wired, send_at + timedelta(minutes=2)) == "rien à envoyer"
    assert set(received(smtp_server).values()) == {1} and len(received(smtp_server)) == 12
    edition, counts = status(wired.database, edition_id)
    assert edition.state == "sent" and counts["sent"] == 12


def test_interrupted_send_is_resumed_by_the_scheduler(
    wire: Callable[..., Wired],
    crashable: tuple[Path, int, dict[str, str]],
    smtp_server: SmtpTestServer,
) -> None:
    """A send killed -9 half-way is finished by the send `send_due` starts; nobody is
    missed."""
    _, edition_id, env = crashable
    sender = start_send(edition_id, env)
    wait_until(lambda: len(smtp_server.messages) >= 100 or sender.poll() is not None, 60)
    os.killpg(sender.pid, signal.SIGKILL)
    sender.wait(10)
    wired = wire().app
    with wired.database.session() as session:
        send_at = EditionStore(session).get(edition_id).send_at
    assert "envoi lancé" in send_due.run(wired, send_at + timedelta(minutes=5))
    assert wired.background_sends.wait(edition_id, 120) == 0
    counts = received(smtp_server)
    assert set(counts) == {address(n) for n in range(300)}
    assert sum(c - 1 for c in counts.values()) <= IN_FLIGHT
    assert status(wired.database, edition_id)[0].state == "sent"


def test_a_real_scheduler_sends_from_its_own_process(
    wire: Callable[..., Wired], smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """The scheduler (a real BackgroundScheduler, jobs stored in the test database) sends
    the edition due: its send runs in a process started for it, never forked from the
    scheduler's threads, and everyone gets one message."""
    wired = wire(sections=OFTEN).app
    edition_id = due_now(wired, tmp_path, 30)
    stop = threading.Event()
    serving = threading.Thread(target=Runner(wired).serve, args=(stop,))
    serving.start()
    try:
        wait_until(lambda: status(wired.database, edition_id)[0].state == "sent", 90)
        # "sent" is recorded before the process writes its last line and ends; stopping the
        # scheduler now would ask it to stop.
        assert wired.background_sends.wait(edition_id, 60) == 0
    finally:
        stop.set()
        serving.join(60)
    assert not serving.is_alive()
    assert set(received(smtp_server).values()) == {1} and len(received(smtp_server)) == 30
    log = wired.background_sends.log(edition_id).read_text(encoding="utf-8")
    assert f"Édition {edition_id} — envoi terminé" in log


@contextmanager
def scheduler(wired: Wired, log: Path) -> Iterator[commands.Command]:
    """`newsletter scheduler` as a service runs it (its own session, its sends started as
    `python -m newsletter`); killed at the end if still there."""
    process = commands.start(["scheduler"], wired.env, log, merged=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@ON_SQLITE  # about the relay or a signal, not the database
def test_scheduled_send_gives_up_on_a_dead_relay(
    wire: Callable[..., Wired], tmp_path: Path
) -> None:
    """Relay closed: the send the scheduler started ends by itself within
    `dispatch.relay_down_seconds`, with one French line in its log, the edition paused
    with the reason and every row back in the queue; the scheduler logs no error."""
    wired = wire(port=free_port(), sections=OFTEN, relay_down_seconds=3)
    edition_id = due_now(wired.app, tmp_path, 40)
    log = tmp_path / "scheduler.log"
    sends_log = wired.app.background_sends.log(edition_id)

    def given_up() -> bool:
        # The send records the pause, then writes its last line and ends: the scheduler is
        # stopped after that, or it would stop the send first (SIGTERM to its sends).
        said = sends_log.read_text(encoding="utf-8") if sends_log.exists() else ""
        return "Erreur" in said and status(wired.app.database, edition_id)[0].state == "paused"

    with scheduler(wired, log) as process:
        wait_until(given_up, 60)
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(40) == 0
    edition, _ = status(wired.app.database, edition_id)
    assert edition.held_reason.startswith("interrompu : relais injoignable (127.0.0.1:")
    assert "connexion refusée" in edition.held_reason
    assert rows_by_status(wired.app, edition_id) == {"queued": 40}
    sent_log = sends_log.read_text(encoding="utf-8")
    errors = [line for line in sent_log.splitlines() if line.startswith("Erreur")]
    assert len(errors) == 1 and "relais injoignable" in errors[0] and "--resume" in errors[0]
    said = log.read_text(encoding="utf-8")
    assert "envoi lancé" in said and "outcome=error" not in said and "Traceback" not in said


@ON_SQLITE  # about the relay or a signal, not the database
def test_sigterm_stops_the_scheduler_and_its_send_in_bounded_time(
    wire: Callable[..., Wired], tmp_path: Path
) -> None:
    """SIGTERM while the send the scheduler started waits for a dead relay: the scheduler
    and the send stop within the documented time (STOP_GRACE), the rows go back to the
    queue and the edition stays `sending`, for the next run to resume."""
    wired = wire(port=free_port(), sections=OFTEN, relay_down_seconds=600)
    edition_id = due_now(wired.app, tmp_path, 40)

    def retrying() -> bool:
        with wired.app.database.session() as session:
            notes = session.scalars(sa.select(LiveSender.note)).all()
        return any("relais injoignable" in note for note in notes)

    log = tmp_path / "scheduler.log"
    with scheduler(wired, log) as process:
        wait_until(retrying, 60)
        stopped = time.monotonic()
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(40) == 0
        assert time.monotonic() - stopped < 25  # Runner.STOP_GRACE + a few seconds
    assert status(wired.app.database, edition_id)[0].state == "sending"
    assert rows_by_status(wired.app, edition_id) == {"queued": 40}
    with wired.app.database.session() as session:
        assert session.scalars(sa.select(LiveSender)).all() == []
    sent_log = wired.app.background_sends.log(edition_id).read_text(encoding="utf-8")
    assert "envoi interrompu (arrêt demandé (SIGTERM))" in sent_log
    assert "Traceback" not in log.read_text(encoding="utf-8")
