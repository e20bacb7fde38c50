"""Sending processes: they turn claimed tasks into messages and hand them to the relay.

A worker process never touches the database. It receives batches of tasks from the parent,
keeps ``connections`` SMTP sessions (one thread each), and reports an outcome per task.
It is forked by the parent once the edition is rendered, so it inherits the prepared bodies
and the message factory without copying them; it exits at once if the parent dies (no orphan
keeps sending after a ``kill -9``).

Before each message a session looks at the shared controls (dispatch.controls): told to
stop (a pause, the end of the send), it hands the tasks it has not sent back to the parent
as ``retry`` at once. When the relay cannot be reached (connection refused, dropped, timed
out) the session tries again after a delay that doubles from 1 s to 30 s, telling the
parent each time (``Trouble``); the parent decides when to give up
(``dispatch.relay_down_seconds``).
"""

from __future__ import annotations

import os
import queue
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.queues import Queue
from typing import TYPE_CHECKING, Any

from newsletter.dispatch.bodies import Bodies
from newsletter.dispatch.controls import SLICE, STOPS, WAKE, Controls
from newsletter.dispatch.errors import ConnectionLost, PermanentFailure, TemporaryFailure
from newsletter.dispatch.message import MessageFactory, Recipient
from newsletter.dispatch.ratelimit import RateLimiter
from newsletter.dispatch.tasks import Outcome, Task, TaskRow
from newsletter.dispatch.transports import Connection, Transport

if TYPE_CHECKING:  # dkimpy loads only when signing is configured (App.signer)
    from newsletter.dispatch.dkim import DkimSigner
from newsletter.errors import NewsletterError
from newsletter.rendering.personalise import PersonalValues

STOP = None
FIRST_RETRY, LAST_RETRY = 1.0, 30.0  # seconds between attempts to reach the relay


@dataclass(frozen=True)
class Personal:
    """A recipient's header values and personal values, from the links component."""

    recipient: Recipient
    values: PersonalValues


@dataclass(frozen=True)
class Job:
    """Everything a worker needs for one edition; built once by the parent."""

    factory: MessageFactory
    bodies: dict[tuple[str, str], Bodies]  # (variant, format) -> parts prepared once
    personal: Callable[[Task], Personal]
    transport: Transport
    connections: int
    signer: DkimSigner | None = None


@dataclass(frozen=True)
class Fatal:
    """A worker cannot go on (e.g. the relay refuses our login): the send must stop."""

    message: str


@dataclass(frozen=True)
class Trouble:
    """A session could not reach the relay (why); it tries again in ``retry_in`` seconds."""

    reason: str
    retry_in: float


def compose(job: Job, task: Task) -> tuple[Recipient, bytes]:
    """One message from the rendering, signed if DKIM is on."""
    personal = job.personal(task)
    bodies = job.bodies[(task.variant, task.format)]
    message = job.factory.compose(personal.recipient, bodies, personal.values)
    if job.signer is not None:
        message = job.signer.sign(message)
    return personal.recipient, message


def hand_over(connection: Connection, recipient: Recipient, task: Task, message: bytes) -> Outcome:
    """Send one message; map the reply to an outcome."""
    try:
        connection.send(recipient.envelope_sender, task.email, message)
    except ConnectionLost as exc:
        return Outcome(task.delivery_id, task.subscriber_id, "retry", exc.code, exc.reply)
    except TemporaryFailure as exc:
        return Outcome(task.delivery_id, task.subscriber_id, "deferred", exc.code, exc.reply)
    except PermanentFailure as exc:
        return Outcome(task.delivery_id, task.subscriber_id, "failed", exc.code, exc.reply,
                       recipient_refused=exc.recipient_refused)  # fmt: skip
    return Outcome(task.delivery_id, task.subscriber_id, "sent")


