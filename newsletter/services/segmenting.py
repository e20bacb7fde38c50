"""Segments for editors: the declared and saved ones, a rule's live count and a sample of
its members, saving, renaming, deleting (refused while a newsletter or an edition still to
go out uses it), and choosing an edition's segment. Permissions and the audit trail apply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from newsletter.accounts.permissions import Actor, check_edition, check_segments
from newsletter.audit.store import AuditStore
from newsletter.db import Database
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError
from newsletter.settings import Segment, Settings
from subscribers.audience import audience_condition, count_audience
from subscribers.directory import sample
from subscribers.segments import Segments

SAMPLE = 10


@dataclass(frozen=True)
class SegmentInfo:
    name: str
    segment: Segment
    declared: bool  # in config.toml (read-only here)
    used_by: list[str]  # newsletters and editions to go out that target it, in French

    @property
    def label(self) -> str:
        return self.segment.label or self.name


@dataclass(frozen=True)
class Count:
    total: int
    sample: Sequence[tuple[int, str, str, str]]  # id, address, first name, last name


class Segmenting:
    def __init__(
        self, settings: Settings, database: Database, segments: Callable[[Session], Segments]
    ) -> None:
        self.settings = settings
        self.database = database
        self.segments = segments

    def all(self, actor: Actor) -> list[SegmentInfo]:
        check_segments(actor, "view")
        with self.database.session() as session:
            found = self.segments(session).all()
            return [self._info(session, name, segment) for name, segment in found.items()]

    def get(self, actor: Actor, name: str) -> SegmentInfo:
        check_segments(actor, "view")
        with self.database.session() as session:
            return self._info(session, name, self.segments(session).get(name))

    def count(self, actor: Actor, rule: Mapping[str, Any], list_key: str = "") -> Count:
        """How many people the rule selects (among the recipients of ``list_key``, or the
        people active on any list), and the first of them."""
        check_segments(actor, "view")
        if list_key and list_key not in self.settings.subscribers.lists:
            raise InputError(f"liste inconnue « {list_key} »")
        with self.database.session() as session:
            segment = self.segments(session).check("", rule)
            where = audience_condition(list_key or None, segment)
            return Count(count_audience(session, list_key or None, segment),
                         sample(session, where, SAMPLE))  # fmt: skip

    def save(self, actor: Actor, label: str, rule: Mapping[str, Any], name: str = "") -> str:
        """A new segment (``name`` empty: named after its label) or a saved one changed."""
        check_segments(actor, "save")
        if not label.strip():
            raise InputError("nom du segment manquant", "donnez-lui un nom parlant")
        with self.database.session() as session:
            segments = self.segments(session)
            name = name or segments.free_name(label)
            segments.save(name, label.strip(), rule)
            self._record(session, actor, "segment_save", f"{name} : {label.strip()}")
            return name

    def rename(self, actor: Actor, name: str, label: str) -> None:
        check_segments(actor, "save")
        with self.database.session() as session:
            self.segments(session).rename(name, label)
            self._record(session, actor, "segment_save", f"{name} renommé : {label.strip()}")

    def delete(self, actor: Actor, name: str) -> None:
        check_segments(actor, "delete")
        with self.database.session() as session:
            segments = self.segments(session)
            users = self._users(session, name)
            if users:
                raise InputError(f"segment utilisé par : {', '.join(users)}",
                                 "choisissez d’abord un autre segment pour ces envois")  # fmt: skip
            segments.delete(name)
            self._record(session, actor, "segment_delete", name)

    def choose(self, actor: Actor, edition_id: int, name: str) -> str:
        """The segment of an edition ("": the newsletter's); what was done, in French."""
        check_segments(actor, "view")
        with self.database.session() as session:
            store = EditionStore(session)
            edition = store.get(edition_id)
            check_edition(actor, "edit", edition.newsletter)
            label = self.segments(session).get(name).label or name if name else ""
            store.set_segment(edition, name)
            done = f"segment « {label} »" if name else "le segment de la lettre"
            AuditStore(session).record(actor.label, "edit", user_id=actor.user_id,
                                       edition_id=edition.id,
                                       detail=f"destinataires : {done}")  # fmt: skip
            return f"Destinataires : {done}."

    def _info(self, session: Session, name: str, segment: Segment) -> SegmentInfo:
        return SegmentInfo(name, segment, name in self.settings.segments,
                           self._users(session, name))  # fmt: skip

    def _users(self, session: Session, name: str) -> list[str]:
        letters = [
            f"la lettre « {letter.title} »"
            for letter in self.settings.newsletters.values()
            if letter.segment == name
        ]
        editions = [f"{self.settings.newsletters[e.newsletter].title} n° {e.number}"
                    if e.newsletter in self.settings.newsletters else f"édition {e.id}"
                    for e in EditionStore(session).using_segment(name)]  # fmt: skip
        return letters + editions

    @staticmethod
    def _record(session: Session, actor: Actor, action: str, detail: str) -> None:
        AuditStore(session).record(actor.label, action, user_id=actor.user_id, detail=detail)
