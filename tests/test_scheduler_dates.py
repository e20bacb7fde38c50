"""Send and draft instants from the newsletters' cron schedules, in Europe/Paris, across
daylight-saving changes (asserted as exact UTC instants)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsletter.editions.periods import draft_time, next_send

ZONE = "Europe/Paris"
LETTRE = "0 9 1-7 1,3,5,7,9,11 tue"  # first Tuesday of every other month, 09:00
REAAP = "0 10 8-14 1-6,9-12 thu"  # second Thursday of the month, except July-August


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_lettre_dates_through_2027() -> None:
    """09:00 in Paris is 08:00 UTC in winter and 07:00 UTC in summer: summer time starts on
    28 March 2027 and ends on 31 October 2027 (and on 25 October 2026)."""
    fires = [next_send(LETTRE, utc(2026, 10, 1), ZONE)]
    while fires[-1] < utc(2027, 12, 31):
        fires.append(next_send(LETTRE, fires[-1], ZONE))
    assert [fire.astimezone(UTC) for fire in fires] == [
        utc(2026, 11, 3, 8),  # winter time again since 25 October
        utc(2027, 1, 5, 8),
        utc(2027, 3, 2, 8),  # still winter time
        utc(2027, 5, 4, 7),  # summer time
        utc(2027, 7, 6, 7),
        utc(2027, 9, 7, 7),
        utc(2027, 11, 2, 8),  # winter time since 31 October
        utc(2028, 1, 4, 8),
    ]


@pytest.mark.parametrize(
    ("schedule", "send_at", "days", "draft_at"),
    [
        (LETTRE, utc(2027, 1, 5, 8), 7, utc(2026, 12, 29, 8)),
        (LETTRE, utc(2027, 5, 4, 7), 7, utc(2027, 4, 27, 7)),
        # 9:00 on Tuesday 26 October 2027 is still summer time: 07:00 UTC, not 08:00.
        (LETTRE, utc(2027, 11, 2, 8), 7, utc(2027, 10, 26, 7)),
        # Across the spring change: 10:00 in Paris on 25 March 2027 is 09:00 UTC.
        (REAAP, utc(2027, 4, 8, 8), 14, utc(2027, 3, 25, 9)),
    ],
)
def test_draft_comes_days_before_at_the_same_paris_time(
    schedule: str, send_at: datetime, days: int, draft_at: datetime
) -> None:
    """A draft is due N calendar days before its send, at the send's Paris time of day."""
    assert next_send(schedule, send_at.replace(day=1), ZONE) == send_at
    assert draft_time(send_at, days, ZONE) == draft_at
