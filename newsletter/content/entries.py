"""An entry: one item as a source announced it, before dedup and storage."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Entry:
    source_key: str
    guid: str
    title: str
    kind: str
    # None when the source gave no date: the item is then dated when first seen.
    published_at: datetime | None
    # The link as the source published it (absolute, http or https), for readers.
    url: str = ""
    summary: str = ""
    updated_at: datetime | None = None
    categories: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    territory: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    all_day: bool = False
    place: str = ""
    organiser: str = ""
    registration_url: str = ""
    cancelled: bool = False
    postponed: bool = False
    # The iCalendar UID of the series an occurrence belongs to ("" for a single event).
    series: str = ""
    # The picture the source gave (enclosure, media:content, the summary's first image):
    # downloaded once after storing, never linked to from an email.
    image_url: str = ""
    image_alt: str = ""
    # Filled in by newsletter.content.prepare before storage.
    canonical_url: str = field(default="", compare=False)
    dedup_key: str = field(default="", compare=False)
    content_hash: str = field(default="", compare=False)


def stable_id(*parts: object) -> str:
    """A GUID for an entry that has none, derived from what identifies it."""
    return "sha256:" + hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]
