"""What statistics store: each sent edition's figures (written at the end of its send, so
that pages never count a ledger again), and the aggregate link counts (per edition, link and
day: no subscriber anywhere)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from newsletter.db import Base, UTCDateTime


class EditionFigures(Base):
    """An edition's outcomes. ``settled`` once the 7 days after its send are over: the
    bounces, complaints and unsubscribes counted then no longer change."""

    __tablename__ = "edition_figures"

    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), primary_key=True
    )
    recipients: Mapped[int] = mapped_column(default=0)  # rows of the ledger
    sent: Mapped[int] = mapped_column(default=0)
    deferred_sent: Mapped[int] = mapped_column(default=0)  # sent after a 4xx
    failed: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    html: Mapped[int] = mapped_column(default=0)  # sent as HTML (with its text part)
    text: Mapped[int] = mapped_column(default=0)  # sent as text only
    first_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hard: Mapped[int] = mapped_column(default=0)
    soft: Mapped[int] = mapped_column(default=0)
    complaints: Mapped[int] = mapped_column(default=0)
    # {list key: {profile: people who left that list within 7 days}}
    unsubscribes: Mapped[dict[str, dict[str, int]]] = mapped_column(sa.JSON, default=dict)
    settled: Mapped[bool] = mapped_column(default=False)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LinkClicks(Base):
    """Clicks on one link of an edition on one day (Paris time): a total, nobody's."""

    __tablename__ = "link_clicks"
    __table_args__ = (
        sa.UniqueConstraint("edition_id", "link_id", "day", name="uq_link_clicks_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(sa.ForeignKey("editions.id", ondelete="CASCADE"))
    link_id: Mapped[str] = mapped_column(sa.String(16))
    url: Mapped[str] = mapped_column(sa.String(2000))
    day: Mapped[date] = mapped_column(sa.Date)
    count: Mapped[int] = mapped_column(default=0)


class AudienceFigures(Base):
    """A list's month: the audience figures (statistics.audience), and who was subscribed
    at its end (``breakdown``, counted when a page first needs it). ``closed`` once the
    month is over: its figures are then kept as they were counted; the current month's
    are counted again when older than a few minutes."""

    __tablename__ = "audience_figures"

    list_key: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)  # "2026-11"
    active: Mapped[int] = mapped_column(default=0)
    new: Mapped[int] = mapped_column(default=0)
    left: Mapped[int] = mapped_column(default=0)
    bounced: Mapped[int] = mapped_column(default=0)
    profiles: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)  # active, by profile
    # {"total": n, "by_profile": {…}, "by_territory": {…}, "by_theme": {…}} or None
    breakdown: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    closed: Mapped[bool] = mapped_column(default=False)
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime)
