"""The Atom feed (RFC 4287) of a newsletter's archive: one entry per sent edition."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from newsletter.archive.links import edition_url, feed_url, newsletter_url
from newsletter.rendering.context import EditionView

ATOM = "http://www.w3.org/2005/Atom"
OPENING_CHARS = 300


@dataclass(frozen=True)
class ArchivedEdition:
    number: int
    subject: str
    summary: str  # see :func:`summary`
    sent_at: datetime


def summary(view: EditionView) -> str:
    """An entry's summary: the first lines of the editors' text (the édito), then the
    rubriques; the preheader (or the subject) when the edition has neither."""
    texts = [section.text for section in view.sections if section.text]
    opening = " ".join(texts[0].split()) if texts else ""
    if len(opening) > OPENING_CHARS:
        opening = opening[: OPENING_CHARS + 1].rsplit(" ", 1)[0].rstrip(" ,;:.–—-") + "…"
    titles = " · ".join(section.title for section in view.sections)
    contents = f"Au sommaire : {titles}." if titles else ""
    return (
        "\n\n".join(part for part in (opening, contents) if part) or view.preheader or view.subject
    )


def archive_feed(
    public_url: str,
    newsletter: str,
    title: str,
    author: str,
    editions: Sequence[ArchivedEdition],
    now: datetime,
) -> str:
    """The feed's XML, newest edition first; a feed with no edition yet is dated ``now``."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "fr"})
    ordered = sorted(editions, key=lambda edition: edition.number, reverse=True)
    _text(feed, "id", feed_url(public_url, newsletter))
    _text(feed, "title", title)
    updated = max((edition.sent_at for edition in ordered), default=now.astimezone(UTC))
    _text(feed, "updated", updated.isoformat())
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=feed_url(public_url, newsletter))
    ET.SubElement(
        feed, f"{{{ATOM}}}link", rel="alternate", href=newsletter_url(public_url, newsletter)
    )
    _text(ET.SubElement(feed, f"{{{ATOM}}}author"), "name", author)
    for edition in ordered:
        url = edition_url(public_url, newsletter, edition.number)
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", url)
        _text(entry, "title", edition.subject)
        _text(entry, "updated", edition.sent_at.isoformat())
        _text(entry, "published", edition.sent_at.isoformat())
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=url)
        _text(entry, "summary", edition.summary)
    return ET.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = text
    return element
