"""iCalendar (.ics) sources: partner agendas become ``agenda`` entries.

Calendars are read as they are. Lines are unfolded on the bytes, then decoded (the
declared charset, else UTF-8, else Windows-1252), so that a fold inside a two-byte
character or a Latin-1 file comes out right. Floating times and all-day dates are in
``fetch.timezone``. A recurring event (RRULE, RDATE, EXDATE, with its RECURRENCE-ID
overrides and cancelled occurrences) is expanded over the agenda horizon by
recurring-ical-events: each occurrence is an entry of its own, tied to its series by UID.
One unreadable event is skipped with a warning naming it; the rest is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar, Component

from newsletter.content.entries import Entry
from newsletter.content.sanitise import clean_html, clean_text, text_to_html, web_link
from newsletter.errors import SourceError
from newsletter.settings import SourceSettings
from newsletter.sources.dates import YEARS
from newsletter.sources.parsed import DROPPED_LINKS, Parsed, counted

_FOLD = re.compile(rb"\r?\n[ \t]")
_CHARSET = re.compile(r"charset\s*=\s*\"?([\w.:-]+)", re.IGNORECASE)
# Properties without which an event cannot be placed in time.
_TIMING = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")


class BadEvent(Exception):
    """An event that cannot be read; its message says why, in French."""


@dataclass(frozen=True)
class Horizon:
    """Occurrences of recurring events are expanded between these two instants."""

    start: datetime
    end: datetime

    @classmethod
    def from_day(cls, now: datetime, zone: str, days: int) -> Horizon:
        """From the start of ``now``'s local day, for ``days`` days."""
        start = datetime.combine(now.astimezone(ZoneInfo(zone)).date(), time(0), ZoneInfo(zone))
        return cls(start, start + timedelta(days=days))


def parse_ical(
    body: bytes, content_type: str, source: SourceSettings, zone: str, horizon: Horizon
) -> Parsed:
    """VEVENTs of a calendar; a document that is not iCalendar raises ``SourceError``."""
    text, warnings = _decode(body, content_type)
    if "BEGIN:VCALENDAR" not in text[:4096].upper():
        raise SourceError("ce n'est pas un calendrier iCalendar (BEGIN:VCALENDAR absent)")
    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError):
        raise SourceError(
            "calendrier iCalendar illisible (BEGIN et END ne se répondent pas)"
        ) from None
    reading = _Reading(source, ZoneInfo(zone), horizon, calendar)
    entries: list[Entry] = []
    for uid, events in _by_uid(calendar.walk("VEVENT")):
        # A series is read whole; other events one by one (a UID may be reused).
        units = [events] if _recurs(events) else [[event] for event in events]
        for unit in units:
            try:
                entries.extend(reading.read(uid, unit, shared=len(events) > 1))
            except BadEvent as exc:
                reading.skip(unit[0], str(exc))
            except Exception as exc:  # a library bug on one hostile event must not lose the rest
                reading.skip(unit[0], f"illisible ({type(exc).__name__})")
    return Parsed(entries, warnings + reading.warnings())


def _decode(body: bytes, content_type: str) -> tuple[str, list[str]]:
    """Unfold the bytes, then decode them: declared charset, UTF-8, else Windows-1252."""
    unfolded = _FOLD.sub(b"", body).removeprefix(b"\xef\xbb\xbf")
    found = _CHARSET.search(content_type or "")
    declared = found[1].lower() if found else ""
    for encoding in dict.fromkeys(filter(None, (declared, "utf-8"))):
        try:
            return unfolded.decode(encoding), []
        except (LookupError, UnicodeDecodeError):
            continue
    said = f"déclaré {declared}, " if declared else ""
    return unfolded.decode("cp1252", errors="replace"), [
        f"calendrier non UTF-8 ({said}lu comme Windows-1252)"
    ]


def _by_uid(events: list[Component]) -> Iterator[tuple[str, list[Component]]]:
    """Events grouped by UID (a series and its overrides); events without UID alone."""
    groups: dict[str, list[Component]] = {}
    for number, event in enumerate(events):
        uid = str(event.get("UID", "")).strip()
        groups.setdefault(uid or f"\x00{number}", []).append(event)
    for uid, group in groups.items():
        yield ("" if uid.startswith("\x00") else uid), group


def _recurs(events: list[Component]) -> bool:
    return any("RRULE" in event or "RDATE" in event for event in events)


def _name(event: Component) -> str:
    return clean_text(str(event.get("SUMMARY", "")), 80) or str(event.get("UID", "sans titre"))


