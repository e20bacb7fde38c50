"""Live senders: every process sending an edition registers and beats every second.

Through this table senders see each other, on one machine or several (PostgreSQL):

- the configured rates hold for all of them together: each takes its share of them,
  divided by the senders that are sending, re-read at every heartbeat (dispatch.share);
- a sender is dead when its process is gone (on this machine: seen at once) or when it has
  not beaten for ``dispatch.lease_seconds`` (another machine); the rows it held go back to
  the queue;
- pausing an edition wakes its senders on this machine with SIGUSR1 (see :func:`wake`),
  just before the pause is committed: they stop before their next message and wait for
  it (dispatch.sender); those on other machines read the pause in the database every
  50 ms.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterable
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.db import utcnow
from newsletter.dispatch.controls import WAKE
from newsletter.dispatch.ledger import LiveSender
from newsletter.leases import dead_here, process_started, where


class SenderStore:
    """``lease_seconds``: how long a sender may stay silent before it counts as dead."""

    def __init__(self, session: Session, lease_seconds: float) -> None:
        self.session = session
        self.lease = timedelta(seconds=lease_seconds)

    def register(self, holder: str, edition_id: int, wakeable: bool) -> None:
        _, pid = where(holder)
        self.session.add(LiveSender(
            holder=holder, edition_id=edition_id, wakeable=wakeable, sending=True,
            started=process_started(pid) if pid else "", beat_at=utcnow(), note="",
        ))  # fmt: skip

    def beat(self, holder: str, sending: bool, note: str) -> int:
        """Renew this sender's row; the number of live senders that are sending (itself
        included while it sends), to divide the rates by."""
        self.session.execute(
            sa.update(LiveSender)
            .where(LiveSender.holder == holder)
            .values(beat_at=utcnow(), sending=sending, note=note[:300])
        )
        return sum(1 for found in self.live() if found.sending)

    def unregister(self, holder: str) -> None:
        self.session.execute(sa.delete(LiveSender).where(LiveSender.holder == holder))

    def live(self, edition_id: int | None = None) -> list[LiveSender]:
        """Senders alive now (of one edition, or all); the dead ones are forgotten."""
        query = sa.select(LiveSender)
        if edition_id is not None:
            query = query.where(LiveSender.edition_id == edition_id)
        found = list(self.session.scalars(query))
        fresh = utcnow() - self.lease
        dead = [row.holder for row in found if row.beat_at < fresh or dead_here(row.holder)]
        if dead:
            self.session.execute(sa.delete(LiveSender).where(LiveSender.holder.in_(dead)))
        return [row for row in found if row.holder not in dead]


def wakeable_here(session: Session, edition_id: int) -> list[tuple[int, str]]:
    """(pid, start time) of the senders of the edition that run on this machine and stop at
    once when woken."""
    rows = session.scalars(
        sa.select(LiveSender).where(LiveSender.edition_id == edition_id, LiveSender.wakeable)
    )
    host = socket.gethostname()
    found = []
    for row in rows:
        row_host, pid = where(row.holder)
        if row_host == host and pid and row.started:
            found.append((pid, row.started))
    return found


def wake(senders: Iterable[tuple[int, str]]) -> None:
    """Signal each sender, unless its pid now belongs to another process."""
    for pid, started in senders:
        if process_started(pid) == started:
            with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
                os.kill(pid, WAKE)
