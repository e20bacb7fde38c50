"""The audience: the one place that decides who receives a newsletter.

Never a blocked, bounced, complained or suppressed address, never a pending (unconfirmed) or
unsubscribed subscription. Computed in SQL; recipients are read in pages of ids.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.settings import SegmentRule
from subscribers.models import (
    ALL_LISTS,
    Subscriber,
    SubscriberTheme,
    Subscription,
    SuppressionEntry,
)
from subscribers.segments import condition

PAGE = 5000


@dataclass(frozen=True)
class Recipient:
    id: int
    email: str
    name: str
    format: str
    themes: tuple[str, ...]


def _receives(list_key: str | None) -> sa.ColumnElement[bool]:
    """Active on the list (or, without one, on any list) and not suppressed for it."""
    subscription_list = list_key if list_key else Subscription.list_key
    not_suppressed = ~(
        sa.exists()
        .where(
            SuppressionEntry.hash == Subscriber.email_hash,
            # Two equalities rather than IN: no list parameter to expand on every
            # execution, so statements built on this condition are compiled once.
            sa.or_(
                SuppressionEntry.list_key == subscription_list,
                SuppressionEntry.list_key == ALL_LISTS,
            ),
        )
        .correlate_except(SuppressionEntry)
    )
    return sa.exists().where(
        Subscription.subscriber_id == Subscriber.id,
        Subscription.status == "active",
        *([Subscription.list_key == list_key] if list_key else []),
        not_suppressed,
    )


def audience_condition(
    list_key: str | None, segment: SegmentRule | None = None
) -> sa.ColumnElement[bool]:
    """Who receives ``list_key`` (any list when None), narrowed by a segment."""
    # Cheap column tests first: SQLite evaluates the conjuncts in this order.
    return sa.and_(
        Subscriber.status == "active",
        condition(segment) if segment is not None else sa.true(),
        _receives(list_key),
    )


def count_audience(
    session: Session, list_key: str | None, segment: SegmentRule | None = None
) -> int:
    query = sa.select(sa.func.count(Subscriber.id)).where(audience_condition(list_key, segment))
    return session.scalar(query) or 0


def audience(
    session: Session, list_key: str | None, segment: SegmentRule | None = None
) -> Iterator[Recipient]:
    """Recipients in id order, read a page at a time (with their themes)."""
    where = audience_condition(list_key, segment)
    connection = session.connection()  # plain rows: no ORM loading machinery per row
    after = 0
    while True:
        rows = connection.execute(
            sa.select(Subscriber.id, Subscriber.email, Subscriber.first_name,
                      Subscriber.last_name, Subscriber.format)
            .where(where, Subscriber.id > after)
            .order_by(Subscriber.id)
            .limit(PAGE)
        ).all()  # fmt: skip
        if not rows:
            return
        themes: dict[int, list[str]] = defaultdict(list)
        for subscriber_id, theme in connection.execute(
            sa.select(SubscriberTheme.subscriber_id, SubscriberTheme.theme)
            .where(SubscriberTheme.subscriber_id.in_([row[0] for row in rows]))
            .order_by(SubscriberTheme.subscriber_id, SubscriberTheme.theme)
        ):
            themes[subscriber_id].append(theme)
        for subscriber_id, email, first_name, last_name, format_ in rows:
            name = f"{first_name} {last_name}".strip()
            yield Recipient(subscriber_id, email, name, format_, tuple(themes[subscriber_id]))
        after = rows[-1][0]


def audience_by_variant(
    session: Session, list_key: str, segment: SegmentRule | None = None
) -> dict[tuple[str, tuple[str, ...]], int]:
    """How many recipients per (format, themes chosen): what a send's confirmation shows."""
    themes = (
        sa.select(sa.func.aggregate_strings(SubscriberTheme.theme, ","))
        .where(SubscriberTheme.subscriber_id == Subscriber.id)
        .scalar_subquery()
    )
    variant = sa.func.coalesce(themes, "")
    rows = session.execute(
        sa.select(Subscriber.format, variant, sa.func.count())
        .where(audience_condition(list_key, segment))
        .group_by(Subscriber.format, variant)
    )
    counts: dict[tuple[str, tuple[str, ...]], int] = defaultdict(int)
    for format_, chosen, count in rows:
        counts[format_, tuple(sorted(filter(None, chosen.split(","))))] += count
    return dict(counts)


def left_out(session: Session, list_key: str) -> dict[str, int]:
    """Subscribed to the list but not receiving it, by reason: bounced, complained, blocked,
    or on the suppression list."""
    subscribed = sa.exists().where(
        Subscription.subscriber_id == Subscriber.id,
        Subscription.list_key == list_key,
        Subscription.status == "active",
    )
    by_status = session.execute(
        sa.select(Subscriber.status, sa.func.count())
        .where(subscribed, Subscriber.status != "active")
        .group_by(Subscriber.status)
    )
    counts = {status: count for status, count in by_status}
    suppressed = session.scalar(
        sa.select(sa.func.count(Subscriber.id)).where(
            subscribed, Subscriber.status == "active", ~_receives(list_key)
        )
    )
    if suppressed:
        counts["suppressed"] = suppressed
    return counts
