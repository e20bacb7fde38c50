"""Dates as feeds write them: ISO 8601, RFC 822 and French, with or without a zone.

:func:`parse_date` reads the text itself rather than trusting feedparser's reading, which
takes ``CET`` and ``CEST`` for UTC and a date without a zone for a UTC one. A zone named
in the text (``+0100``, ``Z``, ``UTC``, ``GMT``, ``CET``, ``CEST``…) is honoured; a time
without a zone is in the zone given by the caller (``fetch.timezone``).

French feeds and agendas write dates such as ``Mardi 4 mars 2025 à 14h30``,
``mar., 04 févr. 2025 10:00:00 +0100`` or ``04/03/2025 14h30``.

Matching is accent- and case-insensitive: the text is normalised (NFKD, combining marks
dropped, lowercased) before a single regular expression is applied, and month and weekday
names are looked up in tables built the same way.
"""

import re
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from newsletter.text import fold

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
# RFC 822 dates also name North American and other European zones (feed generators still
# write them); in a French date "est" is a word, not a zone.
_RFC822_ZONES = _ZONE_OFFSETS | {
    "met": timedelta(hours=1),
    "mest": timedelta(hours=2),
    "wet": timedelta(0),
    "west": timedelta(hours=1),
    "bst": timedelta(hours=1),
    "est": timedelta(hours=-5),
    "edt": timedelta(hours=-4),
    "cst": timedelta(hours=-6),
    "cdt": timedelta(hours=-5),
    "mst": timedelta(hours=-7),
    "mdt": timedelta(hours=-6),
    "pst": timedelta(hours=-8),
    "pdt": timedelta(hours=-7),
}
_ENGLISH_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                   "nov", "dec")  # fmt: skip
_PARIS = "Europe/Paris"

# Applied to normalised text (see newsletter.text.fold), hence lowercase and accent-free literals.
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
# Dates outside these years are mistakes (and some cannot be stored in UTC).
YEARS = range(1900, 2201)
_OFFSET_RE = re.compile(r"(?P<sign>[+-])(?P<hours>\d{2}):?(?P<minutes>\d{2})")
# RFC 822 / RFC 2822 as feeds write it: "Tue, 04 Mar 2025 09:00:00 CET", zone optional.
_RFC822_RE = re.compile(
    r"""
    \s*(?:[a-z]{3,9}\.?,?\s+)?
    (?P<day>\d{1,2})\s+(?P<month>[a-z]{3})[a-z]*\.?\s+(?P<year>\d{4}|\d{2})
    \s+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?
    (?:\s*(?P<zone>[+-]\d{2}:?\d{2}|[a-z]{1,5}))?\s*
    """,
    re.VERBOSE,
)


def _prefix_table(names: tuple[str, ...]) -> dict[str, int]:
    """Map every unambiguous prefix (3 letters or more) of ``names`` to its 1-based index.

    This accepts full names and the usual abbreviations (``janv``, ``fev``, ``juil``,
    ``sept``, ``aou``, ``mar``...) while rejecting ambiguous ones such as ``jui``.
    """
    candidates: dict[str, set[int]] = {}
    for index, name in enumerate(names, start=1):
        key = fold(name)
        for end in range(3, len(key) + 1):
            candidates.setdefault(key[:end], set()).add(index)
    return {prefix: indexes.pop() for prefix, indexes in candidates.items() if len(indexes) == 1}


_MONTHS = _prefix_table(_MONTH_NAMES)
_WEEKDAYS = _prefix_table(_WEEKDAY_NAMES)


def _zone_info(
    zone: str | None, default: str, names: dict[str, timedelta] = _ZONE_OFFSETS
) -> tzinfo | None:
    """Return the tzinfo named by a matched zone, the ``default`` zone, or None if unknown."""
    if zone is None:
        return ZoneInfo(default)
    if zone.startswith("heure"):
        return ZoneInfo(_PARIS)
    if zone in names:
        return timezone(names[zone])
    offset = _OFFSET_RE.fullmatch(zone)
    if offset is None:
        return None
    minutes = int(offset["hours"]) * 60 + int(offset["minutes"])
    if int(offset["minutes"]) >= 60 or minutes >= 24 * 60:
        return None
    return timezone(timedelta(minutes=-minutes if offset["sign"] == "-" else minutes))


def parse_french_date(text: str, tz: str) -> datetime | None:
    """Parse a French date (with optional time and zone) into an aware datetime.

    The datetime is in the zone or offset named by the text, else in ``tz``; a date without
    a time is at local midnight. Returns None when the text is not a recognised date or
    names an impossible one (such as 31 February).
    """
    match = _DATE_RE.fullmatch(fold(text))
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


def parse_date(text: str, tz: str) -> datetime | None:
    """An ISO 8601, RFC 822 or French date as an aware datetime, or None.

    A zone written in the text wins; without one, the time is in ``tz``; a date without a
    time is at midnight in ``tz``.
    """
    text = text.strip()
    if not text:
        return None
    try:
        value: datetime | None = datetime.fromisoformat(text)
    except ValueError:
        value = _rfc822(text.lower(), tz) or parse_french_date(text, tz)
    if value is None or value.year not in YEARS:
        return None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))


def _rfc822(text: str, tz: str) -> datetime | None:
    match = _RFC822_RE.fullmatch(text)
    if match is None or match["month"] not in _ENGLISH_MONTHS:
        return None
    zone = _zone_info(match["zone"], tz, _RFC822_ZONES)
    if zone is None:
        return None
    year = int(match["year"])
    if year < 100:
        year += 2000 if year < 50 else 1900
    try:
        return datetime(
            year,
            _ENGLISH_MONTHS.index(match["month"]) + 1,
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
            tzinfo=zone,
        )
    except ValueError:
        return None
