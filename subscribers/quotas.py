"""Quotas of the emails anyone can ask for from the public pages (confirmations of a
subscription, links to one's data): per mailbox, per client address and in all.

Each request counts itself first, atomically (an upsert returning the new count, under the
row's lock), and goes on only if every count is within its limit: parallel requests cannot
overshoot, whatever the database. The mailbox's counter comes first, so requests for one
mailbox also queue there, one after the other. Windows are fixed (a day for a mailbox, an
hour otherwise); a mailbox is counted by its hash (``mailbox_key``: no case, no ``+tag``,
no dots at Gmail) so that no address is stored in clear.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

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
        key = "boite:" + email_hash(mailbox_key(address), self.pepper)[:32]
        return self._count(key, DAY, now) <= self.settings.confirmations_per_day

    def take_sending(self, client: str, now: datetime) -> bool:
        """Count one email about to go out, for the client and for everyone."""
        settings = self.settings
        if self._count(f"client:{client[:80]}", HOUR, now) > settings.confirmations_per_client_hour:
            return False
        return self._count("tous", HOUR, now) <= settings.confirmations_per_hour

    def _count(self, key: str, window: timedelta, now: datetime) -> int:
        seconds = int(window.total_seconds())
        start = datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, UTC)
        table = MailQuota.__table__
        statement = upsert(self.session, table).values(key=key, window_start=start, count=1)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c.key, table.c.window_start],
            set_={"count": table.c.count + 1},
        ).returning(table.c.count)
        count: int = self.session.execute(statement).scalar_one()
        return count
