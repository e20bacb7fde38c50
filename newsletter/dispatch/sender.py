"""The parent of a send: claims ledger rows, feeds the sending processes, records outcomes.

Only this process talks to the database. It keeps a bounded number of claimed rows in
flight (so that a crash can resend at most those), records outcomes as they come back, and
beats every second in the table of live senders, taking its share of the relay's limits
(dispatch.share). It ends the send cleanly — its processes told to stop before their next
message, the rows they did not send handed back to the queue — when:

- the edition is paused: by an editor (the pause wakes the senders of this machine, which
  stop at once and wait for it to be committed, see dispatch.senders; others read the
  edition's state every 50 ms), or by the sender itself when a worker gives up or the
  error rate crosses the threshold;
- the relay stays unreachable for ``dispatch.relay_down_seconds``, or a sending process
  dies: the edition is paused, "interrompu : …", and the send can be resumed;
- the process is told to stop (SIGTERM, SIGINT): the edition stays ``sending`` and the
  next run resumes it.

Deferred rows are retried when due; the send ends when no row is left open.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, tzinfo
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from typing import Any, Protocol

from newsletter.db import utcnow
from newsletter.dispatch import worker
from newsletter.dispatch.controls import Controls
from newsletter.dispatch.report import ErrorWindow, Report
from newsletter.dispatch.share import HourUse, share
from newsletter.dispatch.tasks import Outcome, TaskRow
from newsletter.dispatch.watch import RelayWatch, Signals
from newsletter.settings import DispatchSettings

UNIT = 80  # tasks handed to a connection at a time, and reported back at once
CHECK = 0.05  # seconds between reads of the edition's state (a pause from another machine)
POLL = 0.05  # longest wait for the workers' reports before looking around again
IDLE = 0.5  # seconds between looks at the ledger while nothing can be claimed
HEARTBEAT = 1.0  # seconds between renewals in the table of live senders (and shares)
PROGRESS = 0.5  # seconds between progress reports (each counts the ledger's rows)
GRACE = 10.0  # seconds the sending processes have to finish their message once told to stop
WOKEN = 2.0  # seconds a woken sender waits, stopped, for the pause to be committed

Progress = Callable[[dict[str, int], str], None]  # counts, and what the send waits for


class Ledger(Protocol):
    """The recipient store a send works on (one edition): dispatch.edition_ledger."""

    def exchange(self, outcomes: list[Outcome], limit: int, now: datetime) -> list[TaskRow]: ...
    def release(self, delivery_ids: list[int]) -> None: ...
    def counts(self) -> dict[str, int]: ...
    def next_due(self) -> datetime | None: ...
    def paused(self) -> str | None: ...
    def pause(self, reason: str) -> None: ...
    def finish(self) -> None: ...
    def register(self, wakeable: bool) -> None: ...
    def heartbeat(self, sending: bool, note: str) -> int: ...
    def hour_use(self) -> HourUse: ...
    def release_stale(self) -> str: ...


def in_flight_limit(processes: int, connections: int) -> int:
    """Rows a sender holds claimed at most: all that a crash can cause to be sent twice.

    A unit for each connection, and one more ready in the queue, so that a connection
    that finishes its unit goes on at once while the parent records it and claims the next.
    """
    return (processes * connections + 1) * UNIT


class Sender:
    def __init__(
        self,
        ledger: Ledger,
        job: worker.Job,
        settings: DispatchSettings,
        processes: int,
        zone: tzinfo = UTC,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.ledger = ledger
        self.job = job
        self.settings = settings
        self.processes = processes
        self.zone = zone  # of the times editors read (the hourly quota's resumption)
        self.clock = clock
        self.in_flight: set[int] = set()  # ids of the rows claimed and not yet recorded
        self.recorded = 0  # answers of the relay recorded in the ledger
        self.relay = RelayWatch(settings.relay_down_seconds)
        self.idle = False  # nothing claimable: waiting for deferred rows or another sender
        self.notes = {"quota": "", "idle": ""}  # what the send waits for, if anything

    def run(self, on_progress: Progress | None = None, wait_deferred: float = 0.0) -> Report:
        """Send until nothing is left, the edition is paused, the send must stop, or
        deferred rows are not due within ``wait_deferred`` seconds."""
        context = multiprocessing.get_context("fork")
        connections = self.job.connections
        self.controls = Controls(context, self.processes * connections)
        self._tasks: Queue[Any] = context.Queue()
        results: Queue[Any] = context.Queue()
        with Signals(self.controls) as signals:
            self.ledger.register(signals.installed)
            workers = [
                context.Process(target=worker.run, daemon=True, args=(
                    self.job, self._tasks, results, os.getpid(), self.controls, n * connections))
                for n in range(self.processes)
            ]  # fmt: skip
            for process in workers:
                process.start()
            try:
                report = self._loop(results, workers, signals, on_progress, wait_deferred)
            finally:
                self._stop(results, workers)
        report.counts = report.counts or self.ledger.counts()
        return report

    def _loop(
        self,
        results: Queue[Any],
        workers: Sequence[BaseProcess],
        signals: Signals,
        on_progress: Progress | None,
        wait_deferred: float,
    ) -> Report:
        received: list[Outcome] = []
        window = ErrorWindow(self.settings.error_window)
        beat = checked = progressed = float("-inf")
        while True:
            now = time.monotonic()
            if now - beat >= HEARTBEAT:
                self._heartbeat()
                beat = now
            look = signals.woken or now - checked >= CHECK
            checked = now if look else checked
            ending = self._ending(signals, workers, look, now)
            self._exchange(received, claim=ending is None and not signals.woken)
            received = []
            if ending is not None:
                return ending
            if on_progress and now - progressed >= PROGRESS:
                on_progress(self.ledger.counts(), self._note(now))
                progressed = now
            self.idle = not self.in_flight
            if self.idle:
                report = self._idle(wait_deferred)
                if report is not None:
                    return report
                continue
            self.notes["idle"] = ""
            received, problem = self._collect(results, window)
            if problem:  # record what came back, claim nothing more
                self._exchange(received, claim=False)
                self.ledger.pause(problem)
                return Report("paused", {}, problem)

    def _ending(
        self, signals: Signals, workers: Sequence[BaseProcess], look: bool, now: float
    ) -> Report | None:
        """Why the send must end now, if it must."""
        if signals.interrupted:
            return Report("interrupted", {}, signals.interrupted)
        if look:
            paused = self.ledger.paused()
            if paused is not None:
                return Report("paused", {}, paused)
            if signals.woken and now - signals.woken_at > WOKEN:  # no pause came: go on
                signals.woken = False
                self.controls.go_on()
        self.relay.answered(self.controls.answered())
        dead = [process.exitcode for process in workers if process.exitcode not in (None, 0)]
        if dead:
            reason = f"un processus d’envoi s’est arrêté (code {dead[0]})"
        elif self.relay.down(now):
            reason = f"relais injoignable ({self.relay.reason})"
        else:
            return None
        self.ledger.pause(f"interrompu : {reason}")
        return Report("interrupted", {}, reason)

    def _heartbeat(self) -> None:
        """Renew this sender's row and take its share of the rates, as senders come and go."""
        senders = self.ledger.heartbeat(not self.idle, self._note(time.monotonic()))
        hour = self.ledger.hour_use() if self.settings.rate_per_hour else None
        answered = self.controls.answered()
        given = share(self.settings, senders, self.processes, hour, answered,
                      answered - self.recorded, self.zone)  # fmt: skip
        self.controls.set_share(given.per_second, given.allowed)
        self.notes["quota"] = given.note

    def _note(self, now: float) -> str:
        return self.relay.note(now) or self.notes["quota"] or self.notes["idle"]

    def _exchange(self, outcomes: list[Outcome], claim: bool) -> None:
        """Record ``outcomes`` and, in the same transaction, claim rows into the room they
        leave, by whole units: claimed and unrecorded rows never exceed the in-flight limit."""
        room = in_flight_limit(self.processes, self.job.connections) - len(self.in_flight)
        room += len(outcomes)
        least = min(UNIT, self.settings.batch_size)
        limit = min(room, self.settings.batch_size) if claim and room >= least else 0
        if not outcomes and not limit:
            return
        claimed = self.ledger.exchange(outcomes, limit, self.clock())
        self.recorded += sum(1 for outcome in outcomes if outcome.status != "retry")
        self.in_flight.difference_update(outcome.delivery_id for outcome in outcomes)
        self.in_flight.update(task[0] for task in claimed)
        for start in range(0, len(claimed), UNIT):
            self._tasks.put(claimed[start : start + UNIT])

    def _idle(self, wait_deferred: float) -> Report | None:
        """Nothing claimable now: finished, rows held by another (or a dead) sender, or
        deferred rows to wait for."""
        counts = self.ledger.counts()
        if not any(counts[status] for status in ("queued", "sending", "deferred")):
            self.ledger.finish()
            return Report("sent", counts)
        if counts["sending"] or counts["queued"]:
            self.notes["idle"] = self.ledger.release_stale()  # a dead sender's rows come back
            time.sleep(IDLE)
            return None
        due = self.ledger.next_due()
        delay = (due - self.clock()).total_seconds() if due else 0.0
        if delay > wait_deferred:
            assert due is not None
            return Report("waiting", {}, f"reprise à {due.isoformat(timespec='seconds')}")
        if due is not None:
            at = due.astimezone(self.zone)
            self.notes["idle"] = f"messages différés : nouvel essai à {at:%H:%M:%S}"
        time.sleep(min(max(delay, 0) + 0.01, IDLE))
        return None

    def _collect(self, results: Queue[Any], window: ErrorWindow) -> tuple[list[Outcome], str]:
        """What the workers reported (waiting up to POLL for it), and why the send must
        pause now ("" when it may go on): a worker gave up, or too many errors."""
        try:
            received = [results.get(timeout=POLL)]
        except queue.Empty:
            return [], ""
        while True:  # whatever else has arrived is recorded in the same transaction
            try:
                received.append(results.get_nowait())
            except queue.Empty:
                break
        now = time.monotonic()
        for notice in received:
            if isinstance(notice, worker.Trouble):
                self.relay.trouble(notice, now)
        outcomes = [o for message in received if isinstance(message, list) for o in message]
        fatal = [message for message in received if isinstance(message, worker.Fatal)]
        if fatal:
            return outcomes, fatal[0].message
        rate = window.add([outcome for outcome in outcomes if outcome.status != "retry"])
        if rate > self.settings.error_rate_threshold:
            return outcomes, (
                f"taux d'erreur de {rate:.0%} sur les {window.size} derniers messages "
                f"(seuil {self.settings.error_rate_threshold:.0%}) : envoi mis en pause"
            )
        return outcomes, ""

    def _stop(self, results: Queue[Any], workers: Sequence[BaseProcess]) -> None:
        """Stop the sending processes before their next message, record what they still
        report, then hand the rows they did not send back to the queue. A process still busy
        after GRACE seconds (a relay that hangs) is killed: its message may have gone."""
        self.controls.stop()
        for _ in range(self.processes * self.job.connections):
            self._tasks.put(worker.STOP)
        deadline = time.monotonic() + GRACE
        while time.monotonic() < deadline and (
            any(process.is_alive() for process in workers) or not results.empty()
        ):
            try:
                received = results.get(timeout=POLL)
            except queue.Empty:
                continue
            if isinstance(received, list):
                self._exchange(received, claim=False)
        for process in workers:
            if process.is_alive():
                process.kill()
            process.join()
        self._tasks.cancel_join_thread()  # tasks no process will read any more
        if self.in_flight:
            self.ledger.release(list(self.in_flight))
            self.in_flight.clear()
