"""What a merged announcement said, kept beside its credit so that it can be split off.

An item is updated by its reference source only; an announcement merged into it by
another source (or under another GUID) keeps its own fields here, refreshed whenever that
source announces it again, so that splitting it off gives the item that source described.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from newsletter.content.entries import Entry
from newsletter.content.models import Item, ItemSource
from newsletter.content.prepare import TRACKED, jsonable, tracked_fields
from newsletter.db import utcnow

DATES = ("published_at", "updated_at", "starts_at", "ends_at")
IDENTITY = ("canonical_url", "dedup_key", "content_hash", "series")


def snapshot(entry: Entry) -> dict[str, Any]:
    """The entry's fields, as JSON values."""
    fields = tracked_fields(entry) | {
        "updated_at": entry.updated_at,
        "themes": list(entry.themes),
        "networks": list(entry.networks),
    }
    fields |= {name: getattr(entry, name) for name in IDENTITY}
    return {name: jsonable(value) for name, value in fields.items()}


def item_from(
    data: dict[str, Any], fallback: Item, guid: str, url: str, first_seen_at: datetime
) -> Item:
    """A new item from a snapshot; what the snapshot lacks (a merge recorded before
    snapshots were kept) is copied from ``fallback``, with the credit's own link."""
    names = (*TRACKED, *DATES, *IDENTITY, "themes", "networks", "territory")
    values: dict[str, Any] = {name: getattr(fallback, name) for name in names}
    values["url"] = url or fallback.url
    for name, value in data.items():
        if name in values:
            values[name] = _restored(name, value)
    return Item(
        **values, guid=guid, overrides={}, revision=1, first_seen_at=first_seen_at,
        last_changed_at=utcnow(),
    )  # fmt: skip


def _restored(name: str, value: Any) -> Any:
    if name in DATES and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


def merge_reason_label(credit: ItemSource) -> str:
    """Why a merged announcement was merged, for editors."""
    return credit.merge_reason or "fusion antérieure à l'enregistrement des raisons"
