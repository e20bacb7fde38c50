"""An agenda entry as an iCalendar file (RFC 5545): the "add to my calendar" link of emails."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from icalendar import Calendar, Event

from newsletter.content.models import Item
from newsletter.content.sanitise import plain_text


def event_calendar(item: Item, public_url: str, organisation: str) -> bytes:
    """One VEVENT, its UID stable across downloads so that calendars update, not duplicate."""
    if item.starts_at is None:
        raise ValueError("not an event")
    calendar = Calendar()
    calendar.add("prodid", f"-//{organisation}//Lettre//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"item-{item.id}@{urlsplit(public_url).hostname}")
    event.add("dtstamp", item.last_changed_at)
    event.add("sequence", item.revision)
    if item.all_day:
        first = item.starts_at.date()
        event.add("dtstart", first)
        event.add("dtend", item.ends_at.date() if item.ends_at else first + timedelta(days=1))
    else:
        event.add("dtstart", item.starts_at)
        if item.ends_at is not None and item.ends_at > item.starts_at:
            event.add("dtend", item.ends_at)
    event.add("summary", item.title)
    if item.place:
        event.add("location", item.place)
    lines = [plain_text(item.summary).strip()]
    if item.organiser:
        lines.append(f"Organisé par {item.organiser}")
    link = item.registration_url or item.url
    if link:
        event.add("url", link)
        lines.append(link)
    description = "\n\n".join(line for line in lines if line)
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body
