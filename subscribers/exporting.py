"""Exporting subscribers to a CSV file a French spreadsheet opens as it is.

UTF-8 with BOM, ``;`` separated, CRLF; the same headers the import recognises. Cells that a
spreadsheet would run as a formula (starting with = + - @, tab or CR) get a leading quote,
which the import takes off again (``subscribers.csvfile.neutralise`` and ``restore``).
"""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import TextIO

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from newsletter.settings import SegmentRule
from newsletter.vocabulary import PROFILES
from subscribers.audience import audience_condition
from subscribers.csvfile import COLUMNS, neutralise
from subscribers.directory import visible
from subscribers.models import Subscriber
from subscribers.profiles import FORMATS

PAGE = 2000
FIELDS = [name for name in COLUMNS if name != "postcode"]
HEADER = [COLUMNS[name][0] for name in FIELDS] + ["listes", "statut", "inscrit le"]


def export_csv(
    session: Session,
    path: Path,
    list_key: str | None = None,
    segment: SegmentRule | None = None,
) -> int:
    """Write the audience of a list / segment (everyone when neither is given)."""
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        return write_csv(session, file, list_key, segment)


def write_csv(
    session: Session,
    file: TextIO,
    list_key: str | None = None,
    segment: SegmentRule | None = None,
    lists: Collection[str] | None = None,
) -> int:
    """``export_csv`` to an open text file (opened with ``utf-8-sig`` and ``newline=""``);
    ``lists`` keeps only the people an editor sees, and only these lists in the row."""
    where = audience_condition(list_key, segment) if list_key or segment else sa.true()
    if lists is not None:
        where = sa.and_(where, visible(lists))
    count = 0
    writer = csv.writer(file, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for subscriber in _pages(session, where):
        writer.writerow([neutralise(cell) for cell in _cells(subscriber, lists)])
        count += 1
    return count


def _pages(session: Session, where: sa.ColumnElement[bool]) -> Iterator[Subscriber]:
    after = 0
    while True:
        page = list(
            session.scalars(
                sa.select(Subscriber)
                .where(where, Subscriber.id > after)
                .order_by(Subscriber.id)
                .limit(PAGE)
                .options(
                    selectinload(Subscriber.theme_rows), selectinload(Subscriber.subscriptions)
                )
            )
        )
        if not page:
            return
        yield from page  # the session holds them weakly: each page is freed after use
        after = page[-1].id


def _cells(subscriber: Subscriber, lists: Collection[str] | None) -> list[str]:
    values = {name: getattr(subscriber, name, "") for name in FIELDS}
    values |= {
        "profile": PROFILES[subscriber.profile],
        "format": FORMATS[subscriber.format],
        "themes": ", ".join(subscriber.themes),
    }
    active = [s.list_key for s in subscriber.subscriptions
              if s.status == "active" and (lists is None or s.list_key in lists)]  # fmt: skip
    created = subscriber.created_at.strftime("%d/%m/%Y")
    return [values[name] for name in FIELDS] + [", ".join(active), subscriber.status, created]
