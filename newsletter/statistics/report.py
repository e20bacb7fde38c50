"""A newsletter's year in figures: what the stats page, the printable report and the
``newsletter stats`` command all show (assembled by services.statistics)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from newsletter.statistics.clicks import LinkTotal
from newsletter.statistics.sources import SourceActivity
from subscribers.statistics import AudienceMonth, Breakdown


@dataclass(frozen=True)
class EditionLine:
    """One edition's figures (see statistics.editions)."""

    id: int
    number: int
    period: str
    sent_at: datetime | None
    recipients: int
    sent: int
    deferred_sent: int
    failed: int
    skipped: int
    html: int
    text: int
    hard: int
    soft: int
    complaints: int
    unsubscribes: dict[str, dict[str, int]]  # list → profile → people
    duration: timedelta | None  # first to last message accepted
    settled: bool

    @property
    def left(self) -> int:
        return sum(sum(by_profile.values()) for by_profile in self.unsubscribes.values())

    @property
    def html_share(self) -> float:
        """Percentage of the messages sent as HTML (the others as text only)."""
        return round(100 * self.html / self.sent, 1) if self.sent else 0.0


@dataclass(frozen=True)
class YearFigures:
    newsletter: str
    title: str
    list_key: str
    list_label: str
    year: int
    until: datetime  # the end of the year, or now for the current one
    months: list[AudienceMonth]
    breakdown: Breakdown
    editions: list[EditionLine]
    sources: list[SourceActivity]
    shares: dict[str, int]  # source name → items in the year's editions
    count_clicks: bool
    clicks: list[LinkTotal]


@dataclass(frozen=True)
class Summary:
    """A newsletter on the dashboard: its audience this month and its last edition."""

    newsletter: str
    title: str
    active: int  # now
    joined: int  # this month
    left: int
    last: EditionLine | None
