"""Sending processes: they turn claimed tasks into messages and hand them to the relay.

A worker process never touches the database. It receives batches of tasks from the parent,
keeps ``connections`` SMTP sessions open (one thread each), and reports an outcome per task.
It is forked by the parent once the edition is rendered, so it inherits the prepared bodies
and the message factory without copying them; it exits at once if the parent dies (no orphan
keeps sending after a ``kill -9``).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.queues import Queue
from typing import Any

from newsletter.dispatch.bodies import Bodies
from newsletter.dispatch.dkim import DkimSigner
from newsletter.dispatch.errors import (
    ConnectionLost,
    PermanentFailure,
    TemporaryFailure,
    TransportError,
)
from newsletter.dispatch.message import MessageFactory, Recipient
from newsletter.dispatch.ratelimit import RateLimiter
from newsletter.dispatch.tasks import Outcome, Task, TaskRow
from newsletter.dispatch.transports import Connection, Transport
from newsletter.rendering.personalise import PersonalValues

STOP = None


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
    per_second: float
    per_hour: int
    signer: DkimSigner | None = None


@dataclass(frozen=True)
class Fatal:
    """A worker cannot go on (e.g. the relay refuses our login): the send must stop."""

    message: str


def deliver(job: Job, connection: Connection, limiter: RateLimiter, task: Task) -> Outcome:
    """Build one message from the rendering and send it; map the reply to an outcome."""
    personal = job.personal(task)
    bodies = job.bodies[(task.variant, task.format)]
    message = job.factory.compose(personal.recipient, bodies, personal.values)
    if job.signer is not None:
        message = job.signer.sign(message)
    limiter.acquire()
    try:
        connection.send(personal.recipient.envelope_sender, task.email, message)
    except ConnectionLost as exc:
        return Outcome(task.delivery_id, task.subscriber_id, "retry", exc.code, exc.reply)
    except TemporaryFailure as exc:
        return Outcome(task.delivery_id, task.subscriber_id, "deferred", exc.code, exc.reply)
    except PermanentFailure as exc:
        return Outcome(task.delivery_id, task.subscriber_id, "failed", exc.code, exc.reply,
                       recipient_refused=exc.recipient_refused)  # fmt: skip
    return Outcome(task.delivery_id, task.subscriber_id, "sent")


def run(job: Job, tasks: Queue[Any], results: Queue[Any], parent: int) -> None:
    """A worker process: ``job.connections`` threads, each with its own SMTP session."""
    limiter = RateLimiter(job.per_second, job.per_hour)

    def session() -> None:
        connection = job.transport.connect()
        try:
            while True:
                batch = _next(tasks, parent)
                if batch is STOP:
                    return
                outcomes = []
                for task in batch:
                    if os.getppid() != parent:
                        os._exit(1)  # the parent died: never send unrecorded mail
                    outcomes.append(deliver(job, connection, limiter, task))
                results.put(outcomes)
        except TransportError as exc:
            results.put(Fatal(exc.message))
        except Exception as exc:  # a bug must stop the send, never leave it waiting
            results.put(Fatal(f"erreur inattendue d'un processus d'envoi : {exc!r}"))
        finally:
            connection.close()

    threads = [threading.Thread(target=session, daemon=True) for _ in range(job.connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


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
