"""French sample content rendered as real feeds, for the demo and the tests.

The content lives in ``data/sample_content.json`` (condensed from the seed documents: Profession
Banlieue's fiches d'expérience, rendez-vous and actualités, partner resource centres' agendas,
centres sociaux actions, Réaap news). :func:`build_sample_feeds` renders it as RSS 2.0, RSS 1.0
(RDF), Atom and iCalendar documents dated relative to a given day, so the demo always looks
current. Output is deterministic: the same ``today`` always gives the same bytes.

Publication times are ``today - published_days_ago`` at 09:00 Europe/Paris; events start at
``today + start_in_days`` at ``start_time`` Europe/Paris (all-day when ``start_time`` is null),
the day after when that falls on a public holiday.

An entry with an ``image`` gets a picture (:func:`sample_images`, made with Pillow) served
beside the feeds at ``base_url``: in its content with its alternative text when it has one,
else as an enclosure (without text: an editor writes it).
"""

from __future__ import annotations

import io
import json
import math
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime
from html.parser import HTMLParser
from importlib import resources
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr
from zoneinfo import ZoneInfo

import icalendar
from PIL import Image, ImageDraw

PARIS = ZoneInfo("Europe/Paris")
PUBLISHED_AT = time(9, 0)
CONTENT_TYPES = {
    "rss2": "application/rss+xml; charset=utf-8",
    "rss1": "application/rdf+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "ics": "text/calendar; charset=utf-8",
}
_XML_DECL = '<?xml version="1.0" encoding="utf-8"?>\n'
_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")  # fmt: skip
_MONTHS_SHORT = ("Jan", "Fév", "Mar", "Avr", "Mai", "Juin", "Juil", "Aoû", "Sep", "Oct", "Nov",
                 "Déc")  # fmt: skip

Entry = dict[str, Any]
Feed = dict[str, Any]


def load_sample_content() -> dict[str, Any]:
    """Return the sample content (a fresh copy each call): ``{"feeds": [...]}``."""
    data = resources.files("newsletter.demo").joinpath("data", "sample_content.json")
    content: dict[str, Any] = json.loads(data.read_text(encoding="utf-8"))
    return content


def load_sample_text(name: str) -> str:
    """An editors' sample text (``lettre-edito``, ``lettre-mouvements``, ``reaap-edito``)."""
    data = resources.files("newsletter.demo").joinpath("data", f"{name}.md")
    return data.read_text(encoding="utf-8")


IMAGES_PATH = "/images/"


def build_sample_feeds(today: date, base_url: str = "") -> dict[str, tuple[str, bytes]]:
    """Map each sample feed path to ``(content_type, body)``, dated relative to ``today``;
    with ``base_url`` (where :func:`sample_images` are served), entries show their images."""
    builders = {"rss2": _rss2, "rss1": _rss1, "ics": _ics}
    feeds: dict[str, tuple[str, bytes]] = {}
    for feed in load_sample_content()["feeds"]:
        fmt = feed["format"]
        body = _atom(feed, today, base_url) if fmt == "atom" else builders[fmt](feed, today)
        feeds[feed["path"]] = (CONTENT_TYPES[fmt], body)
    return feeds


def sample_images() -> dict[str, tuple[str, bytes]]:
    """The entries' pictures by path: coloured circles on blue, different for each name."""
    images: dict[str, tuple[str, bytes]] = {}
    for feed in load_sample_content()["feeds"]:
        for entry in feed["entries"]:
            if "image" in entry:
                name = entry["image"]["name"]
                images[f"{IMAGES_PATH}{name}.jpg"] = ("image/jpeg", _picture(name))
    return images


def _picture(name: str) -> bytes:
    seed = sum(map(ord, name))
    picture = Image.new("RGB", (1200, 675), (20, 48, 77))
    draw = ImageDraw.Draw(picture)
    for step in range(9):
        x, y = (seed * (step + 3) * 37) % 1100, (seed * (step + 5) * 53) % 600
        colour = ((seed * (step + 1) * 71) % 200 + 55, (step * 40 + seed) % 200 + 40, 120)
        draw.ellipse((x - 90, y - 90, x + 90, y + 90), fill=colour)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85)
    return out.getvalue()


# --- dates -----------------------------------------------------------------------------------


def published_at(entry: Entry, today: date) -> datetime:
    """When the entry was published: ``published_days_ago`` days before ``today``, 09:00 Paris."""
    return datetime.combine(today - timedelta(entry["published_days_ago"]), PUBLISHED_AT, PARIS)


