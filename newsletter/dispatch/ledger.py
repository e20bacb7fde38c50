"""The deliveries ledger: one row per (edition, recipient), written when a send starts;
and the senders working it.

A row is ``queued`` when the audience is frozen, ``sending`` while a worker holds it,
``sent`` only once the server accepted the message, ``deferred`` after a 4xx (retried later
with backoff), ``failed`` after a 5xx or too many attempts, ``skipped`` when the recipient
left (unsubscribed, bounced, suppressed, erased) before their turn.

Each process sending an edition is a row of ``senders`` while it runs, renewed every second
(see dispatch.senders): senders see each other through it, whatever machine they run on.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from newsletter.db import Base, UTCDateTime

STATUSES: dict[str, str] = {
    "queued": "en attente",
    "sending": "en cours",
    "sent": "envoyés",
    "deferred": "différés",
    "failed": "en échec",
    "skipped": "écartés",
}
OPEN = ("queued", "sending", "deferred")  # rows that still need work


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        sa.UniqueConstraint("edition_id", "subscriber_id", name="uq_deliveries_recipient"),
        sa.Index("ix_deliveries_work", "edition_id", "status", "next_attempt_at"),
        sa.Index("ix_deliveries_sent_at", "sent_at"),  # the hourly quota, all editions
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("editions.id", ondelete="CASCADE"))
    # Nulled when the subscriber is erased (RGPD): the row then stays only as a count.
    subscriber_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("subscribers.id", ondelete="SET NULL")
    )
    variant: Mapped[str] = mapped_column(sa.String(200), default="")  # theme keys, comma-joined
    format: Mapped[str] = mapped_column(sa.String(10), default="html")
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str] = mapped_column(sa.String(200), default="")
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    code: Mapped[int | None] = mapped_column()
    reason: Mapped[str] = mapped_column(sa.String(500), default="")


class LiveSender(Base):
    """A process sending an edition, identified like a lease holder (``host:pid:random``)."""

    __tablename__ = "senders"

    holder: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    # The process's start time (see leases.process_started): a reused pid is never signalled.
    started: Mapped[str] = mapped_column(sa.String(40), default="")
    wakeable: Mapped[bool] = mapped_column(default=False)  # stops at once on SIGUSR1
    sending: Mapped[bool] = mapped_column(default=True)  # takes a share of the rates
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(sa.String(300), default="")  # what it waits for
