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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from newsletter.db import utcnow
from newsletter.dispatch import worker
from newsletter.dispatch.ledger import STATUSES
from newsletter.dispatch.store import Outcome, Task
from newsletter.settings import DispatchSettings

UNIT = 20  # tasks handed to a connection at a time
DEPTH = 3  # units claimed ahead per connection: workers never wait for the database
CHECK = 0.5  # seconds between checks that an editor has not paused the edition
POLL = 0.25  # seconds between checks of the edition's state while waiting


class Ledger(Protocol):
    """The recipient store a send works on (one edition): dispatch.edition_ledger."""

    def claim(self, limit: int, now: datetime) -> list[Task]: ...
    def record(self, outcomes: list[Outcome], now: datetime) -> None: ...
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
    """Rows a sender holds claimed at most: all that a crash can cause to be sent twice."""
    return processes * connections * UNIT * DEPTH


@dataclass
class _Window:
    """Outcomes of the last ``size`` messages, for the error rate."""

    size: int
    outcomes: deque[bool] = field(default_factory=deque)

    def add(self, failed: bool) -> float:
        self.outcomes.append(failed)
        if len(self.outcomes) > self.size:
            self.outcomes.popleft()
        full = len(self.outcomes) == self.size
        return sum(self.outcomes) / self.size if full else 0.0


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
        self._queue = tasks
        workers = [
            context.Process(
                target=worker.run, args=(self.job, tasks, results, os.getpid()), daemon=True
            )
            for _ in range(self.processes)
        ]
        for process in workers:
            process.start()
        in_flight: dict[int, Task] = {}
        window = _Window(self.settings.error_window)
        capacity = in_flight_limit(self.processes, self.job.connections)
        report: Report | None = None
        beat = checked = time.monotonic()
        try:
            while report is None:
                if time.monotonic() - beat > self.settings.lease_seconds / 3:
                    self.ledger.heartbeat()
                    beat = time.monotonic()
                if time.monotonic() - checked > CHECK:
                    checked = time.monotonic()
                    if self.ledger.paused():
                        report = Report("paused", {})
                        break
                if len(in_flight) <= capacity * 2 // 3:  # claim in large bites: fewer queries
                    for task in self._claim(capacity - len(in_flight)):
                        in_flight[task.delivery_id] = task
                if not in_flight:
                    report = self._idle(wait_deferred)
                    continue
                report = self._collect(results, in_flight, window, on_progress)
        finally:
            for _ in range(self.processes * self.job.connections):
                tasks.put(worker.STOP)
            self._drain(results, in_flight, workers)
            if in_flight:
                self.ledger.release(list(in_flight))
        report.counts = self.ledger.counts()
        return report

    def _claim(self, room: int) -> list[Task]:
        claimed = self.ledger.claim(min(room, self.settings.batch_size), self.clock())
        for start in range(0, len(claimed), UNIT):
            self._queue.put(claimed[start : start + UNIT])
        return claimed

    def _idle(self, wait_deferred: float) -> Report | None:
        """Nothing claimable now: finished, rows held by another (or a dead) sender, or
        deferred rows to wait for."""
        counts = self.ledger.counts()
        if not any(counts[status] for status in ("queued", "sending", "deferred")):
            self.ledger.finish()
            return Report("sent", {})
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
        results: multiprocessing.Queue,  # type: ignore[type-arg]
        in_flight: dict[int, Task],
        window: _Window,
        on_progress: Callable[[dict[str, int]], None] | None,
    ) -> Report | None:
        try:
            received = [results.get(timeout=POLL)]
        except queue.Empty:
            return None
        while True:  # whatever else has arrived is recorded in the same transaction
            try:
                received.append(results.get_nowait())
            except queue.Empty:
                break
        fatal = [message for message in received if isinstance(message, worker.Fatal)]
        outcomes = [o for message in received if isinstance(message, list) for o in message]
        self.ledger.record(outcomes, self.clock())
        if fatal:
            self.ledger.pause(fatal[0].message)
            return Report("paused", {}, fatal[0].message)
        rate = 0.0
        for outcome in outcomes:
            in_flight.pop(outcome.delivery_id, None)
            rate = window.add(outcome.status in ("failed", "deferred"))
        if on_progress:
            on_progress(self.ledger.counts())
        if rate > self.settings.error_rate_threshold:
            reason = (
                f"taux d'erreur de {rate:.0%} sur les {window.size} derniers messages "
                f"(seuil {self.settings.error_rate_threshold:.0%}) : envoi mis en pause"
            )
            self.ledger.pause(reason)
            return Report("paused", {}, reason)
        return None

    def _drain(
        self,
        results: multiprocessing.Queue,  # type: ignore[type-arg]
        in_flight: dict[int, Task],
        workers: list[multiprocessing.process.BaseProcess],
    ) -> None:
        """Record what the workers still report while they finish their batches."""
        while any(process.is_alive() for process in workers) or not results.empty():
            try:
                received = results.get(timeout=POLL)
            except queue.Empty:
                continue
            if isinstance(received, list):
                self.ledger.record(received, self.clock())
                for outcome in received:
                    in_flight.pop(outcome.delivery_id, None)
        for process in workers:
            process.join()
