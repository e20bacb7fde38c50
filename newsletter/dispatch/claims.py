"""The statements a send runs over and over: claiming due rows, recording outcomes,
putting rows back in the queue.

They are built and compiled once per send (one edition, one sender) and run on the
driver's cursor (see prepared), so that each call only binds values: building, coercing and
executing them through SQLAlchemy on every call used to cost the sending parent more CPU
than the database work itself. Row ids travel as one parameter (see idlists).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import DBAPICursor

from newsletter.dispatch.idlists import IdList
from newsletter.dispatch.ledger import Delivery
from newsletter.dispatch.prepared import Prepared
from newsletter.dispatch.tasks import Outcome, TaskRow
from subscribers.audience import audience_condition
from subscribers.models import Subscriber

SKIPPED_REASON = "n'est plus destinataire (désinscription, rebond, plainte ou suppression)"


def due_rows(edition_id: int, list_key: str, skip_locked: bool) -> sa.Select[tuple[object, ...]]:
    """Up to ``:limit`` rows due at ``:now``, with their recipient and whether that person
    still receives the list (false also when erased: no subscriber row any more)."""
    due = (
        sa.select(Delivery.id, Delivery.subscriber_id, Delivery.variant, Delivery.format)
        .where(
            Delivery.edition_id == edition_id,
            # IN rather than OR: the work index then seeks each status (SQLite).
            sa.text("deliveries.status IN ('queued', 'deferred')"),
            sa.or_(Delivery.status == "queued", Delivery.next_attempt_at <= sa.bindparam("now")),
        )
        # The work index's order, so that the planner reads the rows there whatever its
        # statistics say (taken at freeze time, they count every row as due): never by
        # walking past the rows already sent ('sending' and 'sent' sort after 'queued').
        # Retries come first.
        .order_by(Delivery.status, Delivery.next_attempt_at)
        .limit(sa.bindparam("limit", type_=sa.Integer))
    )
    if skip_locked:  # PostgreSQL: several senders share the rows
        due = due.with_for_update(skip_locked=True)
    rows = due.subquery("due")
    name = sa.func.trim(Subscriber.first_name + " " + Subscriber.last_name)
    return sa.select(  # a TaskRow, then whether to send
        rows.c.id, rows.c.subscriber_id, Subscriber.email_hash, Subscriber.email, name,
        rows.c.variant, rows.c.format, audience_condition(list_key).label("eligible"),
    ).outerjoin_from(rows, Subscriber, Subscriber.id == rows.c.subscriber_id)  # fmt: skip


class Claims:
    """One sender's statements on the rows of one edition."""

    def __init__(self, dialect: Dialect, edition_id: int, list_key: str, holder: str) -> None:
        self.ids = IdList(dialect.name)
        among = self.ids.among(Delivery.id)
        rows = sa.update(Delivery).where(among)
        now: sa.BindParameter[Any] = sa.bindparam("now")
        prepare = partial(Prepared, dialect=dialect)
        self.due = prepare(due_rows(edition_id, list_key, dialect.name == "postgresql"))
        self.take = prepare(rows.values(status="sending", claimed_by=holder, claimed_at=now))
        self.skip = prepare(rows.values(status="skipped", reason=SKIPPED_REASON, claimed_by=""))
        self.sent = prepare(
            rows.values(status="sent", sent_at=now, claimed_by="", code=250, reason="")
        )
        self.back = prepare(
            rows.where(Delivery.status == "sending").values(status="queued", claimed_by="")
        )
        self.attempts = prepare(sa.select(Delivery.id, Delivery.attempts).where(among))
        table = Delivery.__table__
        self.fail = prepare(
            table.update()
            .where(table.c.id == sa.bindparam("row_id"))
            .values(
                status=sa.bindparam("status"), attempts=sa.bindparam("attempts"),
                code=sa.bindparam("code"), reason=sa.bindparam("reason"),
                next_attempt_at=sa.bindparam("next_attempt_at"), claimed_by="",
            )
        )  # fmt: skip

    def claim(self, cursor: DBAPICursor, limit: int, now: datetime) -> list[TaskRow]:
        """Take up to ``limit`` due rows; those whose recipient left are skipped on the way."""
        while True:
            rows = self.due.run(cursor, now=now, limit=limit).fetchall()
            tasks: list[TaskRow] = [row[:-1] for row in rows if row[-1]]
            gone = [row[0] for row in rows if not row[-1]]
            if gone:
                self.skip.run(cursor, ids=self.ids.bind(gone))
            if tasks:
                self.take.run(cursor, ids=self.ids.bind([task[0] for task in tasks]), now=now)
            if tasks or not rows:
                return tasks

    def record(
        self,
        cursor: DBAPICursor,
        outcomes: Sequence[Outcome],
        now: datetime,
        backoff: Callable[[int], float],
        max_attempts: int,
    ) -> None:
        """Apply the server's answers; a row is ``sent`` only after acceptance."""
        sent = [o.delivery_id for o in outcomes if o.status == "sent"]
        if sent:
            self.sent.run(cursor, ids=self.ids.bind(sent), now=now)
        retry = [o.delivery_id for o in outcomes if o.status == "retry"]
        if retry:
            self.requeue(cursor, retry)
        failures = [o for o in outcomes if o.status in ("failed", "deferred")]
        if failures:
            self._failures(cursor, failures, now, backoff, max_attempts)

    def requeue(self, cursor: DBAPICursor, delivery_ids: Sequence[int]) -> None:
        """Rows still ``sending`` go back to the queue: not an attempt."""
        self.back.run(cursor, ids=self.ids.bind(delivery_ids))

    def _failures(
        self,
        cursor: DBAPICursor,
        failures: list[Outcome],
        now: datetime,
        backoff: Callable[[int], float],
        max_attempts: int,
    ) -> None:
        """4xx: deferred with backoff, failed after ``max_attempts``; 5xx: failed."""
        found = self.attempts.run(cursor, ids=self.ids.bind([o.delivery_id for o in failures]))
        attempts = dict(found.fetchall())
        updates = []
        for outcome in failures:
            tries = attempts[outcome.delivery_id] + 1
            final = outcome.status == "failed" or tries >= max_attempts
            reason = (
                outcome.reason
                if outcome.status == "failed" or not final
                else f"abandon après {tries} tentatives : {outcome.reason}"
            )
            updates.append({
                "row_id": outcome.delivery_id, "status": "failed" if final else "deferred",
                "attempts": tries, "code": outcome.code, "reason": reason[:500],
                "next_attempt_at": None if final else now + timedelta(seconds=backoff(tries)),
            })  # fmt: skip
        self.fail.run_many(cursor, updates)
