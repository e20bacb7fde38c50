"""The ledger of one edition as a send sees it: each call a short transaction, the claim
renewed while sending, outcomes recorded in bulk (see sender.Ledger)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.db import Database, utcnow
from newsletter.dispatch.ledger import Delivery
from newsletter.dispatch.store import LedgerStore, Outcome, Task, among
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError
from newsletter.leases import acquire, release
from newsletter.settings import DispatchSettings


class EditionLedger:
    """The ledger of one edition, each call its own short transaction (see sender.Ledger)."""

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
        self.list_key = list_key
        self.holder = holder
        self.settings = settings
        self.on_refused = on_refused  # a 5xx on the recipient counts as a hard bounce
        # PostgreSQL senders share the rows (SKIP LOCKED); on SQLite one sender at a time.
        self.skip_locked = database.dialect == "postgresql"
        self.lease = f"edition:{edition_id}"

    def begin(self) -> None:
        """On SQLite, take the edition's lease (a second sender is refused)."""
        if not self.skip_locked and not self.heartbeat():
            raise InputError(
                f"l’édition {self.edition_id} est déjà en cours d’envoi par un autre processus",
                "suivez-la avec `newsletter edition status ID`",
            )

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
        if not self.skip_locked:
            release(self.database, self.lease, self.holder)

    def backoff(self, attempts: int) -> float:
        """Seconds before retry n° ``attempts``: doubling from the base, capped."""
        base, cap = self.settings.retry_base_seconds, self.settings.retry_max_seconds
        return float(min(cap, base * 2 ** (attempts - 1)))

    def claim(self, limit: int, now: datetime) -> list[Task]:
        with self.database.engine.begin() as connection:
            return LedgerStore(connection).claim(
                self.edition_id, self.list_key, self.holder, now, limit, self.skip_locked
            )

    def record(self, outcomes: list[Outcome], now: datetime) -> None:
        with self.database.engine.begin() as connection:
            if self.skip_locked:
                # PostgreSQL: do not wait for the WAL flush on each of these small commits.
                # They stay atomic and survive a crash of this process; only a crash of the
                # database server itself could forget the last instants of outcomes, whose
                # messages would then be sent again, like those in flight.
                connection.execute(sa.text("SET LOCAL synchronous_commit TO OFF"))
            LedgerStore(connection).record(outcomes, now, self.backoff, self.settings.max_attempts)
        refused = [o for o in outcomes if o.status == "failed" and o.recipient_refused]
        if refused:
            with self.database.session() as session:
                for outcome in refused:
                    self.on_refused(session, outcome, now)

    def release(self, delivery_ids: list[int]) -> None:
        with self.database.session() as session:
            session.execute(
                sa.update(Delivery)
                .where(among(Delivery.id, delivery_ids, session), Delivery.status == "sending")
                .values(status="queued", claimed_by="")
            )

    def counts(self) -> dict[str, int]:
        with self.database.session() as session:
            return LedgerStore(session).counts(self.edition_id)

    def next_due(self) -> datetime | None:
        with self.database.session() as session:
            return LedgerStore(session).next_due(self.edition_id)

    def paused(self) -> bool:
        with self.database.session() as session:
            return EditionStore(session).get(self.edition_id).state == "paused"

    def pause(self, reason: str) -> None:
        with self.database.session() as session:
            EditionStore(session).pause(EditionStore(session).get(self.edition_id), reason)

    def finish(self) -> None:
        with self.database.session() as session:
            store = EditionStore(session)
            edition = store.get(self.edition_id)
            if edition.state == "sending":
                store.mark_sent(edition, utcnow())
