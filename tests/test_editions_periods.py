"""Send dates from cron schedules (Europe/Paris) and the period an edition covers."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from newsletter.editions.periods import next_send, period_label, send_time

ZONE = "Europe/Paris"
PARIS = ZoneInfo(ZONE)
LETTRE = "0 9 1-7 1,3,5,7,9,11 tue"


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=PARIS)  # type: ignore[misc]


def test_bimonthly_schedule_fires_on_first_tuesdays() -> None:
    """ "First Tuesday of every other month at 09:00", in Paris time across DST changes."""
    fires = [next_send(LETTRE, at(2026, 11, 21), ZONE)]
    for _ in range(3):
        fires.append(next_send(LETTRE, fires[-1], ZONE))
    assert fires == [at(2027, 1, 5, 9), at(2027, 3, 2, 9), at(2027, 5, 4, 9), at(2027, 7, 6, 9)]
    assert fires[2].utcoffset() != fires[0].utcoffset()  # summer time


def test_send_time_on_a_scheduled_day_and_off_schedule() -> None:
    """A scheduled day gives its fire time; another day gets the schedule's usual hour."""
    assert send_time(LETTRE, date(2026, 11, 3), ZONE) == at(2026, 11, 3, 9)
    assert send_time(LETTRE, date(2026, 11, 21), ZONE) == at(2026, 11, 21, 9)


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (at(2026, 11, 3, 9), at(2027, 1, 5, 9), "novembre-décembre 2026"),
        (at(2027, 1, 5, 9), at(2027, 3, 2, 9), "janvier-février 2027"),
        (at(2026, 12, 10, 10), at(2027, 1, 14, 10), "décembre 2026"),
        (at(2026, 12, 1, 10), at(2027, 2, 4, 10), "décembre 2026-janvier 2027"),
        (at(2027, 1, 7, 10), at(2027, 5, 6, 10), "janvier-avril 2027"),
        (at(2026, 12, 7, 8), at(2026, 12, 14, 8), "7 décembre 2026"),
    ],
)
def test_period_label(start: datetime, end: datetime, label: str) -> None:
    """The period runs from the send's month to the month before the next send, in French."""
    assert period_label(start, end, ZONE) == label
