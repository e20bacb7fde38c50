"""The network's liveliness: items each source brought month by month, each source's fetch
state, and each partner's share of what the editions carried."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.content.models import ItemSource
from newsletter.editions.models import EditionItem
from newsletter.sources.models import Source
from subscribers.statistics import month_of


@dataclass(frozen=True)
class SourceActivity:
    key: str
    name: str
    months: dict[str, int]  # "2026-03" → items first announced by it that month
    failure_streak: int  # fetches failed in a row, now
    last_error: str


def activity(session: Session, start: datetime, end: datetime) -> list[SourceActivity]:
    """Every source's items per month in [start, end), with its fetch state now."""
    month = month_of(session, ItemSource.first_seen_at)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = session.execute(
        sa.select(ItemSource.source_id, month, sa.func.count())
        .where(ItemSource.first_seen_at >= start, ItemSource.first_seen_at < end)
        .group_by(ItemSource.source_id, month)
    )
    for source_id, when, count in rows:
        counts[source_id][when] = count
    return [
        SourceActivity(
            source.key,
            source.name,
            counts.get(source.id, {}),
            source.failure_streak,
            source.last_error,
        )
        for source in session.scalars(sa.select(Source).order_by(Source.name))
    ]


def shares(session: Session, edition_ids: Sequence[int]) -> dict[str, int]:
    """Items the editions carried, by the source that announced them (an item several
    sources announced counts for each); editors' own entries under their source's name."""
    rows = session.execute(
        sa.select(Source.name, sa.func.count(sa.distinct(EditionItem.id)))
        .select_from(EditionItem)
        .join(ItemSource, ItemSource.item_id == EditionItem.item_id)
        .join(Source, Source.id == ItemSource.source_id)
        .where(EditionItem.edition_id.in_(list(edition_ids)))
        .group_by(Source.name)
        .order_by(sa.func.count(sa.distinct(EditionItem.id)).desc(), Source.name)
    )
    return {name: count for name, count in rows}
