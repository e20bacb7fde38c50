"""The parent of a send: claims ledger rows, feeds the sending processes, records outcomes.

Only this process talks to the database. It keeps a bounded number of claimed rows in
flight (so that a crash can resend at most those), records outcomes as they come back, and
stops claiming when the edition is paused (by an editor, or by itself when the error rate
crosses the threshold). Deferred rows are retried when due; the send ends when no row is
left open.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.queues import Queue
from typing import Any, Protocol

from newsletter.db import utcnow
from newsletter.dispatch import worker
from newsletter.dispatch.ledger import STATUSES
from newsletter.dispatch.tasks import Outcome, TaskRow
from newsletter.settings import DispatchSettings

UNIT = 80  # tasks handed to a connection at a time, and reported back at once
CHECK = 0.5  # seconds between checks that an editor has not paused the edition
POLL = 0.25  # seconds between checks of the edition's state while waiting
PROGRESS = 0.5  # seconds between progress reports (each counts the ledger's rows)


class Ledger(Protocol):
    """The recipient store a send works on (one edition): dispatch.edition_ledger."""

    def exchange(self, outcomes: list[Outcome], limit: int, now: datetime) -> list[TaskRow]: ...
    def release(self, delivery_ids: list[int]) -> None: ...
    def counts(self) -> dict[str, int]: ...
    def next_due(self) -> datetime | None: ...
    def paused(self) -> bool: ...
    def pause(self, reason: str) -> None: ...
    def finish(self) -> None: ...
    def heartbeat(self) -> bool: ...
    def release_stale(self, now: datetime) -> None: ...


@dataclass
class Report:
    """How a run ended: ``sent`` (nothing left), ``paused`` or ``waiting`` (deferred left)."""

    state: str
    counts: dict[str, int]
    reason: str = ""

    def describe(self) -> str:
        """In French, for editors: how it ended, why, and the counts."""
        outcome = {"sent": "envoi terminé", "paused": "envoi en pause",
                   "waiting": "messages différés en attente"}[self.state]  # fmt: skip
        reason = f" ({self.reason})" if self.reason else ""
        return f"{outcome}{reason} : {counts_text(self.counts)}"


def counts_text(counts: dict[str, int]) -> str:
    shown = ("sent", "deferred", "failed", "skipped")
    return ", ".join(f"{counts.get(key, 0)} {STATUSES[key]}" for key in shown)


def in_flight_limit(processes: int, connections: int) -> int:
    """Rows a sender holds claimed at most: all that a crash can cause to be sent twice.

    A unit for each connection, and one more ready in the queue, so that a connection
    that finishes its unit goes on at once while the parent records it and claims the next.
    """
    return (processes * connections + 1) * UNIT


class _Window:
    """Outcomes of the last ``size`` messages, for the error rate."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.failures: deque[bool] = deque(maxlen=size)

    def add(self, outcomes: list[Outcome]) -> float:
        """Count these outcomes; the share of failures once ``size`` are known, else 0."""
        self.failures.extend(outcome.status in ("failed", "deferred") for outcome in outcomes)
        return sum(self.failures) / self.size if len(self.failures) == self.size else 0.0


class Sender:
    def __init__(
        self,
        ledger: Ledger,
        job: worker.Job,
        settings: DispatchSettings,
        processes: int,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.ledger = ledger
        self.job = job
        self.settings = settings
        self.processes = processes
        self.clock = clock

    def run(
        self,
        on_progress: Callable[[dict[str, int]], None] | None = None,
        wait_deferred: float = 0.0,
    ) -> Report:
        """Send until nothing is left, the edition is paused, or deferred rows are not due
        within ``wait_deferred`` seconds."""
        context = multiprocessing.get_context("fork")
        tasks, results = context.Queue(), context.Queue()
        self._tasks = tasks
        workers = [
            context.Process(
                target=worker.run, args=(self.job, tasks, results, os.getpid()), daemon=True
            )
            for _ in range(self.processes)
        ]
        for process in workers:
            process.start()
        in_flight: set[int] = set()  # ids of the rows claimed and not yet recorded
        received: list[Outcome] = []  # reported, recorded at the next exchange
        window = _Window(self.settings.error_window)
        report: Report | None = None
        beat = checked = progressed = time.monotonic()
        try:
            while report is None:
                if time.monotonic() - beat > self.settings.lease_seconds / 3:
                    self.ledger.heartbeat()
                    beat = time.monotonic()
                paused = False
                if time.monotonic() - checked > CHECK:
                    checked = time.monotonic()
                    paused = self.ledger.paused()
                self._exchange(received, in_flight, claim=not paused)
                if paused:
                    report = Report("paused", {})
                    break
                if on_progress and received and time.monotonic() - progressed > PROGRESS:
                    on_progress(self.ledger.counts())
                    progressed = time.monotonic()
                received = []
                if not in_flight:
                    report = self._idle(wait_deferred)
                    continue
                received, problem = self._collect(results, window)
                if problem:  # record what came back, claim nothing more
                    self._exchange(received, in_flight, claim=False)
                    self.ledger.pause(problem)
                    report = Report("paused", {}, problem)
        finally:
            for _ in range(self.processes * self.job.connections):
                tasks.put(worker.STOP)
            self._drain(results, in_flight, workers)
            if in_flight:
                self.ledger.release(list(in_flight))
        report.counts = report.counts or self.ledger.counts()
        return report

    def _exchange(self, outcomes: list[Outcome], in_flight: set[int], claim: bool) -> None:
        """Record ``outcomes`` and, in the same transaction, claim rows into the room they
        leave, by whole units: claimed and unrecorded rows never exceed the in-flight limit."""
        room = in_flight_limit(self.processes, self.job.connections) - len(in_flight)
        room += len(outcomes)
        least = min(UNIT, self.settings.batch_size)
        limit = min(room, self.settings.batch_size) if claim and room >= least else 0
        if not outcomes and not limit:
            return
        claimed = self.ledger.exchange(outcomes, limit, self.clock())
        in_flight.difference_update(outcome.delivery_id for outcome in outcomes)
        in_flight.update(task[0] for task in claimed)
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
            self.ledger.release_stale(self.clock())  # a dead sender's rows come back
            time.sleep(POLL)
            return None
        due = self.ledger.next_due()
        delay = (due - self.clock()).total_seconds() if due else 0.0
        if delay > wait_deferred:
            assert due is not None
            return Report("waiting", {}, f"reprise à {due.isoformat(timespec='seconds')}")
        time.sleep(max(delay, 0) + 0.01)
        return None

    def _collect(
        self,
        results: Queue[Any],
        window: _Window,
    ) -> tuple[list[Outcome], str]:
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
        outcomes = [o for message in received if isinstance(message, list) for o in message]
        fatal = [message for message in received if isinstance(message, worker.Fatal)]
        if fatal:
            return outcomes, fatal[0].message
        rate = window.add(outcomes)
        if rate > self.settings.error_rate_threshold:
            return outcomes, (
                f"taux d'erreur de {rate:.0%} sur les {window.size} derniers messages "
                f"(seuil {self.settings.error_rate_threshold:.0%}) : envoi mis en pause"
            )
        return outcomes, ""

    def _drain(
        self,
        results: Queue[Any],
        in_flight: set[int],
        workers: Sequence[multiprocessing.process.BaseProcess],
    ) -> None:
        """Record what the workers still report while they finish their batches."""
        while any(process.is_alive() for process in workers) or not results.empty():
            try:
                received = results.get(timeout=POLL)
            except queue.Empty:
                continue
            if isinstance(received, list):
                self._exchange(received, in_flight, claim=False)
        for process in workers:
            process.join()
