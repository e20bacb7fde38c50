"""A list's audience month by month, counted from its subscriptions once and kept
(``audience_figures``): a closed month keeps the figures counted after its end; the current
month is counted again when its figures are older than ``FRESH``. Who was subscribed at a
month's end (by profile, territory, theme) is counted when a page first needs it.

With 100,000 subscriptions, counting takes a few hundred milliseconds (three grouped scans
for the months, three for the breakdown); reading the kept rows, a millisecond.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.statistics.keeping import keep
from newsletter.statistics.models import AudienceFigures
from subscribers.statistics import (
    AudienceMonth,
    Breakdown,
    audience_months,
    breakdown,
    months_between,
)

FRESH = timedelta(minutes=10)  # how old the current month's figures may be


def month_end(month: str) -> datetime:
    """The last instant of a month ("2026-11"), UTC."""
    year, number = int(month[:4]), int(month[5:7])
    following = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return following - timedelta(microseconds=1)


def _usable(row: AudienceFigures | None, now: datetime) -> bool:
    return row is not None and (row.closed or now - row.counted_at < FRESH)


def months(
    session: Session, list_key: str, first: str, last: str, now: datetime
) -> list[AudienceMonth]:
    """The list's months from ``first`` to ``last`` ("2026-01", "2026-12"; none after now)."""
    last = min(last, now.strftime("%Y-%m"))
    stored = {
        row.month: row
        for row in session.scalars(
            sa.select(AudienceFigures).where(
                AudienceFigures.list_key == list_key,
                AudienceFigures.month >= first,
                AudienceFigures.month <= last,
            )
        )
    }
    missing = sorted(
        key for key in months_between(first, last) if not _usable(stored.get(key), now)
    )
    if missing:
        counted = audience_months(session, [list_key], missing[0], min(now, month_end(last)))
        for month in counted[list_key]:
            row = stored.get(month.month) or AudienceFigures(list_key=list_key, month=month.month)
            row.active, row.new, row.left, row.bounced, row.profiles = (
                month.active, month.new, month.left, month.bounced, month.by_profile
            )  # fmt: skip
            # Counted again: so will be who was subscribed, when a page needs it.
            row.breakdown = None
            row.closed, row.counted_at = month_end(month.month) < now, now
            keep(session, row)
            stored[month.month] = row
    return [
        AudienceMonth(key, stored[key].active, stored[key].new, stored[key].left,
                      stored[key].bounced, stored[key].profiles)
        for key in months_between(first, last)
    ]  # fmt: skip


def who(session: Session, list_key: str, month: str, now: datetime) -> Breakdown:
    """Who was subscribed at the end of ``month`` (now, for the current month)."""
    row = session.get(AudienceFigures, (list_key, month))
    if row is None or not _usable(row, now):
        months(session, list_key, month, month, now)
        row = session.get(AudienceFigures, (list_key, month))
    assert row is not None
    if row.breakdown is None:
        found = breakdown(session, list_key, min(now, month_end(month)))
        row.breakdown = asdict(found)
        keep(session, row)
        return found
    return Breakdown(**row.breakdown)
