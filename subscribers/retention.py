"""Retention: unconfirmed subscriptions and long-gone people are purged (the scheduler calls
``purge`` daily). Who unsubscribed is reduced to the suppression hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.db import changed_rows
from newsletter.settings import SubscriberSettings
from subscribers.models import (
    ConsentRecord,
    MailQuota,
    PendingRequest,
    Subscriber,
    Subscription,
    UsedLink,
)
from subscribers.quotas import KEPT
from subscribers.suppression import suppress

# Single-use links last minutes; the marks of used ones are kept a day.
USED_LINKS_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class PurgeCounts:
    pending_subscriptions: int
    unconfirmed_people: int
    unsubscribed_people: int
    confirmation_records: int

    def describe(self) -> str:
        return (
            f"{self.pending_subscriptions} abonnement(s) non confirmé(s) supprimé(s), "
            f"{self.unconfirmed_people} personne(s) jamais confirmée(s) effacée(s), "
            f"{self.unsubscribed_people} désabonné(s) réduit(s) à l'empreinte, "
            f"{self.confirmation_records} compteur(s) d'envois de confirmation supprimé(s)"
        )


def purge(session: Session, now: datetime, settings: SubscriberSettings) -> PurgeCounts:
    pending_cutoff = now - timedelta(days=settings.pending_days)
    pending = changed_rows(
        session.execute(
            sa.delete(Subscription).where(
                Subscription.status == "pending", Subscription.created_at < pending_cutoff
            )
        )
    ) + changed_rows(
        session.execute(sa.delete(PendingRequest).where(PendingRequest.created_at < pending_cutoff))
    )
    has_subscription = sa.exists().where(Subscription.subscriber_id == Subscriber.id)
    has_consent = sa.exists().where(ConsentRecord.subscriber_id == Subscriber.id)
    unconfirmed = changed_rows(
        session.execute(
            sa.delete(Subscriber).where(
                Subscriber.created_at < pending_cutoff, ~has_subscription, ~has_consent
            )
        )
    )
    gone = _long_unsubscribed(session, now - timedelta(days=settings.unsubscribed_days))
    for subscriber in gone:
        for subscription in subscriber.subscriptions:
            suppress(session, subscriber.email_hash, "unsubscribed", subscription.list_key)
        session.delete(subscriber)
    confirmations = changed_rows(
        session.execute(sa.delete(MailQuota).where(MailQuota.window_start < now - KEPT))
    )
    session.execute(sa.delete(UsedLink).where(UsedLink.used_at < now - USED_LINKS_KEPT))
    session.flush()
    return PurgeCounts(pending, unconfirmed, len(gone), confirmations)


def _long_unsubscribed(session: Session, cutoff: datetime) -> list[Subscriber]:
    """People with subscriptions, all unsubscribed, the last one before ``cutoff``, who
    have not asked for a list again since (a request waits its own retention)."""
    still = sa.exists().where(
        Subscription.subscriber_id == Subscriber.id,
        sa.or_(Subscription.status != "unsubscribed", Subscription.unsubscribed_at >= cutoff),
    )
    left = sa.exists().where(Subscription.subscriber_id == Subscriber.id)
    asked = sa.exists().where(PendingRequest.subscriber_id == Subscriber.id)
    return list(session.scalars(sa.select(Subscriber).where(left, ~still, ~asked)))
