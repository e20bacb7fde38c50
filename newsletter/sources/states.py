"""What each source's fetches left (its last success, its failures, its warnings), read for
those who watch them: `newsletter sources` and the editors' dashboard. One plain query on
any DB-API connection, so that the command reads a SQLite file with the standard library
alone (``newsletter.direct``) and answers at once, and the dashboard through its session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from newsletter.direct import as_utc

QUERY = (
    "SELECT key, name, last_success_at, failure_streak, last_error, last_error_at, "
    "last_warning, items_total FROM sources ORDER BY key"
)


@dataclass(frozen=True)
class SourceState:
    key: str
    name: str
    last_success_at: datetime | None
    failure_streak: int
    last_error: str
    last_error_at: datetime | None
    last_warning: str
    items_total: int

    def failing(self, alert_streak: int) -> bool:
        """Failed at least ``alert_streak`` times in a row (``fetch.failure_alert_streak``)."""
        return self.failure_streak >= alert_streak


def source_states(connection: Any) -> list[SourceState]:
    """Every source's state, by key (``connection``: a DB-API connection, SQLite's or
    PostgreSQL's)."""
    cursor = connection.cursor()
    try:
        cursor.execute(QUERY)
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return [
        SourceState(
            key, name, _time(success), streak, error or "", _time(error_at), warning or "", total
        )
        for key, name, success, streak, error, error_at, warning, total in rows
    ]


def _time(value: datetime | str | None) -> datetime | None:
    """A stored time as the driver gives it: a datetime (PostgreSQL) or SQLite's text."""
    if value is None:
        return None
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)
