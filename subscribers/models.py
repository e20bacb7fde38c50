"""Subscribers, their list subscriptions, themes, consents, bounces; suppression and segments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from newsletter.db import Base, UTCDateTime, utcnow

# Suppression entries with this list key apply to every list.
ALL_LISTS = "*"


class Subscriber(Base):
    __tablename__ = "subscribers"
    # The editors' listing is in name order.
    __table_args__ = (sa.Index("ix_subscribers_name", "last_name_key", "first_name_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # As typed, domain lowercased; ``email_key`` (all lowercase) is what makes a person unique.
    email: Mapped[str] = mapped_column(sa.String(320))
    email_key: Mapped[str] = mapped_column(sa.String(320), unique=True)
    # Keyed hash of ``email_key``: links the person to the suppression list.
    email_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    civility: Mapped[str] = mapped_column(sa.String(20), default="")
    first_name: Mapped[str] = mapped_column(sa.String(200), default="")
    last_name: Mapped[str] = mapped_column(sa.String(200), default="")
    organisation: Mapped[str] = mapped_column(sa.String(300), default="")
    function: Mapped[str] = mapped_column(sa.String(300), default="")
    profile: Mapped[str] = mapped_column(sa.String(20), default="autre", index=True)
    commune: Mapped[str] = mapped_column(sa.String(200), default="")
    # ``words(commune)``: segments match communes ignoring case, accents and hyphens.
    commune_key: Mapped[str] = mapped_column(sa.String(200), default="", index=True)
    # ``words()`` of the names and organisation: what the editors' search matches (with
    # ``email_key`` and ``commune_key``), ignoring case and accents.
    first_name_key: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    last_name_key: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    organisation_key: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    department: Mapped[str] = mapped_column(sa.String(3), default="", index=True)
    format: Mapped[str] = mapped_column(sa.String(10), default="html")
    # No index: few distinct values, and SQLite would pick it over the primary key order.
    status: Mapped[str] = mapped_column(sa.String(20), default="active")
    bounce_score: Mapped[float] = mapped_column(default=0.0)
    bounce_scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="subscriber", cascade="all, delete-orphan", passive_deletes=True,
        order_by="Subscription.list_key",
    )  # fmt: skip
    theme_rows: Mapped[list[SubscriberTheme]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="SubscriberTheme.theme"
    )
    consents: Mapped[list[ConsentRecord]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="ConsentRecord.id"
    )
    bounces: Mapped[list[BounceEvent]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="BounceEvent.id"
    )

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    @property
    def themes(self) -> list[str]:
        return [row.theme for row in self.theme_rows]


class SubscriberTheme(Base):
    """A theme a subscriber chose (a table, so that segments filter on themes in SQL)."""

    __tablename__ = "subscriber_themes"

    subscriber_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subscribers.id", ondelete="CASCADE"), primary_key=True
    )
    theme: Mapped[str] = mapped_column(sa.String(50), primary_key=True, index=True)


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = (
        sa.UniqueConstraint("subscriber_id", "list_key", name="uq_subscriptions_list"),
        sa.Index("ix_subscriptions_list_status", "list_key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    list_key: Mapped[str] = mapped_column(sa.String(50))
    status: Mapped[str] = mapped_column(sa.String(20), default="pending")
    # Where the subscription came from (form, the import's --source, admin).
    source: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    subscriber: Mapped[Subscriber] = relationship(back_populates="subscriptions")


class ConsentRecord(Base):
    """Proof of consent: which list, when, how, with which wording, from where."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    list_key: Mapped[str] = mapped_column(sa.String(50))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    how: Mapped[str] = mapped_column(sa.String(10))
    wording: Mapped[str] = mapped_column(sa.String(50), default="")
    source: Mapped[str] = mapped_column(sa.String(300), default="")
    ip: Mapped[str] = mapped_column(sa.String(45), default="")


class BounceEvent(Base):
    __tablename__ = "bounce_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(10))  # hard, soft, complaint
    status_code: Mapped[str] = mapped_column(sa.String(10), default="")
    diagnostic: Mapped[str] = mapped_column(sa.String(500), default="")
    message_id: Mapped[str] = mapped_column(sa.String(500), default="", index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The person's soft-bounce score after this event, and what it did (in French).
    score: Mapped[float] = mapped_column(default=0.0, server_default="0")
    effect: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")


class SuppressionEntry(Base):
    """A keyed hash of an address that must not be (re)subscribed to a list, or to any."""

    __tablename__ = "suppression"
    __table_args__ = (sa.UniqueConstraint("hash", "list_key", name="uq_suppression_hash_list"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hash: Mapped[str] = mapped_column(sa.String(64))
    list_key: Mapped[str] = mapped_column(sa.String(50), default=ALL_LISTS)
    reason: Mapped[str] = mapped_column(sa.String(20))  # see suppression.REASONS
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailQuota(Base):
    """Emails anyone may ask for (confirmations, links to one's data) counted in one window
    for one key (a mailbox's hash, a client address, everyone): see ``subscribers.quotas``."""

    __tablename__ = "mail_quotas"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


class UsedLink(Base):
    """A single-use link already followed (the SHA-256 of its token), kept until it expires."""

    __tablename__ = "used_links"

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class PendingRequest(Base):
    """A subscription asked again by someone who had left the list: kept apart, with its own
    retention, so that the old subscription is neither revived nor extended until the
    person confirms."""

    __tablename__ = "pending_requests"
    __table_args__ = (
        sa.UniqueConstraint("subscriber_id", "list_key", name="uq_pending_requests_list"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        sa.ForeignKey("subscribers.id", ondelete="CASCADE"), index=True
    )
    list_key: Mapped[str] = mapped_column(sa.String(50))
    source: Mapped[str] = mapped_column(sa.String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class SavedSegment(Base):
    """A segment an editor saved; ``rule`` has the shape of a ``[segments.NAME]`` table."""

    __tablename__ = "saved_segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    label: Mapped[str] = mapped_column(sa.String(300), default="")
    rule: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
