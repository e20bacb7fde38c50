"""Ledger queries: freezing the audience, claiming work, recording what the server said."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from newsletter.dispatch.ledger import OPEN, STATUSES, Delivery
from subscribers.audience import Recipient, audience_condition
from subscribers.models import Subscriber

CHUNK = 1000
SKIPPED_REASON = "n'est plus destinataire (désinscription, rebond, plainte ou suppression)"


@dataclass(frozen=True)
class Task:
    """A claimed row with what a worker needs to build and send its message."""

    delivery_id: int
    subscriber_id: int
    email_hash: str
    email: str
    name: str
    variant: str
    format: str


@dataclass(frozen=True)
class Outcome:
    """What became of one task: ``sent``, ``deferred`` (4xx), ``failed`` (5xx) or ``retry``
    (the connection died before the server answered: not an attempt, try again)."""

    delivery_id: int
    subscriber_id: int
    status: str
    code: int | None = None
    reason: str = ""
    recipient_refused: bool = False


Executor = Session | Connection  # the hot paths of a send use a plain connection


def dialect(executor: Executor) -> str:
    bind = executor.get_bind() if isinstance(executor, Session) else executor
    return bind.dialect.name


def among(
    column: sa.ColumnElement[int], ids: Sequence[int], session: Executor
) -> sa.ColumnElement[bool]:
    """``column IN ids``; on PostgreSQL as ``= ANY(array)``: one parameter instead of
    hundreds, which the driver would otherwise parse one by one on every claim."""
    if dialect(session) == "postgresql":
        return column == sa.any_(sa.literal(list(ids), ARRAY(sa.Integer)))
    return column.in_(ids)


def variant_key(themes: Iterable[str]) -> str:
    return ",".join(sorted(themes))


class LedgerStore:
    def __init__(self, session: Executor) -> None:
        self.session = session

    def frozen(self, edition_id: int) -> bool:
        query = sa.select(Delivery.id).where(Delivery.edition_id == edition_id).limit(1)
        return self.session.scalar(query) is not None

    def freeze(self, edition_id: int, recipients: Iterable[Recipient]) -> int:
        """One queued row per recipient, in bulk; the audience is fixed from now on."""
        total = 0
        batch: list[dict[str, object]] = []
        for recipient in recipients:
            batch.append({
                "edition_id": edition_id, "subscriber_id": recipient.id,
                "variant": variant_key(recipient.themes), "format": recipient.format,
                "status": "queued", "attempts": 0, "claimed_by": "", "reason": "",
            })  # fmt: skip
            if len(batch) == CHUNK:
                total += self._insert(batch)
        total += self._insert(batch)
        if dialect(self.session) == "postgresql":
            # Fresh statistics, or the planner may take the tables just filled (ledger,
            # imported subscribers) for empty ones and make every claim scan them all.
            for table in ("deliveries", "subscribers", "subscriptions", "suppression"):
                self.session.execute(sa.text(f"ANALYZE {table}"))
        return total

    def _insert(self, rows: list[dict[str, object]]) -> int:
        if rows:
            self.session.execute(sa.insert(Delivery), rows)
        count = len(rows)
        rows.clear()
        return count

    def release_stale(self, edition_id: int, claimed_before: datetime | None = None) -> int:
        """Rows left ``sending`` by a worker that died go back to the queue.

        Their messages may or may not have reached the server: these are the only ones
        that can be sent twice (at most the messages in flight at the crash).
        """
        query = sa.update(Delivery).where(
            Delivery.edition_id == edition_id, Delivery.status == "sending"
        )
        if claimed_before is not None:
            query = query.where(Delivery.claimed_at < claimed_before)
        return self.session.execute(query.values(status="queued", claimed_by="")).rowcount

    def claim(
        self,
        edition_id: int,
        list_key: str,
        holder: str,
        now: datetime,
        limit: int,
        skip_locked: bool,
    ) -> list[Task]:
        """Take up to ``limit`` due rows; those whose recipient left are skipped at once."""
        due = sa.or_(
            Delivery.status == "queued",
            sa.and_(Delivery.status == "deferred", Delivery.next_attempt_at <= now),
        )
        # No ORDER BY: the work index finds due rows directly, instead of walking past
        # every row already sent.
        candidates = (
            sa.select(Delivery.id, Delivery.subscriber_id)
            .where(Delivery.edition_id == edition_id, due)
            .limit(limit)
        )
        if skip_locked:  # PostgreSQL: several workers share the rows (SQLite ignores it)
            candidates = candidates.with_for_update(skip_locked=True)
        rows = self.session.execute(candidates).all()
        if not rows:
            return []
        wanted = [subscriber for _, subscriber in rows if subscriber is not None]
        found = self.session.execute(
            sa.select(Subscriber.id, Subscriber.email_hash, Subscriber.email,
                      Subscriber.first_name, Subscriber.last_name)
            .where(among(Subscriber.id, wanted, self.session), audience_condition(list_key))
        ).all()  # fmt: skip
        eligible = {row[0]: row for row in found}
        gone = [delivery for delivery, subscriber in rows if subscriber not in eligible]
        taken = [delivery for delivery, subscriber in rows if subscriber in eligible]
        if gone:
            self.session.execute(
                sa.update(Delivery)
                .where(among(Delivery.id, gone, self.session))
                .values(status="skipped", reason=SKIPPED_REASON, claimed_by="")
            )
        if not taken:
            return self.claim(edition_id, list_key, holder, now, limit, skip_locked)
        self.session.execute(
            sa.update(Delivery)
            .where(among(Delivery.id, taken, self.session))
            .values(status="sending", claimed_by=holder, claimed_at=now)
        )
        details = self.session.execute(
            sa.select(Delivery.id, Delivery.subscriber_id, Delivery.variant, Delivery.format)
            .where(among(Delivery.id, taken, self.session))
            .order_by(Delivery.id)
        ).all()
        tasks = []
        for delivery_id, subscriber_id, variant, format_ in details:
            _, email_hash, email, first, last = eligible[subscriber_id]
            name = f"{first} {last}".strip()
            tasks.append(Task(delivery_id, subscriber_id, email_hash, email, name, variant,
                              format_))  # fmt: skip
        return tasks

    def record(
        self,
        outcomes: Sequence[Outcome],
        now: datetime,
        backoff: Callable[[int], float],
        max_attempts: int,
    ) -> None:
        """Apply the server's answers; a row is ``sent`` only after acceptance."""
        by_status: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in outcomes:
            by_status[outcome.status].append(outcome)
        table = Delivery.__table__
        if by_status["sent"]:
            self.session.execute(
                sa.update(Delivery)
                .where(among(Delivery.id, [o.delivery_id for o in by_status["sent"]], self.session))
                .values(status="sent", sent_at=now, claimed_by="", code=250, reason="")
            )
        if by_status["retry"]:
            self.session.execute(
                sa.update(Delivery)
                .where(
                    among(Delivery.id, [o.delivery_id for o in by_status["retry"]], self.session)
                )
                .values(status="queued", claimed_by="")
            )
        failures = by_status["failed"] + by_status["deferred"]
        if not failures:
            return
        found = self.session.execute(
            sa.select(Delivery.id, Delivery.attempts).where(
                among(Delivery.id, [o.delivery_id for o in failures], self.session)
            )
        )
        attempts = {row_id: tries for row_id, tries in found}
        updates = []
        for outcome in failures:
            tries = attempts[outcome.delivery_id] + 1
            final = outcome.status == "failed" or tries >= max_attempts
            reason = (
                outcome.reason
                if outcome.status == "failed" or not final
                else (f"abandon après {tries} tentatives : {outcome.reason}")
            )
            updates.append({
                "row_id": outcome.delivery_id, "status": "failed" if final else "deferred",
                "attempts": tries, "code": outcome.code, "reason": reason[:500],
                "next_attempt_at": None if final else now + timedelta(seconds=backoff(tries)),
            })  # fmt: skip
        self.session.execute(
            table.update()
            .where(table.c.id == sa.bindparam("row_id"))
            .values(
                status=sa.bindparam("status"), attempts=sa.bindparam("attempts"),
                code=sa.bindparam("code"), reason=sa.bindparam("reason"),
                next_attempt_at=sa.bindparam("next_attempt_at"), claimed_by="",
            ),
            updates,
        )  # fmt: skip

    def counts(self, edition_id: int) -> dict[str, int]:
        return self.counts_for([edition_id])[edition_id]

    def counts_for(self, edition_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """``counts`` of several editions in one query (dashboards, lists)."""
        rows = self.session.execute(
            sa.select(Delivery.edition_id, Delivery.status, sa.func.count())
            .where(Delivery.edition_id.in_(list(edition_ids)))
            .group_by(Delivery.edition_id, Delivery.status)
        )
        found = {edition_id: dict.fromkeys(STATUSES, 0) for edition_id in edition_ids}
        for edition_id, status, count in rows:
            found[edition_id][status] = count
        return found

    def next_due(self, edition_id: int) -> datetime | None:
        """When the earliest deferred row may be retried (None: nothing deferred)."""
        return self.session.scalar(
            sa.select(sa.func.min(Delivery.next_attempt_at)).where(
                Delivery.edition_id == edition_id, Delivery.status == "deferred"
            )
        )

    def remaining(self, edition_id: int) -> int:
        return (
            self.session.scalar(
                sa.select(sa.func.count()).where(
                    Delivery.edition_id == edition_id, Delivery.status.in_(OPEN)
                )
            )
            or 0
        )

    def variants(self, edition_id: int) -> list[tuple[str, str]]:
        """The (variant, format) pairs still to send, to render each once up front."""
        rows = self.session.execute(
            sa.select(Delivery.variant, Delivery.format)
            .where(Delivery.edition_id == edition_id, Delivery.status.in_(OPEN))
            .distinct()
        )
        return [(variant, format_) for variant, format_ in rows]
