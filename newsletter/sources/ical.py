"""iCalendar (.ics) sources: partner agendas become ``agenda`` entries."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar

from newsletter.content.entries import Entry
from newsletter.content.sanitise import clean_html, clean_text, text_to_html
from newsletter.errors import SourceError
from newsletter.settings import SourceSettings
from newsletter.sources.parsed import Parsed

PARIS = ZoneInfo("Europe/Paris")


def parse_ical(body: bytes, source: SourceSettings) -> Parsed:
    """VEVENTs of a calendar; a document that is not iCalendar raises ``SourceError``."""
    if b"BEGIN:VCALENDAR" not in body[:4096].upper():
        raise SourceError("ce n'est pas un calendrier iCalendar (BEGIN:VCALENDAR absent)")
    try:
        calendar = Calendar.from_ical(body.decode("utf-8", errors="replace"))
    except (ValueError, IndexError, KeyError) as exc:
        raise SourceError(f"calendrier iCalendar illisible : {exc}") from None
    now = datetime.now(UTC)
    entries, skipped = [], 0
    for event in calendar.walk("VEVENT"):
        entry = _entry(event, source, now)
        if entry is None:
            skipped += 1
        else:
            entries.append(entry)
    warnings = [f"{skipped} événement(s) sans titre ou sans date ignoré(s)"] if skipped else []
    return Parsed(entries, warnings)


def _entry(event: Any, source: SourceSettings, now: datetime) -> Entry | None:
    title = clean_text(str(event.get("SUMMARY", "")))
    start_prop = event.get("DTSTART")
    if not title or start_prop is None:
        return None
    all_day = not isinstance(start_prop.dt, datetime)
    starts_at = _aware(start_prop.dt)
    ends_at = _end(event, starts_at)
    stamp = event.get("CREATED") or event.get("LAST-MODIFIED") or event.get("DTSTAMP")
    url = str(event.get("URL", ""))
    return Entry(
        source_key=source.key,
        guid=str(event.get("UID") or f"{source.key}:{starts_at.isoformat()}:{title}")[:2000],
        title=title,
        kind="agenda",
        published_at=_aware(stamp.dt) if stamp else now,
        updated_at=_aware(event["LAST-MODIFIED"].dt) if event.get("LAST-MODIFIED") else None,
        url=url if url.startswith(("http://", "https://")) else "",
        summary=clean_html(text_to_html(str(event.get("DESCRIPTION", "")))),
        categories=_categories(event),
        themes=source.themes,
        networks=source.networks,
        territory=source.territory,
        starts_at=starts_at,
        ends_at=ends_at,
        all_day=all_day,
        place=clean_text(str(event.get("LOCATION", ""))),
        organiser=_organiser(event),
        cancelled=str(event.get("STATUS", "")).upper() == "CANCELLED",
    )


def _aware(value: date | datetime) -> datetime:
    """Dates are local midnights; floating times are Paris time."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    return value if value.tzinfo else value.replace(tzinfo=PARIS)


def _end(event: Any, starts_at: datetime) -> datetime | None:
    if event.get("DTEND") is not None:
        return _aware(event["DTEND"].dt)
    duration = event.get("DURATION")
    if duration is not None and isinstance(duration.dt, timedelta):
        return starts_at + duration.dt
    return None


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
