"""RSS 0.9x/1.0/2.0 and Atom sources: feedparser on the bytes our client fetched.

Partners' feeds are read as they are. A well-formed feed is read strictly; when it is not
(an HTML entity such as ``&eacute;``, a bare ``&``, a truncated tail), feedparser's
tolerant parser reads it again and the complete entries are kept, with a warning on the
source ("flux réparé : …"). Links are the ones the partner published, made absolute
against ``xml:base`` or the channel's link; anything but http(s) is dropped with a warning.
"""

from __future__ import annotations

import calendar
import html
import re
import time
import xml.sax
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser

from newsletter.content.entries import Entry
from newsletter.content.sanitise import clean_html, clean_text, web_link
from newsletter.errors import SourceError
from newsletter.settings import SourceSettings
from newsletter.sources.dates import parse_date
from newsletter.sources.entities import check_entities
from newsletter.sources.parsed import DROPPED_LINKS, Parsed, counted

# The end of an entry: what the tolerant parser read after the last one is incomplete.
_ENTRY_END = re.compile(r"</(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>")
# expat's messages, in the editors' words.
_XML_PROBLEMS = {
    "undefined entity": "entité HTML inconnue en XML",
    "not well-formed (invalid token)": "caractère non autorisé (un « & » seul ?)",
    "no element found": "document tronqué",
    "unclosed token": "document tronqué",
    "mismatched tag": "balise mal fermée",
    "junk after document element": "contenu après la fin du document",
}


@dataclass
class _Reading:
    """One feed being read: where relative links point, what was dropped on the way."""

    base: str
    source: SourceSettings
    zone: str
    dropped_links: list[str] = field(default_factory=list)
    unreadable_dates: list[str] = field(default_factory=list)
    untitled: int = 0

    def warnings(self) -> list[str]:
        untitled = [f"{self.untitled} entrée(s) sans titre ignorée(s)"] if self.untitled else []
        return [
            *counted(self.dropped_links, DROPPED_LINKS),
            *counted(self.unreadable_dates, "date(s) illisible(s)"),
            *untitled,
        ]


def parse_feed(
    body: bytes, content_type: str, url: str, source: SourceSettings, timezone: str
) -> Parsed:
    """Entries of a feed; a document that is not a readable feed raises ``SourceError``.

    Dates without a zone are in ``timezone``.
    """
    checked = check_entities(body)
    try:
        document = feedparser.parse(
            checked,
            response_headers={"content-type": content_type or "application/xml"},
            resolve_relative_uris=False,  # done by the sanitiser, much faster
            sanitize_html=False,
        )
    except Exception as exc:  # feedparser's own bugs on garbled documents
        kind = type(exc).__name__
        raise SourceError(f"flux illisible (échec du lecteur de flux : {kind})") from None
    warnings, complete = _check(document, body, content_type)
    channel = web_link(document.feed.get("link", ""), url)
    reading = _Reading(channel or url, source, timezone)
    entries = [_entry(raw, reading) for raw in document.entries[:complete]]
    return Parsed([entry for entry in entries if entry], warnings + reading.warnings())


def _check(document: Any, body: bytes, content_type: str) -> tuple[list[str], int]:
    """Refuse what is not a feed; keep recoverable oddities as warnings. Also says how
    many of the entries read are complete."""
    problem = document.get("bozo_exception")
    complete = len(document.entries)
    if not document.get("version") and not document.entries:
        received = content_type.split(";")[0] or "type inconnu"
        raise SourceError(f"ce n'est pas un flux RSS ou Atom (reçu : {received})")
    if isinstance(problem, xml.sax.SAXParseException):
        text = _text(body, document.get("encoding"))
        complete = min(complete, len(_ENTRY_END.findall(text)))
        what = _XML_PROBLEMS.get(problem.getMessage(), problem.getMessage())
        where = f"XML mal formé ligne {problem.getLineNumber()} ({what})"
        if not complete:
            raise SourceError(f"{where} : aucune entrée complète")
        lost = len(document.entries) - complete
        incomplete = f", {lost} entrée(s) incomplète(s) ignorée(s)" if lost else ""
        return [f"flux réparé : {where}{incomplete}"], complete
    if isinstance(problem, feedparser.CharacterEncodingOverride):
        return [f"encodage déclaré incorrect, lu comme {document.get('encoding')}"], complete
    if problem is not None and not isinstance(problem, feedparser.NonXMLContentType):
        return [f"flux lu malgré une anomalie ({type(problem).__name__})"], complete
    return [], complete


