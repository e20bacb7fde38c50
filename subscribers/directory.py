"""Finding people for the editors: search (address, name, organisation, commune, ignoring
case and accents), filters, pages and counts; one person with everything linked.

What an editor may see is narrowed by ``lists``: the people with a subscription (whatever
its status) to one of them; None means everyone.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from newsletter.errors import NotFoundError
from newsletter.text import words
from subscribers.models import Subscriber, SubscriberTheme, Subscription

MAX_TERMS = 6
NAME_ORDER = (Subscriber.last_name_key, Subscriber.first_name_key, Subscriber.id)


@dataclass(frozen=True)
class Filters:
    """What the editor typed and chose; empty values filter nothing."""

    q: str = ""
    list_key: str = ""
    subscription: str = ""  # pending, active, unsubscribed: on that list (or any visible)
    status: str = ""  # the person's: active, bounced, complained, blocked
    profile: str = ""
    territory: str = ""  # a department code or a commune
    theme: str = ""
    format: str = ""

    def active(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


@dataclass(frozen=True)
class Found:
    """One page of people, and how many match in all."""

    people: list[Subscriber]
    total: int


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _term(token: str) -> sa.ColumnElement[bool]:
    """One typed word: in the address as typed, or (folded) in a name, the organisation or
    the commune."""
    parts = [Subscriber.email_key.like(_like(token.lower()), escape="\\")]
    folded = words(token)
    if folded:
        pattern = _like(folded)
        parts += [
            column.like(pattern, escape="\\")
            for column in (Subscriber.last_name_key, Subscriber.first_name_key,
                           Subscriber.organisation_key, Subscriber.commune_key)
        ]  # fmt: skip
    return sa.or_(*parts)


def on_lists(lists: Collection[str], status: str = "") -> sa.ColumnElement[bool]:
    """Subscribed to one of ``lists`` (with that subscription status, when given)."""
    return sa.exists().where(
        Subscription.subscriber_id == Subscriber.id,
        Subscription.list_key.in_(sorted(lists)),
        *([Subscription.status == status] if status else []),
    )


def visible(lists: Collection[str] | None) -> sa.ColumnElement[bool]:
    """Whom an editor seeing ``lists`` may see (None: everyone)."""
    return sa.true() if lists is None else on_lists(lists)


def matching(filters: Filters, lists: Collection[str] | None) -> sa.ColumnElement[bool]:
    parts = [visible(lists)]
    parts += [_term(token) for token in filters.q.split()[:MAX_TERMS]]
    if filters.list_key or filters.subscription:
        scope = [filters.list_key] if filters.list_key else lists
        parts.append(
            on_lists(scope, filters.subscription)
            if scope is not None
            else sa.exists().where(
                Subscription.subscriber_id == Subscriber.id,
                Subscription.status == filters.subscription,
            )
        )
    for column, value in ((Subscriber.status, filters.status),
                          (Subscriber.profile, filters.profile),
                          (Subscriber.format, filters.format)):  # fmt: skip
        if value:
            parts.append(column == value)
    territory = filters.territory.strip()
    if territory:
        parts.append(
            sa.or_(
                Subscriber.department == territory.upper(),
                Subscriber.commune_key == words(territory),
            )
        )
    if filters.theme:
        parts.append(
            sa.exists().where(
                SubscriberTheme.subscriber_id == Subscriber.id,
                SubscriberTheme.theme == filters.theme,
            )
        )
    return sa.and_(*parts)


def search(
    session: Session,
    filters: Filters,
    lists: Collection[str] | None,
    offset: int,
    limit: int,
) -> Found:
    """A page of the people matching, by name, with their subscriptions loaded.

    Unfiltered, the page is read in the order of the name index. Filtered, one scan finds
    the matches and counts them (a window count) and only the matches are sorted: walking
    the name index instead would test the rows one by one in that order, several times
    slower on SQLite when few match."""
    where = matching(filters, lists)
    loading = selectinload(Subscriber.subscriptions)
    if lists is None and not filters.active():
        total = session.scalar(sa.select(sa.func.count(Subscriber.id))) or 0
        page = session.scalars(
            sa.select(Subscriber).order_by(*NAME_ORDER).offset(offset).limit(limit).options(loading)
        )
        return Found(list(page), total)
    by_name = (sa.func.coalesce(Subscriber.last_name_key, "") + "", *NAME_ORDER[1:])
    rows = session.execute(
        sa.select(Subscriber, sa.func.count().over())
        .where(where)
        .order_by(*by_name)
        .offset(offset)
        .limit(limit)
        .options(loading)
    ).all()
    if rows:
        return Found([row[0] for row in rows], rows[0][1])
    total = session.scalar(sa.select(sa.func.count(Subscriber.id)).where(where)) if offset else 0
    return Found([], total or 0)


def person(session: Session, subscriber_id: int) -> Subscriber:
    """One person with subscriptions, themes, consents and bounces loaded."""
    found = session.scalar(
        sa.select(Subscriber)
        .where(Subscriber.id == subscriber_id)
        .options(
            selectinload(Subscriber.subscriptions), selectinload(Subscriber.theme_rows),
            selectinload(Subscriber.consents), selectinload(Subscriber.bounces),
        )
    )  # fmt: skip
    if found is None:
        raise NotFoundError(f"aucun abonné n° {subscriber_id}", "il a peut-être été effacé")
    return found


def lists_of(subscriber: Subscriber) -> list[str]:
    """The lists the person has a subscription to, whatever its status."""
    return [subscription.list_key for subscription in subscriber.subscriptions]


def sample(
    session: Session, where: sa.ColumnElement[bool], limit: int
) -> Sequence[tuple[int, str, str, str]]:
    """The first people (id, address, first and last name) meeting a condition."""
    rows = session.execute(
        sa.select(Subscriber.id, Subscriber.email, Subscriber.first_name, Subscriber.last_name)
        .where(where)
        .order_by(Subscriber.id)
        .limit(limit)
    )
    return [(row[0], row[1], row[2], row[3]) for row in rows]
