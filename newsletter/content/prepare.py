"""Preparing entries for storage: canonical URL, dedup key, classification, fingerprint.

Pure and picklable, so that gathering runs it in worker processes beside parsing; the
store then only matches and writes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from newsletter.content.classify import Classifier
from newsletter.content.dedupe import canonical_url, dedup_key
from newsletter.content.entries import Entry

# Fields a later announcement by the item's first source may change.
TRACKED = (
    "kind", "title", "summary", "url", "starts_at", "ends_at", "all_day",
    "place", "organiser", "registration_url", "cancelled", "territory",
)  # fmt: skip


def jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def tracked_fields(entry: Entry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in TRACKED}


def fingerprint(fields: dict[str, Any]) -> str:
    payload = json.dumps({k: jsonable(v) for k, v in fields.items()}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def prepare(entries: Iterable[Entry], classifier: Classifier, timezone: str) -> list[Entry]:
    """Fill in each entry's canonical URL, dedup key, themes, networks and fingerprint."""
    prepared = []
    for entry in entries:
        entry.url = canonical_url(entry.url)
        entry.dedup_key = dedup_key(entry.title, entry.starts_at or entry.published_at, timezone)
        entry.themes, entry.networks = classifier.classify(entry)
        entry.content_hash = fingerprint(tracked_fields(entry))
        prepared.append(entry)
    return prepared
