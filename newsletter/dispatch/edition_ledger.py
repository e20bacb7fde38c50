"""The ledger of one edition as a send sees it: each call a short transaction, the sender
registered among the live senders while it runs, outcomes recorded in bulk (see
sender.Ledger).

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
from newsletter.dispatch.prepared import Prepared
from newsletter.dispatch.senders import SenderStore
from newsletter.dispatch.share import HourUse
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
        self.state = Prepared(
            sa.select(Edition.state, Edition.held_reason).where(Edition.id == edition_id), dialect
        )
        self.registered = False

    def begin(self) -> None:
        """On SQLite, take the edition's lease (a second sender is refused); open the
        connection of the frequent calls."""
        if not self.skip_locked and not self._lease():
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

    def _lease(self) -> bool:
        return acquire(self.database, self.lease, self.holder, self.settings.lease_seconds)

    def register(self, wakeable: bool) -> None:
        """Join the live senders (``wakeable``: a pause may signal this process)."""
        with self.database.session() as session:
            self._senders(session).register(self.holder, self.edition_id, wakeable)
        self.registered = True

    def heartbeat(self, sending: bool, note: str) -> int:
        """Renew this sender's row (and the edition's lease on SQLite): a sender that dies
        stops renewing, and its rows come back. The number of live senders sending."""
        if not self.skip_locked:
            self._lease()
        with self.database.session() as session:
            return self._senders(session).beat(self.holder, sending, note)

    def hour_use(self) -> HourUse:
        since = utcnow() - timedelta(hours=1)
        with self.database.session() as session:
            sent, oldest = LedgerStore(session).sent_since(since)
        return HourUse(sent, oldest + timedelta(hours=1) if oldest else None)

    def release_stale(self) -> str:
        """Rows held by senders that are no longer alive go back to the queue; what the
        send now waits for ("" when nothing), for editors."""
        with self.database.session() as session:
            senders = self._senders(session)
            live = senders.live()
            LedgerStore(session).release_orphans(self.edition_id, [s.holder for s in live])
            others = [
                s for s in live if s.edition_id == self.edition_id and s.holder != self.holder
            ]
        if not others:
            return ""
        oldest = min(s.beat_at for s in others)
        silent = max(0, round((utcnow() - oldest).total_seconds()))
        return (
            f"en attente d’un autre envoi de cette édition ({', '.join(s.holder for s in others)}, "
            f"signe de vie il y a {silent} s ; ses messages reviennent s’il se tait "
            f"{self.settings.lease_seconds} s)"
        )

    def _senders(self, session: Session) -> SenderStore:
        return SenderStore(session, self.settings.lease_seconds)

    def end(self) -> None:
        try:
            if self.skip_locked:
                with self._transaction() as cursor:
                    cursor.execute("RESET synchronous_commit")  # before going back to the pool
        finally:
            self.driver.close()
            if self.registered:
                with self.database.session() as session:
                    self._senders(session).unregister(self.holder)
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

    def paused(self) -> str | None:
        """Why the edition is paused, or None while it may go on."""
        with self._transaction() as cursor:
            row = self.state.run(cursor).fetchone()
        return str(row[1]) if row is not None and row[0] == "paused" else None

    def pause(self, reason: str) -> None:
        with self.database.session() as session:
            EditionStore(session).pause(EditionStore(session).get(self.edition_id), reason)

    def finish(self) -> None:
        with self.database.session() as session:
            store = EditionStore(session)
            edition = store.get(self.edition_id)
            if edition.state == "sending":
                store.mark_sent(edition, utcnow())