def run(
    job: Job, tasks: Queue[Any], results: Queue[Any], parent: int, controls: Controls, first: int
) -> None:
    """A worker process: ``job.connections`` threads, each with its own SMTP session
    (sessions ``first``, ``first + 1``… of the send, for the controls' counters)."""
    # The parent alone decides when to stop: a Ctrl-C or systemd's SIGTERM reaches the whole
    # group, and a process cut in the middle of a message would look like a crash.
    for number in (WAKE, *STOPS):
        signal.signal(number, signal.SIG_IGN)
    limiter = RateLimiter(controls.per_second, stopped=lambda: controls.stopped)
    sessions = [
        Session(job, results, controls, limiter, first + number)
        for number in range(job.connections)
    ]
    threads = [
        threading.Thread(target=session.serve, args=(tasks, parent), daemon=True)
        for session in sessions
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class Session:
    """One SMTP session and its thread: the tasks it is given, one after another."""

    def __init__(
        self,
        job: Job,
        results: Queue[Any],
        controls: Controls,
        limiter: RateLimiter,
        slot: int,
    ) -> None:
        self.job = job
        self.results = results
        self.controls = controls
        self.limiter = limiter
        self.slot = slot
        self.connection: Connection | None = None
        self.failures = 0  # attempts to reach the relay since it last answered a message

    def serve(self, tasks: Queue[Any], parent: int) -> None:
        try:
            while (batch := _next(tasks, parent)) is not None:
                self.results.put(self.send_all(batch, parent))
        except NewsletterError as exc:  # the relay refuses our login, TLS…
            self.results.put(Fatal(exc.message))
        except Exception as exc:  # a bug must stop the send, never leave it waiting
            self.results.put(Fatal(f"erreur inattendue d'un processus d'envoi : {exc!r}"))
        finally:
            if self.connection is not None:
                self.connection.close()

    def send_all(self, batch: list[Task], parent: int) -> list[Outcome]:
        """An outcome for each task: those not sent (told to stop) are handed back. Before
        a long wait (the hourly quota, an unreachable relay) what is done is reported at
        once, so that the ledger records it meanwhile."""
        outcomes: list[Outcome] = []
        for number, task in enumerate(batch):
            if os.getppid() != parent:
                os._exit(1)  # the parent died: never send unrecorded mail
            if outcomes and (not self.controls.may_send() or self.failures > 1):
                self.results.put(outcomes)
                outcomes = []
            outcome = self.send(task)
            if outcome is None:
                rest = batch[number:]
                outcomes += [Outcome(t.delivery_id, t.subscriber_id, "retry") for t in rest]
                break
            outcomes.append(outcome)
        return outcomes

    def send(self, task: Task) -> Outcome | None:
        """Build the message, wait for its turn, hand it over; None if told to stop first."""
        recipient, message = compose(self.job, task)
        if not self._turn():
            return None
        connection = self._connected()
        if connection is None or self.controls.stopped:
            return None
        outcome = hand_over(connection, recipient, task, message)
        if outcome.status == "retry":  # the session broke: a new one for the next message
            self._lost(f"{outcome.code} {outcome.reason}" if outcome.code else outcome.reason)
        else:
            self.failures = 0
            self.controls.count(self.slot)
        return outcome

    def _turn(self) -> bool:
        """Wait for the hourly quota's share (granted at each of the parent's heartbeats)
        and the rate; False if told to stop meanwhile."""
        while not self.controls.may_send():
            if not self.controls.wait(SLICE):
                return False
        return self.limiter.acquire() and not self.controls.stopped

    def _connected(self) -> Connection | None:
        """The open session, or a new one; after a failure, only after the delay."""
        while self.connection is None:
            if self.failures and not self.controls.wait(self._delay()):
                return None
            try:
                self.connection = self.job.transport.connect()
            except ConnectionLost as exc:
                self._lost(exc.reply)
        return self.connection

    def _lost(self, reason: str) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        self.failures += 1
        self.results.put(Trouble(reason, self._delay()))

    def _delay(self) -> float:
        """None before the first new attempt (a relay closes sessions), then doubling."""
        if self.failures <= 1:
            return 0.0
        return float(min(LAST_RETRY, FIRST_RETRY * 2 ** (self.failures - 2)))


def _next(tasks: Queue[Any], parent: int) -> list[Task] | None:
    """The next batch; while waiting, check now and then that the parent is alive."""
    while True:
        try:
            batch: list[TaskRow] | None = tasks.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent:
                os._exit(1)
            continue
        return None if batch is STOP else [Task._make(row) for row in batch]
