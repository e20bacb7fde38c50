"""Figures for the editors: a list's subscribers by status, profile and territory, its
growth month by month, and the recent bounces and complaints (narrowed, like the directory,
to the people on the lists an editor may see)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from subscribers.directory import visible
from subscribers.models import BounceEvent, Subscriber, SubscriberTheme, Subscription

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
    session: Session, column: InstrumentedAttribute[str], where: sa.ColumnElement[bool]
) -> dict[str, int]:
    """Subscriptions meeting ``where`` by a column of their subscriber, most frequent first."""
    rows = session.execute(
        sa.select(column, sa.func.count())
        .select_from(Subscription)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(where)
        .group_by(column)
        .order_by(sa.func.count().desc())
    )
    return {key: count for key, count in rows}


def _active(list_key: str) -> sa.ColumnElement[bool]:
    return sa.and_(Subscription.list_key == list_key, Subscription.status == "active")


def month_of(session: Session, column: Any) -> sa.ColumnElement[str]:
    """The year and month of a stored time (UTC), as text, in the database's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(column, "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def list_figures(session: Session, list_key: str, since: datetime) -> ListFigures:
    """The figures of one list; growth from ``since`` (the first day of a month) on."""
    communes = _count_by(session, Subscriber.commune, _active(list_key))
    return ListFigures(
        by_status=by_status(session, [list_key])[list_key],
        by_profile=_count_by(session, Subscriber.profile, _active(list_key)),
        by_department=_count_by(session, Subscriber.department, _active(list_key)),
        by_commune=[(name, count) for name, count in communes.items() if name][:TOP_COMMUNES],
        months=growth(session, list_key, since),
    )


def growth(session: Session, list_key: str, since: datetime) -> list[Month]:
    """Subscriptions created and ended month by month since ``since``."""
    months: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for index, column in enumerate((Subscription.created_at, Subscription.unsubscribed_at)):
        month = month_of(session, column)
        rows = session.execute(
            sa.select(month, sa.func.count())
            .where(Subscription.list_key == list_key, column >= since)
            .group_by(month)
        )
        for key, count in rows:
            months[key][index] = count
    return [Month(key, *months[key]) for key in sorted(months)]


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


# -- audience over time -------------------------------------------------------------------

OUT_STATUSES = ("bounced", "complained")  # people no newsletter goes to since their bounces
TERRITORY_HOME = "93"  # by commune in Seine-Saint-Denis, by department elsewhere


@dataclass(frozen=True)
class AudienceMonth:
    month: str  # "2026-11"
    active: int  # subscribed at the end of the month
    new: int  # subscriptions confirmed (or imported) that month
    left: int  # unsubscriptions
    bounced: int  # subscribed people put out that month by a hard bounce, complaint or score
    by_profile: dict[str, int] = field(default_factory=dict)  # active at the end, by profile


@dataclass(frozen=True)
class Breakdown:
    """Who is subscribed to a list at a given time."""

    total: int
    by_profile: dict[str, int]
    by_territory: dict[str, int]  # commune (in the 93) or department number; "" unknown
    by_theme: dict[str, int]  # theme key → people who chose it; "" no preference (all)


def _joined() -> sa.ColumnElement[datetime]:
    return sa.func.coalesce(Subscription.confirmed_at, Subscription.created_at)


def _still_in(at: datetime) -> sa.ColumnElement[bool]:
    """The subscriber was not yet put out by bounces at ``at``: not out now, or out by an
    event received after ``at`` (the last bounce event is when a person was put out)."""
    later = sa.exists().where(
        BounceEvent.subscriber_id == Subscriber.id, BounceEvent.received_at > at
    )
    return sa.or_(Subscriber.status.not_in(OUT_STATUSES), later)


def member_at(list_key: str, at: datetime) -> sa.ColumnElement[bool]:
    """A subscription to ``list_key`` that was live at ``at`` (confirmed before, not left,
    its person not put out by bounces)."""
    return sa.and_(
        Subscription.list_key == list_key,
        Subscription.status != "pending",
        _joined() <= at,
        sa.or_(Subscription.unsubscribed_at.is_(None), Subscription.unsubscribed_at > at),
        _still_in(at),
    )