def updated_at(entry: Entry, today: date) -> datetime:
    """When the entry was last modified (its publication time when never updated)."""
    days_ago = entry.get("updated_days_ago")
    if days_ago is None:
        return published_at(entry, today)
    return datetime.combine(today - timedelta(days_ago), PUBLISHED_AT, PARIS)


# Fixed-date public holidays in France (month, day): nobody holds a colloque on Christmas.
HOLIDAYS = frozenset({(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)})


def event_start(entry: Entry, today: date) -> datetime | date:
    """An agenda entry's start: an aware Paris datetime, or a date for all-day events;
    ``start_in_days`` after ``today``, moved to the next day when that is a public holiday."""
    day = today + timedelta(days=entry["start_in_days"])
    while (day.month, day.day) in HOLIDAYS:
        day += timedelta(days=1)
    if not entry.get("start_time"):
        return day
    hours, minutes = (int(part) for part in entry["start_time"].split(":"))
    return datetime.combine(day, time(hours, minutes), PARIS)


def french_date(moment: datetime, style: int = 0) -> str:
    """A French date as French sites write it, e.g. ``Mardi 4 mars 2025 à 9h00`` (style 0)
    or ``04 Fév 2025 09:00 CET`` (style 1). Not RFC 822: feedparser cannot read it."""
    if style % 2 == 0:
        day = "1er" if moment.day == 1 else str(moment.day)
        weekday = _DAYS[moment.weekday()].capitalize()
        return (
            f"{weekday} {day} {_MONTHS[moment.month - 1]} {moment.year}"
            f" à {moment.hour}h{moment.minute:02d}"
        )
    month = _MONTHS_SHORT[moment.month - 1]
    return f"{moment.day:02d} {month} {moment.year} {moment:%H:%M} {moment.tzname()}"


def _last_change(feed: Feed, today: date) -> datetime:
    return max(updated_at(entry, today) for entry in feed["entries"])


