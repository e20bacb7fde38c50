"""Fetch state of each configured source: validators, last success, errors, streak."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from newsletter.db import Base, UTCDateTime


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    url: Mapped[str] = mapped_column(sa.String(2000))
    etag: Mapped[str] = mapped_column(sa.String(500), default="")
    last_modified: Mapped[str] = mapped_column(sa.String(100), default="")
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_warning: Mapped[str] = mapped_column(sa.Text, default="")
    failure_streak: Mapped[int] = mapped_column(default=0)
    items_total: Mapped[int] = mapped_column(default=0)
