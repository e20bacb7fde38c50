"""Quotas of the emails anyone can ask for from the public pages (confirmations of a
subscription, links to one's data): per mailbox, per client address and in all.

Each request counts itself first, atomically (an upsert returning the new count, under the
row's lock), and goes on only if every count is within its limit, else takes its count back
(a refusal takes no room): parallel requests cannot overshoot, whatever the database. The
mailbox's counter comes first, so requests for one mailbox also queue there, one after the
other. Windows slide (a day for a mailbox, an hour otherwise): the count of the current
fixed window plus the previous window's, weighted by how much of it the window ending now
still covers, so that a burst on each side of a boundary counts once and not twice; the
previous count no longer changes, so the estimate stays as safe under parallel requests as
the count. A mailbox is counted by its hash
(``mailbox_key``: no case, no ``+tag``, no dots at Gmail) so that no address is stored in
clear.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.db import upsert
from newsletter.settings import SubscriberSettings
from subscribers.addresses import Address, mailbox_key
from subscribers.models import MailQuota
from subscribers.suppression import email_hash

DAY, HOUR = timedelta(days=1), timedelta(hours=1)
# Counters older than this serve nothing (the purge deletes them).
KEPT = timedelta(days=2)


class Quotas:
    def __init__(self, session: Session, settings: SubscriberSettings, pepper: bytes) -> None:
        self.session = session
        self.settings = settings
        self.pepper = pepper

    def take_mailbox(self, address: Address, now: datetime) -> bool:
        """Count one request for the address's mailbox; False past the daily limit."""
        return self._within(self._mailbox(address), DAY, now, self.settings.confirmations_per_day)

    def give_back_mailbox(self, address: Address, now: datetime) -> None:
        """The request the mailbox allowed sent nothing after all (refused further on)."""
        self._give_back(self._mailbox(address), DAY, now)

    def take_sending(self, client: str, now: datetime) -> bool:
        """Count one email about to go out, for the client and for everyone."""
        settings = self.settings
        client_key = f"client:{client[:80]}"
        if not self._within(client_key, HOUR, now, settings.confirmations_per_client_hour):
            return False
        if self._within("tous", HOUR, now, settings.confirmations_per_hour):
            return True
        self._give_back(client_key, HOUR, now)
        return False

    def _mailbox(self, address: Address) -> str:
        return "boite:" + email_hash(mailbox_key(address), self.pepper)[:32]

    def _within(self, key: str, window: timedelta, now: datetime, limit: int) -> bool:
        """Count one request in the current window; whether the sliding window ending now
        holds no more than ``limit`` (this one included), else the count is given back."""
        start = _start(window, now)
        count = self._count(key, start)
        previous = self.session.scalar(sa.select(MailQuota.count).where(
            MailQuota.key == key, MailQuota.window_start == start - window))  # fmt: skip
        still_covered = 1 - (now - start) / window
        if count + (previous or 0) * still_covered <= limit:
            return True
        self._give_back(key, window, now)
        return False

    def _give_back(self, key: str, window: timedelta, now: datetime) -> None:
        """A refusal takes no room."""
        self.session.execute(sa.update(MailQuota).where(
            MailQuota.key == key, MailQuota.window_start == _start(window, now)
        ).values(count=MailQuota.count - 1))  # fmt: skip

    def _count(self, key: str, start: datetime) -> int:
        table = MailQuota.__table__
        statement = upsert(self.session, table).values(key=key, window_start=start, count=1)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key, table.c.window_start],
            set_={"count": table.c.count + 1},
        ).returning(table.c.count)
        count: int = self.session.execute(statement).scalar_one()
        return count


def _start(window: timedelta, now: datetime) -> datetime:
    """The start of the fixed window holding ``now`` (windows start at 00:00 UTC)."""
    seconds = int(window.total_seconds())
    return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, UTC)
