"""Items (fiches, rendez-vous, actualités…), the sources that announced them, their changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from newsletter.db import Base, UTCDateTime, utcnow


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), index=True)
    title: Mapped[str] = mapped_column(sa.String(500))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    # The link as its reference source published it; the canonical form is for matching.
    url: Mapped[str] = mapped_column(sa.String(2000), default="")
    canonical_url: Mapped[str] = mapped_column(sa.String(2000), default="", index=True)
    guid: Mapped[str] = mapped_column(sa.String(2000), default="")
    dedup_key: Mapped[str] = mapped_column(sa.String(700), index=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    themes: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    networks: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    territory: Mapped[str] = mapped_column(sa.String(200), default="")
    # Fields an editor fixed by hand; classification and feed updates leave them alone.
    overrides: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Agenda entries.
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    all_day: Mapped[bool] = mapped_column(default=False)
    place: Mapped[str] = mapped_column(sa.String(500), default="")
    organiser: Mapped[str] = mapped_column(sa.String(300), default="")
    registration_url: Mapped[str] = mapped_column(sa.String(2000), default="")
    cancelled: Mapped[bool] = mapped_column(default=False)
    postponed: Mapped[bool] = mapped_column(default=False)
    # An occurrence of a recurring event: the UID of its series in its source's calendar.
    series: Mapped[str] = mapped_column(sa.String(2000), default="")
    # Bookkeeping.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    revision: Mapped[int] = mapped_column(default=1)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sources: Mapped[list[ItemSource]] = relationship(
        back_populates="item",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ItemSource.id",
    )
    changes: Mapped[list[ItemChange]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="ItemChange.id"
    )


class ItemSource(Base):
    """One announcement of an item by a source (an event may be announced by several).

    The first is the item's reference: its updates change the item. Each later one was
    merged for ``merge_reason`` and keeps what it announced (``snapshot``), so that an
    editor can split it off into an item of its own.
    """

    __tablename__ = "item_sources"
    __table_args__ = (sa.UniqueConstraint("source_id", "guid", name="uq_item_sources_guid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("sources.id", ondelete="CASCADE"))
    guid: Mapped[str] = mapped_column(sa.String(2000))
    url: Mapped[str] = mapped_column(sa.String(2000), default="")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    merge_reason: Mapped[str] = mapped_column(sa.String(2500), default="")
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # Who typed an editorial entry ("compte:ID", "ligne de commande"; "" for feeds): the
    # same identity typed by someone else is a conflict, never a silent overwrite.
    author: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")

    item: Mapped[Item] = relationship(back_populates="sources")


class ItemChange(Base):
    """An update to an already-known item (date moved, cancelled…), kept as history."""

    __tablename__ = "item_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    fields: Mapped[dict[str, Any]] = mapped_column(sa.JSON)

    item: Mapped[Item] = relationship(back_populates="changes")


class ItemProposal(Base):
    """A correction a network coordinator proposes for an item they may not change (another
    network's, or one another newsletter carries); an editor accepts or refuses it."""

    __tablename__ = "item_proposals"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id", ondelete="CASCADE"), index=True)
    fields: Mapped[dict[str, Any]] = mapped_column(sa.JSON)  # field -> proposed value (JSON)
    proposed_by: Mapped[str] = mapped_column(sa.String(200))
    user_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(sa.String(20), default="open")  # open, accepted, refused
    decided_by: Mapped[str] = mapped_column(sa.String(200), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
