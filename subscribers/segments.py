"""Segments: declarative filters (lists, profiles, territory, themes, format; and / or / not).

A segment is declared in ``config.toml`` (``[segments.NAME]``) or saved by an editor in the
database, with the same shape. ``condition`` turns one into a SQL expression on subscribers,
so the audience is computed by the database, never by filtering rows in Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pydantic
import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.errors import InputError, NotFoundError
from newsletter.settings import Segment, SegmentRule
from newsletter.text import words
from subscribers.models import SavedSegment, Subscriber, SubscriberTheme, Subscription


def condition(rule: SegmentRule) -> sa.ColumnElement[bool]:
    """The SQL condition a subscriber meets when the rule selects them."""
    parts: list[sa.ColumnElement[bool]] = []
    if rule.lists:
        parts.append(
            sa.exists().where(
                Subscription.subscriber_id == Subscriber.id,
                Subscription.list_key.in_(rule.lists),
                Subscription.status == "active",
            )
        )
    if rule.profiles:
        parts.append(Subscriber.profile.in_(rule.profiles))
    if rule.communes:
        parts.append(Subscriber.commune_key.in_([words(name) for name in rule.communes]))
    if rule.departments:
        parts.append(Subscriber.department.in_([code.upper() for code in rule.departments]))
    if rule.themes:
        parts.append(
            sa.exists().where(
                SubscriberTheme.subscriber_id == Subscriber.id,
                SubscriberTheme.theme.in_(rule.themes),
            )
        )
    if rule.formats:
        parts.append(Subscriber.format.in_(rule.formats))
    parts += [condition(sub) for sub in rule.all_of]
    if rule.any_of:
        parts.append(sa.or_(*(condition(sub) for sub in rule.any_of)))
    if rule.none_of:
        parts.append(sa.not_(sa.or_(*(condition(sub) for sub in rule.none_of))))
    return sa.and_(sa.true(), *parts)


class Segments:
    """Finds segments by name: the configuration's first, then the saved ones."""

    def __init__(
        self,
        session: Session,
        declared: Mapping[str, Segment],
        lists: Mapping[str, Any],
        themes: Mapping[str, Any],
    ) -> None:
        self.session = session
        self.declared = declared
        self.lists = lists
        self.themes = themes

    def get(self, name: str) -> Segment:
        if name in self.declared:
            return self.declared[name]
        saved = self.session.scalar(sa.select(SavedSegment).where(SavedSegment.name == name))
        if saved is None:
            known = ", ".join([*self.declared, *self.saved_names()]) or "aucun"
            raise NotFoundError(f"segment inconnu « {name} »", f"segments : {known}")
        return Segment.model_validate({**saved.rule, "label": saved.label})

    def saved_names(self) -> list[str]:
        return list(self.session.scalars(sa.select(SavedSegment.name).order_by(SavedSegment.name)))

    def all(self) -> dict[str, Segment]:
        return {**{name: self.get(name) for name in self.saved_names()}, **self.declared}

    def saved(self) -> list[SavedSegment]:
        return list(self.session.scalars(sa.select(SavedSegment).order_by(SavedSegment.label)))

    def check(self, label: str, rule: Mapping[str, Any]) -> Segment:
        """An editor's segment (same keys as in config.toml), checked."""
        try:
            segment = Segment.model_validate({**rule, "label": label})
        except pydantic.ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise InputError(f"segment invalide : {where} : {error['msg']}") from None
        unknown = segment.unknown_keys(self.lists, self.themes)
        if unknown:
            raise InputError(f"segment invalide : {unknown[0]}")
        return segment

    def save(self, name: str, label: str, rule: Mapping[str, Any]) -> Segment:
        """Check and store an editor's segment (same keys as in config.toml)."""
        if name in self.declared:
            raise InputError(
                f"le segment « {name} » est déclaré dans config.toml", "choisissez un autre nom"
            )
        segment = self.check(label, rule)
        stored = self.session.scalar(sa.select(SavedSegment).where(SavedSegment.name == name))
        if stored is None:
            stored = SavedSegment(name=name)
            self.session.add(stored)
        stored.label = label
        stored.rule = segment.model_dump(exclude={"label"}, exclude_defaults=True)
        self.session.flush()
        return segment

    def free_name(self, label: str) -> str:
        """A new segment's name, made from its label (« Élus de Bobigny » → elus-de-bobigny)."""
        base = words(label).replace(" ", "-")[:90] or "segment"
        taken = {*self.declared, *self.saved_names()}
        name, number = base, 2
        while name in taken:
            name, number = f"{base}-{number}", number + 1
        return name

    def rename(self, name: str, label: str) -> None:
        """A saved segment's label (its name, which editions refer to, stays)."""
        if not label.strip():
            raise InputError("nom du segment manquant", "donnez-lui un nom parlant")
        self._saved(name).label = label.strip()[:300]
        self.session.flush()

    def delete(self, name: str) -> None:
        self.session.delete(self._saved(name))
        self.session.flush()

    def _saved(self, name: str) -> SavedSegment:
        if name in self.declared:
            raise InputError(f"le segment « {name} » est déclaré dans config.toml",
                             "modifiez-le dans ce fichier")  # fmt: skip
        saved = self.session.scalar(sa.select(SavedSegment).where(SavedSegment.name == name))
        if saved is None:
            raise NotFoundError(f"segment inconnu « {name} »")
        return saved