# --- text helpers ----------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment, one paragraph per line, skipping scripts."""

    _BLOCKS = frozenset({"p", "br", "li", "div", "h1", "h2", "h3", "h4"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: paragraphs separated by blank lines."""
    extractor = _TextExtractor()
    extractor.feed(fragment)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.parts).split("\n"))
    return "\n\n".join(line for line in lines if line)


def _el(tag: str, text: str, **attrs: str) -> str:
    attributes = "".join(f" {name.replace('_', ':')}={quoteattr(v)}" for name, v in attrs.items())
    return f"<{tag}{attributes}>{escape(text)}</{tag}>"


def _basics(title: str, link: str, description: str) -> str:
    return _el("title", title) + _el("link", link) + _el("description", description)


def _channel_head(feed: Feed) -> str:
    return _basics(feed["title"], feed["link"], str(feed.get("description") or feed["title"]))


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


# --- RSS 2.0 ---------------------------------------------------------------------------------


def _rss2(feed: Feed, today: date) -> bytes:
    french = bool(feed.get("french_dates"))
    out = [
        _XML_DECL,
        '<rss version="2.0">\n<channel>\n',
        _channel_head(feed),
        _el("language", "fr"),
    ]
    if not french:
        out.append(_el("lastBuildDate", format_datetime(_last_change(feed, today))))
    out.append("\n")
    for index, entry in enumerate(feed["entries"]):
        published = published_at(entry, today)
        stamp = french_date(published, index) if french else format_datetime(published)
        out.append("<item>")
        out.append(_basics(entry["title"], entry["link"], entry["summary_html"]))
        out.append(_el("guid", entry["guid"], isPermaLink="false"))
        out.append(_el("pubDate", stamp))
        out.extend(_el("category", category) for category in entry.get("categories", []))
        out.append("</item>\n")
    out.append("</channel>\n</rss>\n")
    return "".join(out).encode("utf-8")


# --- RSS 1.0 (RDF) ---------------------------------------------------------------------------


def _rss1(feed: Feed, today: date) -> bytes:
    out = [
        _XML_DECL,
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">\n',
        f"<channel rdf:about={quoteattr(feed['link'])}>{_channel_head(feed)}",
        _el("dc:language", "fr"),
        _el("dc:date", _last_change(feed, today).isoformat()),
        "\n<items><rdf:Seq>\n",
    ]
    out.extend(f"<rdf:li rdf:resource={quoteattr(e['link'])}/>\n" for e in feed["entries"])
    out.append("</rdf:Seq></items>\n</channel>\n")
    for entry in feed["entries"]:
        out.append(f"<item rdf:about={quoteattr(entry['link'])}>")
        out.append(_basics(entry["title"], entry["link"], entry["summary_html"]))
        out.append(_el("dc:identifier", entry["guid"]))
        out.append(_el("dc:date", published_at(entry, today).isoformat()))
        if entry.get("author"):
            out.append(_el("dc:creator", entry["author"]))
        out.extend(_el("dc:subject", category) for category in entry.get("categories", []))
        out.append("</item>\n")
    out.append("</rdf:RDF>\n")
    return "".join(out).encode("utf-8")


# --- Atom ------------------------------------------------------------------------------------


def _atom(feed: Feed, today: date, base_url: str) -> bytes:
    parts = urlsplit(feed["link"])
    base = f"{parts.scheme}://{parts.netloc}/"
    out = [
        _XML_DECL,
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr" xml:base={quoteattr(base)}>\n',
        _el("id", feed["link"]),
        _el("title", feed["title"]),
        _el("subtitle", str(feed.get("description") or feed["title"])),
        f'<link rel="alternate" type="text/html" href={quoteattr(feed["link"])}/>',
        _el("updated", _last_change(feed, today).isoformat()),
        f"<author>{_el('name', 'Profession Banlieue')}{_el('uri', base)}</author>\n",
    ]
    for entry in feed["entries"]:
        out.append("<entry>")
        out.append(_el("id", entry["guid"]))
        out.append(_el("title", entry["title"]))
        out.append(f'<link rel="alternate" type="text/html" href={quoteattr(entry["link"])}/>')
        out.append(_el("published", published_at(entry, today).isoformat()))
        out.append(_el("updated", updated_at(entry, today).isoformat()))
        out.extend(f"<category term={quoteattr(c)}/>" for c in entry.get("categories", []))
        image = entry.get("image") if base_url else None
        summary = entry["summary_html"]
        if image:
            src = f"{base_url}{IMAGES_PATH}{image['name']}.jpg"
            if image.get("alt"):
                summary = (
                    f"<p><img src={quoteattr(src)} alt={quoteattr(image['alt'])}></p>{summary}"
                )
            else:
                out.append(f'<link rel="enclosure" type="image/jpeg" href={quoteattr(src)}/>')
        # CDATA keeps the (possibly hostile) HTML byte-for-byte: sanitising is the pipeline's job.
        out.append(f'<content type="html">{_cdata(summary)}</content>')
        out.append("</entry>\n")
    out.append("</feed>\n")
    return "".join(out).encode("utf-8")


# --- iCalendar -------------------------------------------------------------------------------


def _ics(feed: Feed, today: date) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Profession Banlieue//Lettre (demo)//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", feed["title"])
    calendar.add("x-wr-caldesc", feed.get("description", feed["title"]))
    calendar.add("x-wr-timezone", "Europe/Paris")
    for entry in feed["entries"]:
        calendar.add_component(_vevent(entry, today))
    calendar.add_missing_timezones(today - timedelta(days=366), today + timedelta(days=731))
    ical: bytes = calendar.to_ical()
    return ical


def _vevent(entry: Entry, today: date) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", entry["guid"])
    event.add("summary", entry["title"])
    description = html_to_text(entry["summary_html"])
    if entry.get("registration_url"):
        description += f"\n\nInscription : {entry['registration_url']}"
    event.add("description", description)
    start = event_start(entry, today)
    if isinstance(start, datetime):
        end: datetime | date = start + timedelta(hours=entry["duration_hours"])
    else:
        end = start + timedelta(days=max(1, math.ceil(entry["duration_hours"] / 24)))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("location", entry["place"])
    host = (urlsplit(entry["link"]).hostname or "example.org").removeprefix("www.")
    organiser = icalendar.vCalAddress(f"mailto:{entry.get('organiser_email', f'contact@{host}')}")
    organiser.params["cn"] = icalendar.vText(entry["organiser"])
    event.add("organizer", organiser)
    event.add("url", entry["link"])
    if entry.get("categories"):
        event.add("categories", entry["categories"])
    cancelled = bool(entry.get("cancelled"))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("created", published_at(entry, today).astimezone(UTC))
    event.add("dtstamp", updated_at(entry, today).astimezone(UTC))
    event.add("last-modified", updated_at(entry, today).astimezone(UTC))
    revised = cancelled or entry.get("updated_days_ago") is not None
    event.add("sequence", 1 if revised else 0)
    return event
