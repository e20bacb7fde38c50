"""Ledger queries: freezing the audience, counts and what is left to send (the hot
statements of a send are in dispatch.claims)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.db import changed_rows
from newsletter.dispatch.ledger import OPEN, STATUSES, Delivery
from newsletter.settings import SegmentRule
from subscribers.audience import audience_condition, chosen_themes
from subscribers.models import Subscriber


class LedgerStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def sent_to(self, edition_id: int, subscriber_id: int) -> bool:
        """Whether the edition's message to that subscriber was accepted by the relay."""
        query = sa.select(Delivery.id).where(
            Delivery.edition_id == edition_id,
            Delivery.subscriber_id == subscriber_id,
            Delivery.status == "sent",
        )
        return self.session.scalar(query) is not None

    def frozen(self, edition_id: int) -> bool:
        query = sa.select(Delivery.id).where(Delivery.edition_id == edition_id).limit(1)
        return self.session.scalar(query) is not None

    def freeze(self, edition_id: int, list_key: str, segment: SegmentRule | None) -> int:
        """One queued row per recipient, written by the database in one statement (no row
        goes through Python); the audience is fixed from now on."""
        themes = chosen_themes()
        recipients = (
            sa.select(sa.literal(edition_id), Subscriber.id, sa.func.coalesce(themes, ""),
                      Subscriber.format, sa.literal("queued"), sa.literal(0), sa.literal(""),
                      sa.literal(""))
            .where(audience_condition(list_key, segment))
            .order_by(Subscriber.id)
        )  # fmt: skip
        columns = ("edition_id", "subscriber_id", "variant", "format", "status", "attempts",
                   "claimed_by", "reason")  # fmt: skip
        insert = sa.insert(Delivery).from_select(columns, recipients)
        total = changed_rows(self.session.execute(insert.execution_options(preserve_rowcount=True)))
        if self.session.get_bind().dialect.name == "postgresql":
            # Fresh statistics, or the planner may take the tables just filled (ledger,
            # imported subscribers) for empty ones and make every claim scan them all.
            for table in ("deliveries", "subscribers", "subscriptions", "suppression"):
                self.session.execute(sa.text(f"ANALYZE {table}"))
        return total

    def release_orphans(self, edition_id: int, live: Sequence[str]) -> int:
        """Rows left ``sending`` by senders that are not alive go back to the queue.

        Their messages may or may not have reached the server: these are the only ones
        that can be sent twice (at most the messages in flight when the sender died).
        """
        query = sa.update(Delivery).where(
            Delivery.edition_id == edition_id,
            Delivery.status == "sending",
            Delivery.claimed_by.not_in(list(live)),
        )
        return changed_rows(self.session.execute(query.values(status="queued", claimed_by="")))

    def sent_since(self, since: datetime) -> tuple[int, datetime | None]:
        """Messages accepted since then, all editions together, and the oldest one's time
        (the hourly quota is the relay's, whatever the edition)."""
        count, oldest = self.session.execute(
            sa.select(sa.func.count(), sa.func.min(Delivery.sent_at)).where(
                Delivery.sent_at >= since
            )
        ).one()
        return int(count), oldest

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

    def deliveries_of(self, subscriber_id: int, edition_ids: Sequence[int]) -> dict[int, Delivery]:
        """A subscriber's row in each of these editions' ledgers (when they were in it)."""
        rows = self.session.scalars(
            sa.select(Delivery).where(
                Delivery.edition_id.in_(list(edition_ids)), Delivery.subscriber_id == subscriber_id
            )
        )
        return {row.edition_id: row for row in rows}

    def next_due(self, edition_id: int) -> datetime | None:
        """When the earliest deferred row may be retried (None: nothing deferred)."""
        return self.session.scalar(
            sa.select(sa.func.min(Delivery.next_attempt_at)).where(
                Delivery.edition_id == edition_id, Delivery.status == "deferred"
            )
        )

    def variants(self, edition_id: int) -> list[tuple[str, str]]:
        """The (variant, format) pairs still to send, to render each once up front."""
        rows = self.session.execute(
            sa.select(Delivery.variant, Delivery.format)
            .where(Delivery.edition_id == edition_id, Delivery.status.in_(OPEN))
            .distinct()
        )
        return [(variant, format_) for variant, format_ in rows]
