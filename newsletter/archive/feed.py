"""The Atom feed (RFC 4287) of a newsletter's archive: one entry per sent edition."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from newsletter.archive.links import edition_url, feed_url, newsletter_url

ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class ArchivedEdition:
    number: int
    subject: str
    summary: str  # the preheader
    sent_at: datetime


def archive_feed(
    public_url: str, newsletter: str, title: str, author: str, editions: Sequence[ArchivedEdition]
) -> str:
    """The feed's XML, newest edition first."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "fr"})
    ordered = sorted(editions, key=lambda edition: edition.number, reverse=True)
    _text(feed, "id", feed_url(public_url, newsletter))
    _text(feed, "title", title)
    updated = max(
        (edition.sent_at for edition in ordered), default=datetime(1970, 1, 1, tzinfo=UTC)
    )
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
