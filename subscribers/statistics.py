"""Figures for the editors: a list's subscribers by status, profile and territory, its
growth month by month, and the recent bounces and complaints (narrowed, like the directory,
to the people on the lists an editor may see)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from subscribers.directory import visible
from subscribers.models import BounceEvent, Subscriber, Subscription

TOP_COMMUNES = 10


@dataclass(frozen=True)
class Month:
    month: str  # "2026-11"
    joined: int  # subscriptions created
    left: int  # unsubscriptions

    @property
    def net(self) -> int:
        return self.joined - self.left


@dataclass(frozen=True)
class ListFigures:
    by_status: dict[str, int]  # subscription status → people
    by_profile: dict[str, int]  # of the active subscribers
    by_department: dict[str, int]
    by_commune: list[tuple[str, int]]  # the most frequent communes
    months: list[Month]


def by_status(session: Session, lists: Collection[str]) -> dict[str, dict[str, int]]:
    """Subscriptions to each of ``lists`` by status, in one query."""
    found: dict[str, dict[str, int]] = {key: {} for key in lists}
    rows = session.execute(
        sa.select(Subscription.list_key, Subscription.status, sa.func.count())
        .where(Subscription.list_key.in_(sorted(lists)))
        .group_by(Subscription.list_key, Subscription.status)
    )
    for key, status, count in rows:
        found[key][status] = count
    return found


def _count_by(
    session: Session, column: InstrumentedAttribute[str], list_key: str
) -> dict[str, int]:
    rows = session.execute(
        sa.select(column, sa.func.count())
        .select_from(Subscription)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(Subscription.list_key == list_key, Subscription.status == "active")
        .group_by(column)
        .order_by(sa.func.count().desc())
    )
    return {key: count for key, count in rows}


def _month(session: Session, column: Any) -> sa.ColumnElement[str]:
    """The year and month of a stored time (UTC), as text, in the database's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def list_figures(session: Session, list_key: str, since: datetime) -> ListFigures:
    """The figures of one list; growth from ``since`` (the first day of a month) on."""
    communes = _count_by(session, Subscriber.commune, list_key)
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for index, column in enumerate((Subscription.created_at, Subscription.unsubscribed_at)):
        month = _month(session, column)
        rows = session.execute(
            sa.select(month, sa.func.count())
            .where(Subscription.list_key == list_key, column >= since)
            .group_by(month)
        )
        for key, count in rows:
            months[key][index] = count
    return ListFigures(
        by_status=by_status(session, [list_key])[list_key],
        by_profile=_count_by(session, Subscriber.profile, list_key),
        by_department=_count_by(session, Subscriber.department, list_key),
        by_commune=[(name, count) for name, count in communes.items() if name][:TOP_COMMUNES],
        months=[Month(key, *months[key]) for key in sorted(months)],
    )


@dataclass(frozen=True)
class BounceRow:
    event: BounceEvent
    subscriber_id: int
    email: str
    status: str  # the person's now
    score: float  # the person's now


def recent_bounces(
    session: Session,
    lists: Collection[str] | None,
    kind: str,
    since: datetime,
    offset: int,
    limit: int,
) -> tuple[list[BounceRow], int]:
    """Bounce and complaint events since ``since``, newest first (of ``kind`` when given),
    with the person's address, status and score now; and how many there are in all."""
    where = sa.and_(
        BounceEvent.received_at >= since,
        BounceEvent.kind == kind if kind else sa.true(),
        visible(lists),
    )
    total = session.scalar(
        sa.select(sa.func.count(BounceEvent.id))
        .join(Subscriber, Subscriber.id == BounceEvent.subscriber_id)
        .where(where)
    )
    rows = session.execute(
        sa.select(BounceEvent, Subscriber.id, Subscriber.email, Subscriber.status,
                  Subscriber.bounce_score)
        .join(Subscriber, Subscriber.id == BounceEvent.subscriber_id)
        .where(where)
        .order_by(BounceEvent.received_at.desc(), BounceEvent.id.desc())
        .offset(offset)
        .limit(limit)
    )  # fmt: skip
    return [BounceRow(*row) for row in rows], total or 0


def bounce_counts(
    session: Session, lists: Collection[str] | None, since: datetime
) -> dict[str, int]:
    """Events since ``since`` by kind (hard, soft, complaint)."""
    rows = session.execute(
        sa.select(BounceEvent.kind, sa.func.count())
        .join(Subscriber, Subscriber.id == BounceEvent.subscriber_id)
        .where(BounceEvent.received_at >= since, visible(lists))
        .group_by(BounceEvent.kind)
    )
    return {kind: count for kind, count in rows}
