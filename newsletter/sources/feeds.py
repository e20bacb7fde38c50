"""RSS 0.9x/1.0/2.0 and Atom sources: feedparser on the bytes our client fetched."""

from __future__ import annotations

import calendar
import time
import xml.sax
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import feedparser

from newsletter.content.entries import Entry, stable_id
from newsletter.content.sanitise import clean_html, clean_text
from newsletter.errors import SourceError
from newsletter.settings import SourceSettings
from newsletter.sources.dates import parse_french_date, register_with_feedparser
from newsletter.sources.parsed import Parsed

register_with_feedparser()
PARIS = ZoneInfo("Europe/Paris")


def parse_feed(body: bytes, content_type: str, url: str, source: SourceSettings) -> Parsed:
    """Entries of a feed; a document that is not a readable feed raises ``SourceError``."""
    if b"<!ENTITY" in body[:65536].upper():
        # Feeds never need their own entities; refusing them defuses "billion laughs".
        raise SourceError("le flux déclare des entités XML (refusé par sécurité)")
    document = feedparser.parse(
        body,
        response_headers={"content-type": content_type or "application/xml",
                          "content-location": url},
        resolve_relative_uris=False,  # done by the sanitiser, much faster
        sanitize_html=False,
    )  # fmt: skip
    warnings = _check(document, content_type)
    now = datetime.now(UTC)
    entries = [_entry(raw, url, source, now) for raw in document.entries]
    return Parsed([entry for entry in entries if entry is not None], warnings)


def _check(document: Any, content_type: str) -> list[str]:
    """Refuse what is not a feed; keep recoverable oddities as warnings."""
    problem = document.get("bozo_exception")
    if not document.get("version") and not document.entries:
        received = content_type.split(";")[0] or "type inconnu"
        raise SourceError(f"ce n'est pas un flux RSS ou Atom (reçu : {received})")
    if isinstance(problem, xml.sax.SAXParseException):
        raise SourceError(
            f"XML mal formé (ligne {problem.getLineNumber()}) : {problem.getMessage()}"
        )
    if isinstance(problem, feedparser.CharacterEncodingOverride):
        return [f"encodage déclaré incorrect, lu comme {document.get('encoding')}"]
    if problem is not None and not isinstance(problem, feedparser.NonXMLContentType):
        return [f"flux lu malgré une anomalie : {problem}"]
    return []


def _entry(raw: Any, base: str, source: SourceSettings, now: datetime) -> Entry | None:
    title = clean_text(raw.get("title", ""))
    if not title:
        return None
    link = urljoin(base, raw.get("link", "")) if raw.get("link") else ""
    content = raw.get("content") or []
    raw_summary = content[0].get("value", "") if content else raw.get("summary", "")
    summary = clean_html(raw_summary, link or base)
    published = _when(raw, "published") or _when(raw, "updated") or now
    guid = raw.get("id") or link or stable_id(source.key, title, published)
    entry = Entry(
        source_key=source.key,
        guid=str(guid)[:2000],
        title=title,
        kind=source.kind,
        published_at=published,
        url=link,
        summary=summary,
        updated_at=_when(raw, "updated"),
        categories=tuple(t.get("term", "") for t in raw.get("tags", []) if t.get("term")),
        themes=source.themes,
        networks=source.networks,
        territory=source.territory,
    )
    _event_fields(raw, entry)
    return entry


def _when(raw: Any, name: str) -> datetime | None:
    """A date feedparser understood (UTC tuple), else one of our French formats."""
    # dict.get: FeedParserDict.get would map a missing "updated" onto "published".
    parsed: time.struct_time | None = dict.get(raw, f"{name}_parsed")
    if parsed:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    text = dict.get(raw, name)
    return parse_french_date(text) if text else None


def _event_fields(raw: Any, entry: Entry) -> None:
    """RSS event module (``ev:startdate`` …) for agenda feeds published as RSS."""
    start = raw.get("ev_startdate")
    if not start:
        return
    entry.starts_at = _date_text(start)
    entry.ends_at = _date_text(raw.get("ev_enddate", ""))
    entry.place = clean_text(raw.get("ev_location", ""))
    entry.organiser = clean_text(raw.get("ev_organizer", ""))


def _date_text(text: str) -> datetime | None:
    """ISO 8601 (naive means Paris time) or a French date."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        return parse_french_date(text) if text else None
    return value if value.tzinfo else value.replace(tzinfo=PARIS)
