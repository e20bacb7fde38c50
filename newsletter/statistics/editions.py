"""Each edition's figures, counted once from its ledger and stored (``edition_figures``).

Counted at the end of a send (``record``) and again, on reading, while the 7 days after the
send are not over: bounces, complaints and unsubscribes still arrive then. Once settled, the
row is what every page and report reads: no page counts a ledger of 100,000 rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.dispatch.ledger import STATUSES, Delivery
from newsletter.dispatch.store import LedgerStore
from newsletter.editions.models import Edition
from newsletter.statistics.keeping import keep
from newsletter.statistics.models import EditionFigures
from subscribers.models import BounceEvent, Subscriber, Subscription

WINDOW = timedelta(days=7)  # bounces, complaints and unsubscribes counted after a send
COUNTED_STATES = ("sending", "paused", "sent")  # editions with a ledger


def _ledger(session: Session, figures: EditionFigures) -> None:
    edition_id = figures.edition_id
    is_sent = Delivery.status == "sent"

    def among_sent(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((sa.and_(is_sent, condition), 1), else_=0))

    row = session.execute(
        sa.select(
            sa.func.count(),
            among_sent(sa.true()),
            among_sent(Delivery.attempts > 0),
            sa.func.sum(sa.case((Delivery.status == "failed", 1), else_=0)),
            sa.func.sum(sa.case((Delivery.status == "skipped", 1), else_=0)),
            among_sent(Delivery.format == "text"),
            sa.func.min(Delivery.sent_at),
            sa.func.max(Delivery.sent_at),
        ).where(Delivery.edition_id == edition_id)
    ).one()
    recipients, sent, deferred_sent, failed, skipped, text, first, last = row
    figures.recipients, figures.sent = recipients, sent or 0
    figures.deferred_sent, figures.failed, figures.skipped = (
        deferred_sent or 0, failed or 0, skipped or 0
    )  # fmt: skip
    figures.text = text or 0
    figures.html = figures.sent - figures.text
    figures.first_sent_at, figures.last_sent_at = first, last


def _after(session: Session, figures: EditionFigures, start: datetime) -> None:
    """Bounces, complaints and unsubscribes of the edition's recipients within the window."""
    recipient = sa.exists().where(
        Delivery.edition_id == figures.edition_id, Delivery.subscriber_id == Subscriber.id
    )
    end = start + WINDOW
    kinds = dict(
        session.execute(
            sa.select(BounceEvent.kind, sa.func.count())
            .join(Subscriber, Subscriber.id == BounceEvent.subscriber_id)
            .where(BounceEvent.received_at >= start, BounceEvent.received_at < end, recipient)
            .group_by(BounceEvent.kind)
        ).all()
    )
    figures.hard, figures.soft = kinds.get("hard", 0), kinds.get("soft", 0)
    figures.complaints = kinds.get("complaint", 0)
    left: dict[str, dict[str, int]] = defaultdict(dict)
    rows = session.execute(
        sa.select(Subscription.list_key, Subscriber.profile, sa.func.count())
        .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
        .where(Subscription.unsubscribed_at >= start, Subscription.unsubscribed_at < end,
               recipient)
        .group_by(Subscription.list_key, Subscriber.profile)
    )  # fmt: skip
    for list_key, profile, count in rows:
        left[list_key][profile] = count
    figures.unsubscribes = dict(left)


def record(session: Session, edition_id: int, now: datetime) -> EditionFigures:
    """Count an edition's figures now and store them (the end of a send calls this)."""
    figures = session.get(EditionFigures, edition_id) or EditionFigures(edition_id=edition_id)
    _ledger(session, figures)
    edition = session.get(Edition, edition_id)
    start = figures.first_sent_at or (edition.sent_at if edition else None) or now
    _after(session, figures, start)
    figures.settled = now >= start + WINDOW
    figures.computed_at = now
    kept = keep(session, figures)
    if kept is None:  # counted at the same moment by another sender or page: same figures
        kept = session.get(EditionFigures, edition_id, populate_existing=True)
        assert kept is not None
    return kept


def figures_of(
    session: Session, editions: Sequence[Edition], now: datetime
) -> dict[int, EditionFigures]:
    """The stored figures of these editions, counted again where not settled (an edition
    never counted, or sent less than 7 days ago). Editions without a ledger are left out."""
    counted = [edition for edition in editions if edition.state in COUNTED_STATES]
    ids = [edition.id for edition in counted]
    stored = {
        row.edition_id: row
        for row in session.scalars(
            sa.select(EditionFigures).where(EditionFigures.edition_id.in_(ids))
        )
    }
    for edition_id in ids:
        if edition_id not in stored or not stored[edition_id].settled:
            stored[edition_id] = record(session, edition_id, now)
    return {edition_id: stored[edition_id] for edition_id in ids}


def _went_out() -> sa.ColumnElement[datetime]:
    return sa.func.coalesce(Edition.sent_at, Edition.send_at)


def editions_between(
    session: Session, newsletter: str, start: datetime, end: datetime
) -> list[Edition]:
    """The newsletter's editions that went out (or are going out) in [start, end)."""
    return list(
        session.scalars(
            sa.select(Edition)
            .where(
                Edition.newsletter == newsletter,
                Edition.state.in_(COUNTED_STATES),
                _went_out() >= start,
                _went_out() < end,
            )
            .order_by(Edition.number)
        )
    )


def last_edition(session: Session, newsletter: str) -> Edition | None:
    return session.scalars(
        sa.select(Edition)
        .where(Edition.newsletter == newsletter, Edition.state.in_(COUNTED_STATES))
        .order_by(Edition.number.desc())
        .limit(1)
    ).first()


def first_sent(session: Session, newsletter: str) -> datetime | None:
    """When the newsletter's first edition went out."""
    return session.scalar(
        sa.select(sa.func.min(_went_out())).where(
            Edition.newsletter == newsletter, Edition.state.in_(COUNTED_STATES)
        )
    )


def ledger_counts(
    session: Session, editions: Sequence[Edition], now: datetime
) -> dict[int, dict[str, int]]:
    """Each edition's ledger rows by status: a sent edition's from its kept figures (no
    ledger counted again), the others' counted (``LedgerStore.counts_for``)."""
    done = figures_of(session, [edition for edition in editions if edition.state == "sent"], now)
    found = LedgerStore(session).counts_for([e.id for e in editions if e.id not in done])
    for edition_id, figures in done.items():
        found[edition_id] = dict.fromkeys(STATUSES, 0) | {
            "sent": figures.sent, "failed": figures.failed, "skipped": figures.skipped
        }  # fmt: skip
    return found