class _Reading:
    """One calendar being read."""

    def __init__(
        self, source: SourceSettings, zone: ZoneInfo, horizon: Horizon, calendar: Calendar
    ) -> None:
        self.source, self.zone, self.horizon = source, zone, horizon
        self.timezones = calendar.walk("VTIMEZONE")
        self.dropped_links: list[str] = []
        self.skipped: list[str] = []

    def skip(self, event: Component, reason: str) -> None:
        self.skipped.append(f"événement « {_name(event)} » ignoré : {reason}")

    def warnings(self) -> list[str]:
        return self.skipped + counted(self.dropped_links, DROPPED_LINKS)

    def read(self, uid: str, events: list[Component], shared: bool) -> list[Entry]:
        """Entries of one event, or of every occurrence of a series within the horizon."""
        if _recurs(events):
            return list(self.series(uid, events))
        event = events[0]
        _check(event)
        starts_at, all_day = self.moment(_value(event, "DTSTART"))
        if "RECURRENCE-ID" in event:  # one occurrence published without its series
            key = self.occurrence_id(_value(event, "RECURRENCE-ID"))
            return [self.entry(event, event, f"{uid}/{key}", starts_at, all_day, uid)]
        guid = f"{uid}/{self.occurrence_id(starts_at)}" if shared else uid
        return [self.entry(event, event, guid, starts_at, all_day, "")]

    def series(self, uid: str, events: list[Component]) -> Iterator[Entry]:
        """Each occurrence of a recurring event within the horizon; a bad override is
        left out (the occurrence keeps the series' values), a bad series raises."""
        if not uid:
            raise BadEvent("événement répété sans UID")
        master = next((event for event in events if "RECURRENCE-ID" not in event), None)
        if master is None:
            raise BadEvent("série sans son événement principal")
        _check(master)
        overrides = {}
        for event in events:
            if event is master:
                continue
            try:
                _check(event)
                overrides[self.occurrence_id(_value(event, "RECURRENCE-ID"))] = event
            except BadEvent as exc:
                self.skip(event, f"{exc} (modification d'une occurrence)")
        calendar = Calendar()
        for component in (*self.timezones, master, *overrides.values()):
            calendar.add_component(component)
        found = recurring_ical_events.of(calendar).between(self.horizon.start, self.horizon.end)
        for occurrence in found:
            key = self.occurrence_id(_value(occurrence, "RECURRENCE-ID"))
            starts_at, all_day = self.moment(_value(occurrence, "DTSTART"))
            written = overrides.get(key, master)
            yield self.entry(occurrence, written, f"{uid}/{key}", starts_at, all_day, uid)

    def entry(
        self,
        event: Component,
        written: Component,
        guid: str,
        starts_at: datetime,
        all_day: bool,
        series: str,
    ) -> Entry:
        """``event`` as announced; ``written`` is the VEVENT it comes from (its DURATION)."""
        title = clean_text(str(event.get("SUMMARY", "")))
        if not title:
            raise BadEvent("titre absent")
        url = str(event.get("URL", ""))
        link = web_link(url)
        if link is None:
            self.dropped_links.append(url)
        created = _value(event, "CREATED") if "CREATED" in event else None
        modified = _value(event, "LAST-MODIFIED") if "LAST-MODIFIED" in event else None
        return Entry(
            source_key=self.source.key,
            guid=guid[:2000],
            title=title,
            kind="agenda",
            # DTSTAMP is often the time of the export: never a publication date.
            published_at=self.moment(created)[0] if created else None,
            updated_at=self.moment(modified)[0] if modified else None,
            url=link or "",
            summary=clean_html(text_to_html(str(event.get("DESCRIPTION", "")))),
            categories=_categories(event),
            themes=self.source.themes,
            networks=self.source.networks,
            territory=self.source.territory,
            starts_at=starts_at,
            ends_at=self.end(event, written, starts_at),
            all_day=all_day,
            place=clean_text(str(event.get("LOCATION", ""))),
            organiser=_organiser(event),
            cancelled=str(event.get("STATUS", "")).upper() == "CANCELLED",
            series=series[:2000],
        )

    def moment(self, value: date | datetime) -> tuple[datetime, bool]:
        """An aware datetime, and whether it was a whole day (local midnight then)."""
        if value.year not in YEARS:
            raise BadEvent(f"date hors limites ({value.isoformat()})")
        if not isinstance(value, datetime):
            return datetime.combine(value, time(0), self.zone), True
        return (value if value.tzinfo else value.replace(tzinfo=self.zone)), False

    def occurrence_id(self, value: date | datetime) -> str:
        """What identifies an occurrence in its series: its original start, in UTC."""
        moment, all_day = self.moment(value)
        if all_day:
            return moment.date().isoformat()
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    def end(self, event: Component, written: Component, starts_at: datetime) -> datetime | None:
        duration = getattr(written.get("DURATION"), "dt", None)
        if isinstance(duration, timedelta):
            return add_duration(starts_at, duration)
        if event.get("DTEND") is not None:
            return self.moment(_value(event, "DTEND"))[0]
        return None


def add_duration(start: datetime, duration: timedelta) -> datetime:
    """RFC 5545 §3.3.6: days are nominal (same local time, 23 or 25 hours across a change
    of time), hours and less are exact."""
    zone: tzinfo | None = start.tzinfo
    local = start + timedelta(days=duration.days)  # wall-clock arithmetic in its zone
    exact = timedelta(seconds=duration.seconds, microseconds=duration.microseconds)
    return (local.astimezone(UTC) + exact).astimezone(zone)


def _value(event: Component, name: str) -> date | datetime:
    """The date or date-time of a property (``datetime`` is a ``date`` too)."""
    value = getattr(event.get(name), "dt", None)
    if not isinstance(value, date):
        raise BadEvent(f"propriété {name} illisible")
    return value


def _check(event: Component) -> None:
    """Refuse an event whose timing cannot be read."""
    broken = [name for name, _ in getattr(event, "errors", []) if name in _TIMING]
    if broken:
        raise BadEvent(f"propriété {', '.join(dict.fromkeys(broken))} illisible")
    if event.get("DTSTART") is None:
        raise BadEvent("date de début absente")


def _organiser(event: Any) -> str:
    organiser = event.get("ORGANIZER")
    if organiser is None:
        return ""
    name = organiser.params.get("CN") if hasattr(organiser, "params") else None
    return clean_text(str(name or organiser).removeprefix("mailto:").removeprefix("MAILTO:"))


def _categories(event: Any) -> tuple[str, ...]:
    found = event.get("CATEGORIES")
    if found is None:
        return ()
    groups = found if isinstance(found, list) else [found]
    return tuple(str(cat) for group in groups for cat in getattr(group, "cats", [group]))
