"""Source queries: declared sources mirrored in the database with their fetch state."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.db import utcnow
from newsletter.settings import SourceSettings
from newsletter.sources.models import Source

if TYPE_CHECKING:
    from newsletter.sources.http import Validators


class SourceStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def sync(self, declared: Sequence[SourceSettings]) -> dict[str, Source]:
        """Rows for the declared sources, created or renamed; state is kept across runs."""
        rows = {row.key: row for row in self.session.scalars(sa.select(Source))}
        for settings in declared:
            row = rows.get(settings.key)
            if row is None:
                row = rows[settings.key] = Source(key=settings.key, name=settings.name, url="")
                self.session.add(row)
            if row.url != settings.url:  # a new address: forget the old validators
                row.url, row.etag, row.last_modified = settings.url, "", ""
            row.name = settings.name
        self.session.flush()
        return {s.key: rows[s.key] for s in declared}

    def ensure(self, key: str, name: str) -> Source:
        """A source that is not fetched (editorial input), created on first use."""
        row = self.session.execute(sa.select(Source).where(Source.key == key)).scalar_one_or_none()
        if row is None:
            row = Source(key=key, name=name, url="")
            self.session.add(row)
            self.session.flush()
        return row

    def get(self, key: str) -> Source:
        return self.session.execute(sa.select(Source).where(Source.key == key)).scalar_one()

    def all(self) -> list[Source]:
        return list(self.session.scalars(sa.select(Source).order_by(Source.key)))

    def record_success(
        self, source: Source, validators: Validators, new_items: int, warning: str = ""
    ) -> None:
        now = utcnow()
        source.etag, source.last_modified = validators.etag, validators.last_modified
        source.last_fetched_at = source.last_success_at = now
        source.failure_streak = 0
        source.last_warning = warning
        source.items_total += new_items

    def record_failure(self, source: Source, error: str) -> None:
        now = utcnow()
        source.last_fetched_at = source.last_error_at = now
        source.last_error = error
        source.failure_streak += 1
