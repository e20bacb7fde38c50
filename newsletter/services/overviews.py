"""What editors read about their audience: a list's figures (by status, profile, territory,
month by month) with its settings, and the recent bounces and complaints — each narrowed to
the lists the editor manages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from newsletter.accounts.permissions import Actor, check_list, lists_of
from newsletter.db import Database, utcnow
from newsletter.errors import InputError, NotFoundError
from newsletter.settings import MailingList, NewsletterSettings, Settings
from subscribers.profiles import BOUNCE_KINDS
from subscribers.statistics import (
    BounceRow,
    ListFigures,
    bounce_counts,
    by_status,
    list_figures,
    recent_bounces,
)

MONTHS = 12
RECENT_DAYS = 30


@dataclass(frozen=True)
class ListPage:
    key: str
    settings: MailingList
    newsletters: list[NewsletterSettings]
    figures: ListFigures


def months_ago(now: datetime, count: int) -> datetime:
    """The first day of the month ``count`` months before ``now``'s (UTC)."""
    year, month = divmod(now.year * 12 + now.month - 1 - count, 12)
    return now.replace(year=year, month=month + 1, day=1, hour=0, minute=0, second=0,
                       microsecond=0)  # fmt: skip


class Overviews:
    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database

    def lists(self, actor: Actor) -> dict[str, dict[str, int]]:
        """Each list the actor manages: subscriptions by status."""
        with self.database.session() as session:
            return by_status(session, lists_of(actor, self.settings.subscribers.lists))

    def list_page(self, actor: Actor, key: str, now: datetime | None = None) -> ListPage:
        lists = self.settings.subscribers.lists
        if key not in lists:
            raise NotFoundError(f"liste inconnue « {key} »")
        check_list(actor, "view", key)
        since = months_ago(now or utcnow(), MONTHS - 1)
        with self.database.session() as session:
            figures = list_figures(session, key, since)
        letters = [letter for letter in self.settings.newsletters.values() if letter.list == key]
        return ListPage(key, lists[key], letters, figures)

    def bounces(
        self, actor: Actor, kind: str = "", days: int = RECENT_DAYS, page: int = 1,
        size: int = 50,
    ) -> tuple[list[BounceRow], int]:  # fmt: skip
        if kind and kind not in BOUNCE_KINDS:
            raise InputError(f"type d’erreur inconnu « {kind} »", ", ".join(BOUNCE_KINDS))
        since = utcnow() - timedelta(days=days)
        with self.database.session() as session:
            return recent_bounces(session, self._scope(actor), kind, since,
                                  (max(page, 1) - 1) * size, size)  # fmt: skip

    def recent_counts(self, actor: Actor, days: int = RECENT_DAYS) -> dict[str, int]:
        """Bounces and complaints of the last ``days`` days, by kind (every kind listed)."""
        with self.database.session() as session:
            found = bounce_counts(session, self._scope(actor), utcnow() - timedelta(days=days))
        return {kind: found.get(kind, 0) for kind in BOUNCE_KINDS}

    def _scope(self, actor: Actor) -> list[str] | None:
        return lists_of(actor, self.settings.subscribers.lists) if actor.coordinator else None