def _monthly(
    session: Session, column: Any, where: sa.ColumnElement[bool], until: datetime
) -> dict[tuple[str, str, str], int]:
    """Subscriptions meeting ``where`` by list, month of ``column`` and profile."""
    month = month_of(session, column)
    rows = session.execute(
        sa.select(Subscription.list_key, month, Subscriber.profile, sa.func.count())
        .select_from(Subscription)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(where, column <= until)
        .group_by(Subscription.list_key, month, Subscriber.profile)
    )
    return {(key, when, profile): count for key, when, profile, count in rows}


def months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    found = []
    while f"{year:04d}-{month:02d}" <= last:
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def audience_months(
    session: Session, lists: Collection[str], first: str, until: datetime
) -> dict[str, list[AudienceMonth]]:
    """Each list month by month from ``first`` ("2026-01") to the month of ``until``: the
    active count is the running sum of every month's arrivals and departures since the
    first subscription, so three grouped queries give the whole history."""
    keys = sorted(lists)
    on_lists = Subscription.list_key.in_(keys)
    out_at = (
        sa.select(sa.func.max(BounceEvent.received_at))
        .where(BounceEvent.subscriber_id == Subscriber.id)
        .scalar_subquery()
    )
    new = _monthly(session, _joined(), sa.and_(on_lists, Subscription.status != "pending"), until)
    left = _monthly(session, Subscription.unsubscribed_at,
                    sa.and_(on_lists, Subscription.status == "unsubscribed"), until)  # fmt: skip
    put_out = sa.and_(
        on_lists, Subscription.status == "active", Subscriber.status.in_(OUT_STATUSES)
    )
    bounced = _monthly(session, out_at, put_out, until)
    last = until.strftime("%Y-%m")
    earliest = min([when for _, when, _ in (*new, *left, *bounced) if when], default=first)
    tables = [_by_list_month(table) for table in (new, left, bounced)]
    found: dict[str, list[AudienceMonth]] = {key: [] for key in keys}
    for key in keys:
        active: dict[str, int] = defaultdict(int)
        for month in months_between(min(earliest, first), last):
            counts = [table.get((key, month), {}) for table in tables]
            for sign, by_profile in zip((1, -1, -1), counts, strict=True):
                for profile, count in by_profile.items():
                    active[profile] += sign * count
            if month >= first:
                joined, gone, out = (sum(by_profile.values()) for by_profile in counts)
                kept = {profile: n for profile, n in active.items() if n}
                found[key].append(
                    AudienceMonth(month, sum(active.values()), joined, gone, out, kept)
                )
    return found


def _by_list_month(
    table: dict[tuple[str, str, str], int],
) -> dict[tuple[str, str], dict[str, int]]:
    found: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for (key, month, profile), count in table.items():
        found[key, month][profile] = count
    return found


def breakdown(session: Session, list_key: str, at: datetime) -> Breakdown:
    """Who was subscribed to ``list_key`` at ``at``, by profile, territory and theme."""
    where = member_at(list_key, at)
    territory: dict[str, int] = defaultdict(int)
    rows = session.execute(
        sa.select(Subscriber.department, Subscriber.commune, sa.func.count())
        .select_from(Subscription)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(where)
        .group_by(Subscriber.department, Subscriber.commune)
    )
    for department, commune, count in rows:
        territory[commune if department == TERRITORY_HOME and commune else department] += count
    theme = sa.func.coalesce(SubscriberTheme.theme, "")  # "" no preference: every theme
    themes = session.execute(
        sa.select(theme, sa.func.count())
        .select_from(Subscription)
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .outerjoin(SubscriberTheme, SubscriberTheme.subscriber_id == Subscriber.id)
        .where(where)
        .group_by(theme)
        .order_by(sa.func.count().desc(), theme)
    )
    return Breakdown(
        total=sum(territory.values()),
        by_profile=_count_by(session, Subscriber.profile, where),
        by_territory=dict(sorted(territory.items(), key=lambda pair: -pair[1])),
        by_theme={key: count for key, count in themes},
    )
