"""When two announcements are the same item: strong evidence only, and always a reason.

GUIDs identify an entry within its own source only (two partners may both number their
items from 1). Besides its GUID, an announcement is the same item as a known one when:

- both link to the same page (canonical URL; within one source the titles must agree too,
  since some sites link every entry to one page);
- both are events with the same title and the same start, and compatible places and
  organisers (one empty, or the words of one contained in the other's);
- neither is an event and both have the same title and the same text, published the same
  day (a partner posting the same thing twice).

Two events starting at different times are never the same. Every merge gets a French
reason that editors read, and can undo.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from newsletter.text import words

TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "xtor")
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_KEY = 700
SAME_URL = "même adresse ({url})"
SAME_EVENT = "même titre et même début, lieu et organisateur compatibles"
SAME_TEXT = "même titre et même texte, publiés le même jour"


class Announced(Protocol):
    """What matching reads of a stored item or of an entry."""

    @property
    def title(self) -> str: ...
    @property
    def canonical_url(self) -> str: ...
    @property
    def dedup_key(self) -> str: ...
    @property
    def starts_at(self) -> datetime | None: ...
    @property
    def place(self) -> str: ...
    @property
    def organiser(self) -> str: ...


@dataclass
class Candidates:
    """Known items (or entries new in the batch being saved) by canonical URL and key."""

    by_url: dict[str, list[Announced]] = field(default_factory=dict)
    by_key: dict[str, list[Announced]] = field(default_factory=dict)

    def add(self, candidate: Announced) -> None:
        if candidate.canonical_url:
            self.by_url.setdefault(candidate.canonical_url, []).append(candidate)
        self.by_key.setdefault(candidate.dedup_key, []).append(candidate)

    def match(
        self, entry: Announced, same_source: Callable[[Announced], bool]
    ) -> tuple[Announced | None, str]:
        """The first candidate the evidence says ``entry`` is, and why."""
        found = [*self.by_url.get(entry.canonical_url, ()), *self.by_key.get(entry.dedup_key, ())]
        for candidate in found:
            reason = merge_reason(entry, candidate, same_source(candidate))
            if reason:
                return candidate, reason
        return None, ""


def canonical_url(url: str) -> str:
    """Scheme and host lowercased, default port, fragment and tracking parameters dropped.

    For matching only: readers get the link as the source published it.
    """
    if not url:
        return ""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/") or "/"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
         if not k.lower().startswith(TRACKING_PARAMS)]
    )  # fmt: skip
    return urlunsplit((scheme, host, path, query, ""))


def dedup_key(
    title: str,
    starts_at: datetime | None,
    published_at: datetime | None,
    text: str,
    timezone: str,
) -> str:
    """What two announcements of one item share: title and start for events; otherwise
    title, text and local day of publication. ``title`` and ``text`` are folded words."""
    if starts_at is not None:
        start = starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
        return f"debut|{start}|{title}"[:MAX_KEY]
    day = published_at.astimezone(ZoneInfo(timezone)).date().isoformat() if published_at else ""
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    return f"texte|{day}|{digest}|{title}"[:MAX_KEY]


def compatible(one: str, other: str) -> bool:
    """Places (or organisers) that may name the same thing: one unknown, or the words of
    one all found in the other ("Saint-Ouen-sur-Seine" and "Saint-Ouen-sur-Seine (93)")."""
    first, second = set(words(one).split()), set(words(other).split())
    return not first or not second or first <= second or second <= first


def merge_reason(entry: Announced, known: Announced, same_source: bool) -> str | None:
    """Why ``entry`` is the same item as ``known``, or None when nothing says so."""
    if entry.starts_at and known.starts_at and entry.starts_at != known.starts_at:
        return None
    same_page = _specific(entry.canonical_url) and entry.canonical_url == known.canonical_url
    if same_page and (not same_source or words(entry.title) == words(known.title)):
        return SAME_URL.format(url=entry.canonical_url)
    if not entry.dedup_key or entry.dedup_key != known.dedup_key:
        return None
    if entry.starts_at is None:
        return SAME_TEXT
    if compatible(entry.place, known.place) and compatible(entry.organiser, known.organiser):
        return SAME_EVENT
    return None


def _specific(url: str) -> bool:
    """A page of its own, not a site's home page."""
    if not url:
        return False
    parts = urlsplit(url)
    return parts.path not in ("", "/") or bool(parts.query)
