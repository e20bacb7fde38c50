"""Entries of the audit trail. They name people the trail is about by id only (no address,
no name of a subscriber), and outlive what they describe (no foreign key: an erased
subscriber's entries stay, naming an id that no longer resolves)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from newsletter.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(sa.String(200))  # "Marie D. (editor)", "planificateur"
    user_id: Mapped[int | None] = mapped_column()  # the editor's account, when one acted
    action: Mapped[str] = mapped_column(sa.String(40))
    edition_id: Mapped[int | None] = mapped_column(index=True)
    subscriber_id: Mapped[int | None] = mapped_column(index=True)
    item_id: Mapped[int | None] = mapped_column(index=True)
    # The list an action on subscribers concerned (a coordinator sees their lists' only).
    list_key: Mapped[str | None] = mapped_column(sa.String(50))
    detail: Mapped[str] = mapped_column(sa.String(500), default="")
