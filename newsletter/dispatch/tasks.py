"""What the parent of a send and its sending processes exchange: tasks out, outcomes back.

Thousands of them cross a pipe per send. Tasks travel as plain tuples of their fields
(``TaskRow``, as the claim query returns them), which pickle several times faster than
named ones; the sending process makes the ``Task``. Outcomes are named tuples, made and
unpickled in half the time of dataclasses.
"""

from __future__ import annotations

from typing import NamedTuple

TaskRow = tuple[int, int, str, str, str, str, str]  # a Task's fields, in order


class Task(NamedTuple):
    """A claimed row with what a worker needs to build and send its message."""

    delivery_id: int
    subscriber_id: int
    email_hash: str
    email: str
    name: str
    variant: str
    format: str


class Outcome(NamedTuple):
    """What became of one task: ``sent``, ``deferred`` (4xx), ``failed`` (5xx) or ``retry``
    (the connection died before the server answered: not an attempt, try again)."""

    delivery_id: int
    subscriber_id: int
    status: str
    code: int | None = None
    reason: str = ""
    recipient_refused: bool = False
