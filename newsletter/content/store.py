"""Item queries: saving a source's entries (dedup, updates, credits), listing, overriding."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.content.entries import Entry
from newsletter.content.models import Item, ItemChange, ItemSource
from newsletter.content.prepare import TRACKED, jsonable, tracked_fields
from newsletter.content.rules import checked_overrides
from newsletter.db import utcnow
from newsletter.errors import NotFoundError
from newsletter.settings import ClassificationSettings

OVERRIDABLE = (*TRACKED, "themes", "networks", "published_at")
CHUNK = 500
MAX_ID = 2**31 - 1
LIKE_ESCAPES = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})
# Matches for incoming entries: stored items, or entries new in the current batch.
Known = dict[str, "Item | Entry"]


@dataclass
class SaveOutcome:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged + self.merged


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


class ItemStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- saving ---------------------------------------------------------------------------

    def save_entries(self, source_id: int, entries: Sequence[Entry]) -> SaveOutcome:
        """Store one source's prepared entries: new items, updates, credits to known items."""
        by_guid, by_url, by_key = self._known(entries)
        outcome = SaveOutcome()
        fresh: dict[str, Entry] = {}  # new in this batch, inserted together at the end
        for entry in entries:
            match = (
                by_guid.get(entry.guid)
                or (entry.url and by_url.get(entry.url))
                or by_key.get(entry.dedup_key)
            )
            if match is None:
                fresh[entry.guid] = entry
                outcome.new += 1
                match = entry
            elif isinstance(match, Entry):  # repeated inside the same document
                outcome.unchanged += 1
            elif not any(s.source_id == source_id for s in match.sources):
                self._credit(match, source_id, entry)
                outcome.merged += 1
            elif match.sources[0].source_id == source_id and self._update(match, entry):
                outcome.updated += 1
            else:
                outcome.unchanged += 1
            by_guid[entry.guid] = match
            if entry.url:
                by_url[entry.url] = match
            by_key[entry.dedup_key] = match
        self._insert(source_id, list(fresh.values()))
        self.session.flush()
        return outcome

    def _known(self, entries: Sequence[Entry]) -> tuple[Known, Known, Known]:
        """Items already stored that these entries may match, loaded in a few queries."""
        guids = sorted({e.guid for e in entries})
        urls = sorted({e.url for e in entries if e.url})
        keys = sorted({e.dedup_key for e in entries})
        by_guid: Known = {}
        for chunk in _chunks(guids):
            rows = self.session.execute(
                sa.select(ItemSource.guid, Item).join(Item).where(ItemSource.guid.in_(chunk))
            )
            by_guid.update({guid: item for guid, item in rows})
        by_url: Known = {}
        for chunk in _chunks(urls):
            items = self.session.scalars(sa.select(Item).where(Item.url.in_(chunk)))
            by_url.update({item.url: item for item in items})
        by_key: Known = {}
        for chunk in _chunks(keys):
            items = self.session.scalars(sa.select(Item).where(Item.dedup_key.in_(chunk)))
            by_key.update({item.dedup_key: item for item in items})
        return by_guid, by_url, by_key

    def _insert(self, source_id: int, entries: list[Entry]) -> None:
        """New items in two bulk statements (items, then their first source)."""
        if not entries:
            return
        now = utcnow()
        rows = []
        for entry in entries:
            fields = tracked_fields(entry)
            rows.append(
                fields
                | {
                    "published_at": entry.published_at,
                    "updated_at": entry.updated_at,
                    "guid": entry.guid,
                    "dedup_key": entry.dedup_key,
                    "themes": list(entry.themes),
                    "networks": list(entry.networks),
                    "overrides": {},
                    "content_hash": entry.content_hash,
                    "revision": 1,
                    "first_seen_at": now,
                    "last_changed_at": now,
                }
            )
        # A plain executemany (no RETURNING) is the fast path on both databases; the new
        # ids are then read back by guid, which no stored item had (see by_guid above).
        self.session.execute(sa.insert(Item), rows)
        ids: dict[str, int] = {}
        for chunk in _chunks([entry.guid for entry in entries]):
            found = self.session.execute(sa.select(Item.guid, Item.id).where(Item.guid.in_(chunk)))
            ids.update({guid: item_id for guid, item_id in found})
        self.session.execute(
            sa.insert(ItemSource),
            [
                {"item_id": ids[entry.guid], "source_id": source_id, "guid": entry.guid,
                 "url": entry.url, "first_seen_at": now}
                for entry in entries
            ],
        )  # fmt: skip

    def _credit(self, item: Item, source_id: int, entry: Entry) -> None:
        item.sources.append(ItemSource(source_id=source_id, guid=entry.guid, url=entry.url))

    def _update(self, item: Item, entry: Entry) -> bool:
        """Apply a new announcement by the item's first source; keep what changed."""
        if entry.content_hash == item.content_hash:
            return False
        item.content_hash = entry.content_hash
        fields = tracked_fields(entry)
        changed = {
            name: [jsonable(getattr(item, name)), jsonable(value)]
            for name, value in fields.items()
            if name not in item.overrides and getattr(item, name) != value
        }
        if not changed:
            return False
        for name in changed:
            setattr(item, name, fields[name])
        item.updated_at = entry.updated_at or utcnow()
        item.dedup_key = entry.dedup_key
        if "themes" not in item.overrides:
            item.themes = list(entry.themes)
        if "networks" not in item.overrides:
            item.networks = list(entry.networks)
        item.revision += 1
        item.last_changed_at = utcnow()
        item.changes.append(ItemChange(fields=changed))
        return True

    # -- reading and editing --------------------------------------------------------------

    def get(self, item_id: int) -> Item:
        # Beyond the column's range there is nothing to find (PostgreSQL would refuse it).
        item = self.session.get(Item, item_id) if 0 < item_id <= MAX_ID else None
        if item is None:
            raise NotFoundError(f"élément {item_id} introuvable", "voir `newsletter items`")
        return item

    def by_guid(self, guid: str) -> Item | None:
        """The item a source announced under ``guid`` (e.g. ``editorial:ID``)."""
        return self.session.scalar(
            sa.select(Item).join(ItemSource).where(ItemSource.guid == guid).limit(1)
        )

    def search(
        self,
        kind: str | None = None,
        theme: str | None = None,
        network: str | None = None,
        text: str | None = None,
        since: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Item]:
        """Most recent items first, filtered; themes and networks are matched in Python.

        ``offset`` matching items are skipped first (pages of results).
        """
        query = sa.select(Item).order_by(Item.published_at.desc(), Item.id.desc())
        if kind:
            query = query.where(Item.kind == kind)
        if since:
            query = query.where(Item.published_at >= since)
        if text:
            literal = text.replace("\x00", "").translate(LIKE_ESCAPES)
            query = query.where(Item.title.ilike(f"%{literal}%", escape="\\"))
        if not theme and not network:
            return list(self.session.scalars(query.offset(offset).limit(limit)))
        found = []
        for item in self.session.scalars(query):
            if (theme and theme not in item.themes) or (network and network not in item.networks):
                continue
            if offset:
                offset -= 1
                continue
            found.append(item)
            if len(found) >= limit:
                break
        return found

    def override(self, item_id: int, classification: ClassificationSettings, **values: Any) -> Item:
        """An editor fixes fields by hand; later feed updates and classification keep them."""
        item = self.get(item_id)
        current = {name: getattr(item, name) for name in ("kind", "starts_at", "ends_at")}
        for name, value in checked_overrides(current, values, OVERRIDABLE, classification).items():
            setattr(item, name, value)
            item.overrides = {**item.overrides, name: jsonable(value)}
        item.last_changed_at = utcnow()
        # A correction is a new revision: an edition that announced the item shows the update.
        item.revision += 1
        return item
