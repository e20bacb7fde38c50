"""What an editor approved, frozen: the edition as its readers will get it.

Approving stores the view templates render (:class:`~newsletter.rendering.context.EditionView`:
every item's title, excerpt, links, dates, the editors' texts, the rubriques) as JSON, with
a hash of it, and the edition's own state (texts and placed items) so that changes made
since can be abandoned. Test sends, the send and every resume, the archive page and the feed
render from the snapshot; a change to an item or to the edition afterwards shows as a
difference between the snapshot and the live view, in editors' words.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from datetime import date, datetime
from typing import Any

from markupsafe import Markup

from newsletter.editions.models import Edition
from newsletter.editions.selection import Placement
from newsletter.rendering.context import EditionView, ItemView
from newsletter.rendering.dates import long_date

TEXTS = ("edito", "mouvements", "subject", "preheader")


def encode(value: Any) -> Any:
    """A view (nested frozen dataclasses) as JSON-able data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: encode(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, frozenset):
        return sorted(encode(item) for item in value)
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    return str(value) if isinstance(value, Markup) else value


def decode(kind: Any, data: Any) -> Any:
    """Data made by :func:`encode` back into the type ``kind`` (a dataclass, or a field's
    annotation)."""
    origin = typing.get_origin(kind)
    if origin in (types.UnionType, typing.Union):
        if data is None:
            return None
        kind = next(arg for arg in typing.get_args(kind) if arg is not type(None))
        origin = typing.get_origin(kind)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        fields = {field.name for field in dataclasses.fields(kind) if field.init}
        return kind(**{name: decode(hints[name], data[name]) for name in fields if name in data})
    if origin is frozenset:
        (inner,) = typing.get_args(kind)
        return frozenset(decode(inner, item) for item in data)
    if origin is tuple:
        inner = typing.get_args(kind)[0]
        return tuple(decode(inner, item) for item in data)
    if kind is datetime:
        return datetime.fromisoformat(data)
    if kind is date:
        return date.fromisoformat(data)
    if kind is Markup:
        return Markup(data)
    return data


def content_hash(view: EditionView) -> str:
    """SHA-256 of the view's canonical JSON: equal views, equal hashes."""
    canonical = json.dumps(encode(view), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def freeze(edition: Edition, view: EditionView) -> dict[str, Any]:
    """The snapshot of an edition being approved: its view and its own state."""
    entries = [[entry.item_id, entry.section, entry.position, entry.item_revision, entry.change,
                entry.title, entry.summary, entry.url] for entry in edition.entries]  # fmt: skip
    state = {name: getattr(edition, name) for name in TEXTS} | {"entries": entries}
    return {"view": encode(view), "state": state | {"send_at": edition.send_at.isoformat()}}


def thaw(snapshot: dict[str, Any]) -> EditionView:
    view: EditionView = decode(EditionView, snapshot["view"])
    return view


def approved_state(
    snapshot: dict[str, Any],
) -> tuple[dict[str, str], list[Placement], datetime | None]:
    """The edition's texts, placed items (with what the edition said of them instead of
    their own title, summary and link) and send time as they were approved (no time in a
    snapshot made before the send time could be moved)."""
    state = snapshot["state"]
    texts = {name: state[name] for name in TEXTS}
    send_at = datetime.fromisoformat(state["send_at"]) if "send_at" in state else None
    return texts, [Placement(*entry) for entry in state["entries"]], send_at


def differences(approved: EditionView, live: EditionView) -> list[str]:
    """What changed since the approval, one French line each (empty: nothing)."""
    found: list[str] = []
    if approved.send_date != live.send_date:
        found.append(f"Date d’envoi modifiée : {long_date(live.send_date)}")
    for name, label in (("subject", "objet"), ("preheader", "accroche")):
        if getattr(approved, name) != getattr(live, name):
            found.append(f"{label.capitalize()} modifié : « {getattr(live, name)} »")
    before = {section.key: section for section in approved.sections}
    after = {section.key: section for section in live.sections}
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        shown = new or old
        if shown is None:
            continue
        title = shown.title
        if (old.text if old else "") != (new.text if new else ""):
            found.append(f"{title} : texte modifié")
        found += _item_changes(title, old.items if old else (), new.items if new else ())
    return sorted(found)


ITEM_FIELDS = {
    "title": "titre", "excerpt": "résumé", "url": "lien", "starts_at": "date",
    "ends_at": "fin", "place": "lieu", "organiser": "organisateur",
    "registration_url": "lien d’inscription", "change": "annonce (modifié, annulé)",
    "kind": "type", "image": "image",
}  # fmt: skip


def _item_changes(
    section: str, before: tuple[ItemView, ...], after: tuple[ItemView, ...]
) -> list[str]:
    old = {item.id: item for item in before}
    new = {item.id: item for item in after}
    lines = [f"{section} : « {new[key].title} » ajouté" for key in new.keys() - old.keys()]
    lines += [f"{section} : « {old[key].title} » retiré" for key in old.keys() - new.keys()]
    for key in old.keys() & new.keys():
        changed = [label for name, label in ITEM_FIELDS.items()
                   if getattr(old[key], name) != getattr(new[key], name)]  # fmt: skip
        if changed:
            lines.append(f"{section} : « {new[key].title} » — {', '.join(changed)} modifié(s)")
    if [item.id for item in before if item.id in new] != [i.id for i in after if i.id in old]:
        lines.append(f"{section} : ordre des éléments modifié")
    return lines
