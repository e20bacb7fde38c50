"""Aggregate link counts: one row per edition, link and day, a total. No subscriber, no
address, no cookie: what is stored could not say who clicked, even with every other table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.db import upsert
from newsletter.statistics.models import LinkClicks


@dataclass(frozen=True)
class LinkTotal:
    edition_id: int
    link_id: str
    url: str
    clicks: int
    days: int  # days with at least one click


def count(session: Session, edition_id: int, link_id: str, url: str, day: date) -> None:
    """One more click on that link that day: a single upsert, safe under concurrency."""
    values = {"edition_id": edition_id, "link_id": link_id, "url": url, "day": day, "count": 1}
    statement = upsert(session, LinkClicks.__table__).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["edition_id", "link_id", "day"],
            set_={"count": LinkClicks.count + 1},
        )
    )


def totals(session: Session, edition_ids: Sequence[int]) -> list[LinkTotal]:
    """Clicks per link of these editions, most clicked first."""
    rows = session.execute(
        sa.select(LinkClicks.edition_id, LinkClicks.link_id, sa.func.max(LinkClicks.url),
                  sa.func.sum(LinkClicks.count), sa.func.count())
        .where(LinkClicks.edition_id.in_(list(edition_ids)))
        .group_by(LinkClicks.edition_id, LinkClicks.link_id)
        .order_by(sa.func.sum(LinkClicks.count).desc())
    )  # fmt: skip
    return [LinkTotal(*row) for row in rows]
