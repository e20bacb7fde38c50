"""Database leases: at most one holder of a named lease at a time, with expiry and takeover.

Used so that only one scheduler runs jobs, and only one process sends an edition on SQLite.
Acquiring is one conditional UPDATE (or an INSERT for a lease never taken), atomic on
SQLite and PostgreSQL alike; a holder that dies simply stops renewing and its lease expires.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from newsletter.db import Base, Database, UTCDateTime, changed_rows, utcnow


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(200))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


def new_holder() -> str:
    """An identity for this process: host, pid and a random part (pids get reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def acquire(
    database: Database, name: str, holder: str, ttl: float, now: datetime | None = None
) -> bool:
    """Take or renew the lease; False while another live holder has it.

    A holder on this machine whose process is gone (``kill -9``) is taken over at once
    rather than after its lease expires, so a crashed send resumes without waiting.
    """
    now = now or utcnow()
    expires = now + timedelta(seconds=ttl)
    table = Lease.__table__
    with database.engine.begin() as connection:
        current = connection.scalar(sa.select(table.c.holder).where(table.c.name == name))
        takeover = [current] if current and dead_here(current) else []
        taken = connection.execute(
            sa.update(table)
            .where(table.c.name == name)
            .where(sa.or_(table.c.holder.in_([holder, *takeover]), table.c.expires_at < now))
            .values(holder=holder, expires_at=expires)
        )
        if changed_rows(taken) == 1:
            return True
    try:
        with database.engine.begin() as connection:
            connection.execute(
                sa.insert(table).values(
                    name=name, holder=holder, acquired_at=now, expires_at=expires
                )
            )
    except IntegrityError:
        return False
    return True


def dead_here(holder: str) -> bool:
    """The holder runs on this machine and its process no longer exists."""
    host, pid = where(holder)
    if host != socket.gethostname() or pid is None or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def where(holder: str) -> tuple[str, int | None]:
    """The machine and process id a holder names (``host:pid:random``)."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    return host, int(pid) if pid.isdigit() else None


def process_started(pid: int) -> str:
    """When a process of this machine started (clock ticks since boot, from /proc), so that
    a reused pid is never mistaken for it; "" where /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return ""
    return fields[19] if len(fields) > 19 else ""


def release(database: Database, name: str, holder: str) -> None:
    """Give the lease up at once (a clean shutdown), if we still hold it."""
    table = Lease.__table__
    with database.engine.begin() as connection:
        connection.execute(
            sa.delete(table).where(table.c.name == name).where(table.c.holder == holder)
        )


def holder_of(database: Database, name: str, now: datetime | None = None) -> str | None:
    """Who holds a live lease, if anyone."""
    now = now or utcnow()
    with database.session() as session:
        lease = session.get(Lease, name)
        return lease.holder if lease is not None and lease.expires_at >= now else None
