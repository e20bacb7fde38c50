"""The ledger of one edition as a send sees it: each call a short transaction, the claim
renewed while sending, outcomes recorded in bulk (see sender.Ledger).

The frequent calls (exchange, paused, release) go through one DBAPI connection held from
``begin`` to ``end``, with statements compiled once (see claims): a send makes hundreds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection

from newsletter.db import Database, utcnow
from newsletter.dispatch.claims import Claims
from newsletter.dispatch.ledger import Delivery
from newsletter.dispatch.prepared import Prepared
from newsletter.dispatch.store import LedgerStore
from newsletter.dispatch.tasks import Outcome, TaskRow
from newsletter.editions.models import Edition
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError
from newsletter.leases import acquire, release
from newsletter.settings import DispatchSettings


class EditionLedger:
    """The ledger of one edition, each call its own short transaction (see sender.Ledger)."""

    driver: PoolProxiedConnection  # held between begin() and end()

    def __init__(
        self,
        database: Database,
        edition_id: int,
        list_key: str,
        holder: str,
        settings: DispatchSettings,
        on_refused: Callable[[Session, Outcome, datetime], None],
    ) -> None:
        self.database = database
        self.edition_id = edition_id
        self.holder = holder
        self.settings = settings
        self.on_refused = on_refused  # a 5xx on the recipient counts as a hard bounce
        # PostgreSQL senders share the rows (SKIP LOCKED); on SQLite one sender at a time.
        self.skip_locked = database.dialect == "postgresql"
        self.lease = f"edition:{edition_id}"
        dialect = database.engine.dialect
        self.claims = Claims(dialect, edition_id, list_key, holder)
        self.state = Prepared(sa.select(Edition.state).where(Edition.id == edition_id), dialect)

    def begin(self) -> None:
        """On SQLite, take the edition's lease (a second sender is refused); open the
        connection of the frequent calls."""
        if not self.skip_locked and not self.heartbeat():
            raise InputError(
                f"l’édition {self.edition_id} est déjà en cours d’envoi par un autre processus",
                "suivez-la avec `newsletter edition status ID`",
            )
        self.driver = self.database.engine.raw_connection()
        if self.skip_locked:
            # PostgreSQL: do not wait for the WAL flush on each of the exchanges' small
            # commits. They stay atomic and survive a crash of this process; only a crash of
            # the database server itself could forget their last instants, whose messages
            # would then be sent again, like those in flight.
            with self._transaction() as cursor:
                cursor.execute("SET synchronous_commit TO OFF")

    def heartbeat(self) -> bool:
        """Renew the claim while sending: the lease on SQLite, the claimed rows' time on
        PostgreSQL. A sender that dies stops renewing, and its rows come back."""
        if not self.skip_locked:
            return acquire(self.database, self.lease, self.holder, self.settings.lease_seconds)
        with self.database.session() as session:
            session.execute(
                sa.update(Delivery)
                .where(Delivery.edition_id == self.edition_id, Delivery.status == "sending",
                       Delivery.claimed_by == self.holder)
                .values(claimed_at=utcnow())
            )  # fmt: skip
        return True

    def release_stale(self, now: datetime) -> None:
        """Rows another sender claimed and stopped renewing (it died) go back to the queue."""
        stale = now - timedelta(seconds=self.settings.lease_seconds)
        with self.database.session() as session:
            LedgerStore(session).release_stale(self.edition_id, stale)

    def end(self) -> None:
        try:
            if self.skip_locked:
                with self._transaction() as cursor:
                    cursor.execute("RESET synchronous_commit")  # before going back to the pool
        finally:
            self.driver.close()
            if not self.skip_locked:
                release(self.database, self.lease, self.holder)

    @contextmanager
    def _transaction(self) -> Iterator[DBAPICursor]:
        """A transaction on the held connection: committed, or rolled back on any error."""
        cursor = self.driver.cursor()
        try:
            yield cursor
            self.driver.commit()
        except BaseException:
            self.driver.rollback()
            raise
        finally:
            cursor.close()

    def backoff(self, attempts: int) -> float:
        """Seconds before retry n° ``attempts``: doubling from the base, capped."""
        base, cap = self.settings.retry_base_seconds, self.settings.retry_max_seconds
        return float(min(cap, base * 2 ** (attempts - 1)))

    def exchange(self, outcomes: list[Outcome], limit: int, now: datetime) -> list[TaskRow]:
        """Record ``outcomes``, then claim up to ``limit`` due rows: one short transaction."""
        with self._transaction() as cursor:
            self.claims.record(cursor, outcomes, now, self.backoff, self.settings.max_attempts)
            claimed = self.claims.claim(cursor, limit, now) if limit else []
        refused = [o for o in outcomes if o.status == "failed" and o.recipient_refused]
        if refused:
            with self.database.session() as session:
                for outcome in refused:
                    self.on_refused(session, outcome, now)
        return claimed

    def release(self, delivery_ids: list[int]) -> None:
        with self._transaction() as cursor:
            self.claims.requeue(cursor, delivery_ids)

    def counts(self) -> dict[str, int]:
        with self.database.session() as session:
            return LedgerStore(session).counts(self.edition_id)

    def next_due(self) -> datetime | None:
        with self.database.session() as session:
            return LedgerStore(session).next_due(self.edition_id)

    def paused(self) -> bool:
        with self._transaction() as cursor:
            row = self.state.run(cursor).fetchone()
        return row is not None and row[0] == "paused"

    def pause(self, reason: str) -> None:
        with self.database.session() as session:
            EditionStore(session).pause(EditionStore(session).get(self.edition_id), reason)

    def finish(self) -> None:
        with self.database.session() as session:
            store = EditionStore(session)
            edition = store.get(self.edition_id)
            if edition.state == "sending":
                store.mark_sent(edition, utcnow())
