"""Preparing entries for storage: identity, canonical URL, dedup key, state the title
announces, classification, fingerprint.

Pure and picklable, so that gathering runs it in worker processes beside parsing; the
store then only matches and writes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from newsletter.content.classify import Classifier, summary_words
from newsletter.content.dedupe import canonical_url, dedup_key
from newsletter.content.entries import Entry, stable_id
from newsletter.content.sanitise import MAX_URL

# Fields a later announcement by the item's reference source may change.
TRACKED = (
    "kind", "title", "summary", "url", "starts_at", "ends_at", "all_day",
    "place", "organiser", "registration_url", "cancelled", "postponed", "territory",
)  # fmt: skip


def jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def tracked_fields(entry: Entry) -> dict[str, Any]:
    """The tracked fields, and the publication date when the source gave one (a moved
    publication date is an update too)."""
    fields = {name: getattr(entry, name) for name in TRACKED}
    if entry.published_at is not None:
        fields["published_at"] = entry.published_at
    return fields


def fingerprint(fields: dict[str, Any]) -> str:
    payload = json.dumps({k: jsonable(v) for k, v in fields.items()}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def prepare(entries: Iterable[Entry], classifier: Classifier, timezone: str) -> list[Entry]:
    """Fill in each entry's identity when it has none, canonical URL, dedup key, state
    (cancelled, postponed), themes, networks and fingerprint."""
    prepared = []
    for entry in entries:
        state = classifier.title_state(entry.title)
        entry.cancelled = entry.cancelled or state.cancelled
        entry.postponed = entry.postponed or state.postponed
        if not entry.guid:
            # Neither GUID nor link: what it says is what identifies it, never when we saw it.
            start = entry.starts_at.isoformat() if entry.starts_at else ""
            entry.guid = stable_id("contenu", state.words, start)
        # The column's size: the canonical form of a long link may be longer than it.
        entry.canonical_url = canonical_url(entry.url)[:MAX_URL]
        text = summary_words(entry.summary)
        entry.dedup_key = dedup_key(
            state.words, entry.starts_at, entry.published_at, text, timezone
        )
        entry.themes, entry.networks = classifier.classify(entry, text)
        entry.content_hash = fingerprint(tracked_fields(entry))
        prepared.append(entry)
    return prepared
