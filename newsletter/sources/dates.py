"""Parsing of French dates that feedparser does not understand on its own.

French feeds and agendas write dates such as ``Mardi 4 mars 2025 à 14h30``,
``mar., 04 févr. 2025 10:00:00 +0100`` or ``04/03/2025 14h30``. This module turns them into
timezone-aware datetimes and exposes a date handler that plugs into feedparser, so that
``entry.published_parsed`` is filled in for such feeds.

Matching is accent- and case-insensitive: the text is normalised (NFKD, combining marks
dropped, lowercased) before a single regular expression is applied, and month and weekday
names are looked up in tables built the same way.
"""

import re
import time
import unicodedata
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

import feedparser

_MONTH_NAMES = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_WEEKDAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

# Zone abbreviations map to fixed offsets, whatever the date (CET stays +01:00 in summer).
_ZONE_OFFSETS = {
    "cet": timedelta(hours=1),
    "cest": timedelta(hours=2),
    "utc": timedelta(0),
    "gmt": timedelta(0),
    "ut": timedelta(0),
    "z": timedelta(0),
}
_PARIS = "Europe/Paris"

# Applied to normalised text (see _normalise), hence lowercase and accent-free literals.
_DATE_RE = re.compile(
    r"""
    \s*(?:le\s+)?
    (?:(?P<weekday>[a-z]+)\.?,?\s+)?
    (?P<day>\d{1,2})(?:er)?
    (?:
        \s+(?P<month_name>[a-z]+)\.?,?\s+
      | (?P<sep>[./-])(?P<month_number>\d{1,2})(?P=sep)
    )
    (?P<year>\d{4})
    (?:
        \s*[,-]?\s*(?:(?:a\s+partir\s+de|a|de|des|vers)\s+)?
        (?P<hour>\d{1,2})
        (?:
            \s*h(?:eures?)?\s*(?P<h_minute>\d{2})?
          | :(?P<colon_minute>\d{2})(?::(?P<second>\d{2}))?
        )
        # The end of a time range ("de 9h à 17h") is accepted and ignored.
        (?:\s*(?:a|-)\s*\d{1,2}\s*(?:h\s*(?:\d{2})?|:\d{2}))?
    )?
    (?:\s*\(?(?P<zone>[+-]\d{2}:?\d{2}|[a-z]{1,4}|heure\s+de\s+paris)\)?)?
    \s*
    """,
    re.VERBOSE,
)
_OFFSET_RE = re.compile(r"(?P<sign>[+-])(?P<hours>\d{2}):?(?P<minutes>\d{2})")

_registered = False


def _normalise(text: str) -> str:
    """Return ``text`` decomposed (NFKD), without combining marks, in lowercase."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def _prefix_table(names: tuple[str, ...]) -> dict[str, int]:
    """Map every unambiguous prefix (3 letters or more) of ``names`` to its 1-based index.

    This accepts full names and the usual abbreviations (``janv``, ``fev``, ``juil``,
    ``sept``, ``aou``, ``mar``...) while rejecting ambiguous ones such as ``jui``.
    """
    candidates: dict[str, set[int]] = {}
    for index, name in enumerate(names, start=1):
        key = _normalise(name)
        for end in range(3, len(key) + 1):
            candidates.setdefault(key[:end], set()).add(index)
    return {prefix: indexes.pop() for prefix, indexes in candidates.items() if len(indexes) == 1}


_MONTHS = _prefix_table(_MONTH_NAMES)
_WEEKDAYS = _prefix_table(_WEEKDAY_NAMES)


def _zone_info(zone: str | None, default: str) -> tzinfo | None:
    """Return the tzinfo named by a matched zone, the ``default`` zone, or None if unknown."""
    if zone is None:
        return ZoneInfo(default)
    if zone.startswith("heure"):
        return ZoneInfo(_PARIS)
    if zone in _ZONE_OFFSETS:
        return timezone(_ZONE_OFFSETS[zone])
    offset = _OFFSET_RE.fullmatch(zone)
    if offset is None:
        return None
    minutes = int(offset["hours"]) * 60 + int(offset["minutes"])
    if int(offset["minutes"]) >= 60 or minutes >= 24 * 60:
        return None
    return timezone(timedelta(minutes=-minutes if offset["sign"] == "-" else minutes))


def parse_french_date(text: str, tz: str = "Europe/Paris") -> datetime | None:
    """Parse a French date (with optional time and zone) into an aware datetime.

    The datetime is in the zone or offset named by the text, else in ``tz``; a date without
    a time is at local midnight. Returns None when the text is not a recognised date or
    names an impossible one (such as 31 February).
    """
    match = _DATE_RE.fullmatch(_normalise(text))
    if match is None:
        return None
    if match["weekday"] is not None and match["weekday"] not in _WEEKDAYS:
        return None
    if match["month_name"] is not None:
        month = _MONTHS.get(match["month_name"])
        if month is None:
            return None
    else:
        month = int(match["month_number"])
    zone = _zone_info(match["zone"], tz)
    if zone is None:
        return None
    minute = match["h_minute"] or match["colon_minute"] or 0
    try:
        return datetime(
            int(match["year"]),
            month,
            int(match["day"]),
            int(match["hour"] or 0),
            int(minute),
            int(match["second"] or 0),
            tzinfo=zone,
        )
    except ValueError:
        return None


def feedparser_handler(text: str) -> time.struct_time | None:
    """Date handler for ``feedparser.registerDateHandler``: a UTC 9-tuple, or None.

    ``utctimetuple`` gives the same fields as ``timetuple`` on a UTC datetime but with
    ``tm_isdst=0``, like feedparser's built-in RFC 822 and W3DTF handlers.
    """
    parsed = parse_french_date(text)
    if parsed is None:
        return None
    return parsed.astimezone(UTC).utctimetuple()


def register_with_feedparser() -> None:
    """Register :func:`feedparser_handler` with feedparser, once per process."""
    global _registered
    if not _registered:
        feedparser.registerDateHandler(feedparser_handler)
        _registered = True
