"""French dates for emails (Babel): ``mardi 4 mars 2025``, ``mar. 4 mars``, ``9 h 30``,
``mardi 4 mars 2025 à 9 h 30``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date

FRENCH = Locale.parse("fr_FR")


def _first(day: date, text: str) -> str:
    """French writes the first day of a month ``1er``."""
    return text.replace(" 1 ", " 1er ", 1) if day.day == 1 else text


def long_date(day: date) -> str:
    """``mardi 4 mars 2025`` (``samedi 1er mars 2025``)."""
    return _first(day, format_date(day, "EEEE d MMMM y", locale=FRENCH))


def short_date(day: date) -> str:
    """``mar. 4 mars``: the agenda's day label."""
    return _first(day, format_date(day, "EEE d MMMM", locale=FRENCH))


def month_name(day: date) -> str:
    """``novembre``."""
    return format_date(day, "MMMM", locale=FRENCH)


def clock(moment: datetime) -> str:
    """French typographic time: ``9 h 30``, ``14 h``."""
    if moment.minute:
        return f"{moment.hour} h {moment.minute:02d}"
    return f"{moment.hour} h"


def day_and_hour(moment: datetime, zone: str) -> str:
    """``mercredi 9 décembre 2026 à 9 h``, in ``zone``."""
    local = moment.astimezone(ZoneInfo(zone))
    return f"{long_date(local.date())} à {clock(local)}"


def when(starts: datetime, ends: datetime | None, all_day: bool) -> str:
    """An event's time span after its day: ``9 h 30 – 12 h``, ``14 h``, or ``toute la journée``."""
    if all_day:
        # iCalendar ends all-day events at the next midnight (exclusive).
        last = (ends - timedelta(seconds=1)).date() if ends is not None else starts.date()
        return f"jusqu’au {long_date(last)}" if last > starts.date() else "toute la journée"
    if ends is None or ends <= starts:
        return clock(starts)
    if ends.date() != starts.date():
        return f"{clock(starts)}, jusqu’au {long_date(ends.date())}"
    return f"{clock(starts)} – {clock(ends)}"
