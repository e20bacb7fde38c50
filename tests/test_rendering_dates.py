"""French dates in emails (Babel): long and agenda forms, ``1er``, typographic times."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from newsletter.rendering.dates import clock, long_date, short_date, when

PARIS = ZoneInfo("Europe/Paris")


def test_long_and_short_dates() -> None:
    """``mardi 4 mars 2025`` for prose, ``mar. 4 mars`` for the agenda, ``1er`` for the first."""
    assert long_date(date(2025, 3, 4)) == "mardi 4 mars 2025"
    assert short_date(date(2025, 3, 4)) == "mar. 4 mars"
    assert long_date(date(2025, 3, 1)) == "samedi 1er mars 2025"
    assert short_date(date(2026, 12, 1)) == "mar. 1er décembre"


def test_times_and_spans() -> None:
    """Times are written ``9 h 30``; spans say until when, all-day events until which day."""
    assert clock(datetime(2025, 3, 4, 14, 0, tzinfo=PARIS)) == "14 h"
    start = datetime(2025, 3, 4, 9, 30, tzinfo=PARIS)
    assert when(start, datetime(2025, 3, 4, 12, tzinfo=PARIS), False) == "9 h 30 – 12 h"
    assert when(start, None, False) == "9 h 30"
    assert when(start, datetime(2025, 3, 5, 12, tzinfo=PARIS), False) == (
        "9 h 30, jusqu’au mercredi 5 mars 2025"
    )
    day = datetime(2025, 3, 4, tzinfo=PARIS)
    assert when(day, datetime(2025, 3, 5, tzinfo=PARIS), True) == "toute la journée"
    assert when(day, datetime(2025, 3, 7, tzinfo=PARIS), True) == "jusqu’au jeudi 6 mars 2025"
