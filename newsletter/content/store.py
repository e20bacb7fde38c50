"""Item queries: saving a source's entries (dedup, updates, credits), listing, overriding."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from newsletter.content.credits import item_from, snapshot
from newsletter.content.dedupe import Announced, Candidates
from newsletter.content.entries import Entry
from newsletter.content.models import Item, ItemChange, ItemSource
from newsletter.content.prepare import TRACKED, jsonable, tracked_fields
from newsletter.content.rules import checked_overrides
from newsletter.db import utcnow
from newsletter.errors import InputError, NotFoundError
from newsletter.settings import ClassificationSettings

OVERRIDABLE = (*TRACKED, "themes", "networks", "published_at")
CHUNK = 500
MAX_ID = 2**31 - 1
LIKE_ESCAPES = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})


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
        """Store one source's prepared entries: new items, updates, merges into known items.

        A GUID is looked up among this source's own announcements only; otherwise an
        entry is merged into an item only on the evidence of ``dedupe.merge_reason``.
        """
        credits, known = self._known(source_id, entries)

        def same_source(candidate: Announced) -> bool:
            if isinstance(candidate, Item):
                return any(credit.source_id == source_id for credit in candidate.sources)
            return True  # an entry of this very batch

        outcome = SaveOutcome()
        seen: set[str] = set()
        fresh: dict[str, Entry] = {}  # new in this batch, inserted together at the end
        pending: list[tuple[Entry, Entry, str]] = []  # merged into one of ``fresh``
        for entry in entries:
            if entry.guid in seen:  # the same GUID twice in one document
                outcome.unchanged += 1
                continue
            seen.add(entry.guid)
            credit = credits.get(entry.guid)
            if credit is not None:
                if self._reannounced(credit, entry):
                    outcome.updated += 1
                else:
                    outcome.unchanged += 1
                continue
            match, reason = known.match(entry, same_source)
            if match is None:
                fresh[entry.guid] = entry
                known.add(entry)
                outcome.new += 1
            elif isinstance(match, Item):
                match.sources.append(self._credit(source_id, entry, reason))
                outcome.merged += 1
            else:
                assert isinstance(match, Entry)
                pending.append((match, entry, reason))
                outcome.merged += 1
        ids = self._insert(source_id, list(fresh.values()))
        for target, entry, reason in pending:
            self.session.add(self._credit(source_id, entry, reason, ids[target.guid]))
        self.session.flush()
        return outcome

    def _known(
        self, source_id: int, entries: Sequence[Entry]
    ) -> tuple[dict[str, ItemSource], Candidates]:
        """This source's announcements by GUID, and the items with the same canonical URL
        or dedup key as these entries, in a few queries."""
        credits: dict[str, ItemSource] = {}
        for chunk in _chunks(sorted({entry.guid for entry in entries})):
            credits.update(
                (credit.guid, credit)
                for credit in self.session.scalars(
                    sa.select(ItemSource)
                    .where(ItemSource.source_id == source_id, ItemSource.guid.in_(chunk))
                    .options(joinedload(ItemSource.item))
                )
            )
        known: Candidates = Candidates()
        urls = sorted({entry.canonical_url for entry in entries if entry.canonical_url})
        keys = sorted({entry.dedup_key for entry in entries})
        for column, values in ((Item.canonical_url, urls), (Item.dedup_key, keys)):
            for chunk in _chunks(values):
                for item in self.session.scalars(sa.select(Item).where(column.in_(chunk))):
                    known.add(item)
        return credits, known

    def _insert(self, source_id: int, entries: list[Entry]) -> dict[str, int]:
        """New items in two bulk statements (items, then their first source); their ids
        by GUID."""
        if not entries:
            return {}
        now = utcnow()
        rows = []
        for entry in entries:
            rows.append(
                tracked_fields(entry)
                | {
                    "published_at": entry.published_at or now,
                    "updated_at": entry.updated_at,
                    "guid": entry.guid,
                    "canonical_url": entry.canonical_url,
                    "dedup_key": entry.dedup_key,
                    "series": entry.series,
                    "themes": list(entry.themes),
                    "networks": list(entry.networks),
                    "overrides": {},
                    "content_hash": entry.content_hash,
                    "revision": 1,
                    "first_seen_at": now,
                    "last_changed_at": now,
                }
            )
        # A plain executemany is the fast path on both databases (PostgreSQL pipelines it;
        # INSERT … RETURNING of many rows was 4× slower there). The new ids are read back by
        # GUID among the items added after the last id and not credited yet: those of this
        # batch (GUIDs are unique within it), never another source's.
        last = self.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Item.id), 0)))
        self.session.execute(sa.insert(Item), rows)
        ids: dict[str, int] = {}
        for chunk in _chunks([entry.guid for entry in entries]):
            found = sa.select(Item.guid, Item.id).where(
                Item.id > last, Item.guid.in_(chunk), ~Item.sources.any()
            )
            ids.update((guid, item_id) for guid, item_id in self.session.execute(found))
        self.session.execute(
            sa.insert(ItemSource),
            [
                {"item_id": ids[entry.guid], "source_id": source_id, "guid": entry.guid,
                 "url": entry.url, "first_seen_at": now, "merge_reason": "", "snapshot": None}
                for entry in entries
            ],
        )  # fmt: skip
        return ids

    def _credit(
        self, source_id: int, entry: Entry, reason: str, item_id: int | None = None
    ) -> ItemSource:
        """A merged announcement: why, and what it said."""
        return ItemSource(
            item_id=item_id, source_id=source_id, guid=entry.guid, url=entry.url,
            merge_reason=reason, snapshot=snapshot(entry),
        )  # fmt: skip

    def _reannounced(self, credit: ItemSource, entry: Entry) -> bool:
        """A known announcement again: the reference one updates its item; a merged one
        only refreshes what it said (kept for a split). True if the item changed."""
        item = credit.item
        if item.sources[0].id == credit.id:
            return self._update(item, entry)
        if (credit.snapshot or {}).get("content_hash") != entry.content_hash:
            credit.snapshot, credit.url = snapshot(entry), entry.url
        return False

    def _update(self, item: Item, entry: Entry) -> bool:
        """Apply a new announcement by the item's reference source; keep what changed."""
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
        item.canonical_url, item.dedup_key = entry.canonical_url, entry.dedup_key
        if "themes" not in item.overrides:
            item.themes = list(entry.themes)
        if "networks" not in item.overrides:
            item.networks = list(entry.networks)
        item.revision += 1
        item.last_changed_at = utcnow()
        item.changes.append(ItemChange(fields=changed))
        return True

    def split(self, item_id: int, credit_ids: Collection[int] = ()) -> list[Item]:
        """Undo merges: each announcement merged into the item (or only those whose
        credit id is in ``credit_ids``) becomes an item of its own again, with what it said.

        Its source's later announcements then update that item, never the first one.
        """
        item = self.get(item_id)
        merged = [credit for credit in item.sources[1:]
                  if not credit_ids or credit.id in credit_ids]  # fmt: skip
        if not merged:
            raise InputError(
                f"l'élément {item_id} ne réunit pas d'annonce fusionnée à séparer",
                "seules les annonces fusionnées se séparent",
            )
        split_off = []
        for credit in merged:
            new = item_from(credit.snapshot or {}, item, credit.guid, credit.url,
                            credit.first_seen_at)  # fmt: skip
            credit.merge_reason, credit.snapshot = "", None
            new.sources.append(credit)
            self.session.add(new)
            split_off.append(new)
        self.session.flush()
        return split_off

    # -- reading and editing --------------------------------------------------------------

    def get(self, item_id: int) -> Item:
        # Beyond the column's range there is nothing to find (PostgreSQL would refuse it).
        item = self.session.get(Item, item_id) if 0 < item_id <= MAX_ID else None
        if item is None:
            raise NotFoundError(f"élément {item_id} introuvable", "voir la liste des éléments")
        return item

    def announced(self, source_id: int, guids: Sequence[str]) -> list[tuple[str, int]]:
        """(GUID, item id) of the source's announcements among ``guids``."""
        found: list[tuple[str, int]] = []
        for chunk in _chunks(sorted(set(guids))):
            rows = self.session.execute(
                sa.select(ItemSource.guid, ItemSource.item_id)
                .where(ItemSource.source_id == source_id, ItemSource.guid.in_(chunk))
            )  # fmt: skip
            found.extend((guid, item_id) for guid, item_id in rows)
        return found

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