def _text(body: bytes, encoding: str | None) -> str:
    try:
        return body.decode(encoding or "utf-8", errors="replace")
    except LookupError:  # an encoding name Python does not know
        return body.decode("utf-8", errors="replace")


def _entry(raw: Any, reading: _Reading) -> Entry | None:
    title = clean_text(raw.get("title", ""))
    if not title:
        reading.untitled += 1
        return None
    source = reading.source
    content = raw.get("content") or []
    raw_summary = (content[0].get("value") if content else raw.get("summary")) or ""
    link = _link(raw.get("link", ""), reading)
    updated = _when(raw, "updated", reading)
    entry = Entry(
        source_key=source.key,
        guid=str(raw.get("id") or link)[:2000],  # none: prepare derives one from the content
        title=title,
        kind=source.kind,
        published_at=_when(raw, "published", reading) or updated,
        url=link,
        summary=clean_html(raw_summary, reading.base),
        updated_at=updated,
        categories=tuple(t.get("term", "") for t in raw.get("tags", []) if t.get("term")),
        themes=source.themes,
        networks=source.networks,
        territory=source.territory,
    )
    _event_fields(raw, entry, reading)
    entry.image_url, entry.image_alt = _image(raw, raw_summary, reading)
    return entry


_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""\b(src|alt)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)


def _image(raw: Any, summary: str, reading: _Reading) -> tuple[str, str]:
    """The entry's picture and its alternative text: an image enclosure, else a
    ``media:content`` (or thumbnail) image, else the first ``<img>`` of the summary."""
    for enclosure in raw.get("enclosures") or []:
        if str(enclosure.get("type", "")).startswith("image/") and enclosure.get("href"):
            return _picture(enclosure["href"], "", reading)
    for media in [*(raw.get("media_content") or []), *(raw.get("media_thumbnail") or [])]:
        kind = str(media.get("medium") or media.get("type") or "image")
        if media.get("url") and kind.startswith("image"):
            return _picture(media["url"], "", reading)
    found = _IMG.search(summary)
    if found is not None and not _HANDLER.search(found.group()):  # scripted: an attack
        attributes = {name.lower(): "".join(values)
                      for name, *values in _ATTRIBUTE.findall(found.group())}  # fmt: skip
        if attributes.get("src"):
            return _picture(attributes["src"], clean_text(attributes.get("alt", "")), reading)
    return "", ""


def _picture(url: str, alt: str, reading: _Reading) -> tuple[str, str]:
    link = web_link(html.unescape(url), reading.base)
    return (link, alt) if link else ("", "")


def _link(raw: str, reading: _Reading) -> str:
    link = web_link(raw, reading.base)
    if link is None:
        reading.dropped_links.append(raw)
        return ""
    return link


def _when(raw: Any, name: str, reading: _Reading) -> datetime | None:
    """The date as written (its zone honoured, else ``fetch.timezone``), else as
    feedparser understood it (a UTC tuple)."""
    # dict.get: FeedParserDict.get would map a missing "updated" onto "published".
    text = dict.get(raw, name)
    if not text:
        return None
    found = parse_date(text, reading.zone)
    if found is not None:
        return found
    parsed: time.struct_time | None = dict.get(raw, f"{name}_parsed")
    if parsed:
        return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    reading.unreadable_dates.append(text)
    return None


def _event_fields(raw: Any, entry: Entry, reading: _Reading) -> None:
    """RSS event module (``ev:startdate`` …) for agenda feeds published as RSS."""
    start = raw.get("ev_startdate")
    if not start:
        return
    entry.starts_at = _when(raw, "ev_startdate", reading)
    entry.ends_at = _when(raw, "ev_enddate", reading)
    entry.place = clean_text(raw.get("ev_location", ""))
    entry.organiser = clean_text(raw.get("ev_organizer", ""))
