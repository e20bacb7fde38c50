"""Stored images (both sizes, re-encoded) and which item shows which image."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from newsletter.db import Base, UTCDateTime, utcnow


class Image(Base):
    """One image as served: the 1× and 2× files, their sizes, its alternative text."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(sa.String(64))
    media_type: Mapped[str] = mapped_column(sa.String(20))
    width: Mapped[int]  # of the 1× file, in pixels: the CSS width templates show it at
    height: Mapped[int]
    # The files are loaded only when served: rendering needs their sizes and addresses.
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    width2x: Mapped[int]
    height2x: Mapped[int]
    data2x: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    alt: Mapped[str] = mapped_column(sa.String(500))
    purpose: Mapped[str] = mapped_column(sa.String(20), index=True)  # item, logo
    # Where it was downloaded from ("" for an upload): a feed's image is fetched once.
    origin: Mapped[str] = mapped_column(sa.String(2000), default="", index=True)
    added_by: Mapped[str] = mapped_column(sa.String(200), default="")
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ItemImage(Base):
    """The image of an item (at most one): an editor's upload, or the one its feed named —
    waiting to be downloaded while ``image_id`` is None, unless the download failed."""

    __tablename__ = "item_images"

    item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    image_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("images.id", ondelete="CASCADE"), index=True
    )
    origin: Mapped[str] = mapped_column(sa.String(2000), default="")  # the feed's address
    alt: Mapped[str] = mapped_column(sa.String(500), default="")  # the feed's, if any
    failure: Mapped[str] = mapped_column(sa.String(500), default="")
