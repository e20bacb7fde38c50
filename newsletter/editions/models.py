"""Editions, the items they carry (with the revision announced) and per-newsletter numbering."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from newsletter.content.models import Item
from newsletter.db import Base, UTCDateTime, utcnow


class Edition(Base):
    __tablename__ = "editions"
    __table_args__ = (sa.UniqueConstraint("newsletter", "number", name="uq_editions_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    newsletter: Mapped[str] = mapped_column(sa.String(50), index=True)
    number: Mapped[int]
    state: Mapped[str] = mapped_column(sa.String(20), default="draft", index=True)
    # When it goes out, and the following scheduled send (the end of its agenda window).
    send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_send_at: Mapped[datetime] = mapped_column(UTCDateTime)
    period: Mapped[str] = mapped_column(sa.String(100), default="")
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    preheader: Mapped[str] = mapped_column(sa.String(300), default="")
    # Editors' texts as they typed them (light Markdown, see editions.prose); rendered
    # through the sanitising allow-list when the edition is viewed.
    edito: Mapped[str] = mapped_column(sa.Text, default="")
    mouvements: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assembled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the scheduler emailed the editors that this draft is ready to be read.
    editors_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why a send is paused or held back (too late after downtime, too many errors), for
    # editors; empty when all is well.
    held_reason: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    # What was approved, frozen (editions.snapshots): the view and the edition's own state;
    # its hash; the hash of a later live version whose differences editors chose to leave
    # out ("abandonner les modifications"); who approved.
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    snapshot_hash: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    accepted_hash: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    approved_by: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    # The segment an editor chose for this edition (empty: the newsletter's, if any).
    segment: Mapped[str] = mapped_column(sa.String(100), default="", server_default="")
    # A special issue (an invitation, a forum): its own subject and chosen items, outside
    # the schedule; it neither opens nor closes the window of the regular issues.
    special: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Territories an editor chose for some rubriques of this edition (rubrique key → list
    # of territory labels), instead of those of config.toml.
    territories: Mapped[dict[str, list[str]]] = mapped_column(
        sa.JSON, default=dict, server_default="{}"
    )

    entries: Mapped[list[EditionItem]] = relationship(
        back_populates="edition",
        cascade="all, delete-orphan",
        order_by="EditionItem.position",
    )


class EditionItem(Base):
    """An item in an edition: its rubrique, its place there, the revision announced."""

    __tablename__ = "edition_items"
    __table_args__ = (sa.UniqueConstraint("edition_id", "item_id", name="uq_edition_items"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        sa.ForeignKey("editions.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("items.id", ondelete="CASCADE"), index=True)
    section: Mapped[str] = mapped_column(sa.String(50))
    position: Mapped[int]
    item_revision: Mapped[int]
    # "" for a first announcement, "modifie" or "annule" for an update of an announced one.
    change: Mapped[str] = mapped_column(sa.String(20), default="")
    # What this edition says of the item instead of the item's own title, summary (plain
    # text) and link; "" keeps the item's. The item itself is untouched.
    title: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")
    summary: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    url: Mapped[str] = mapped_column(sa.String(2000), default="", server_default="")

    edition: Mapped[Edition] = relationship(back_populates="entries")
    item: Mapped[Item] = relationship(lazy="joined")


class EditionNumbering(Base):
    """The next number of a newsletter, when an editor set it (``edition number --set``)."""

    __tablename__ = "edition_numbering"

    newsletter: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    next_number: Mapped[int]
