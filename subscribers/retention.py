"""Retention: unconfirmed subscriptions and long-gone people are purged (the scheduler calls
``purge`` daily). Who unsubscribed is reduced to the suppression hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.db import changed_rows
from newsletter.settings import SubscriberSettings
from subscribers.models import ConfirmationRequest, ConsentRecord, Subscriber, Subscription
from subscribers.suppression import suppress

# Confirmation emails are counted over 24 hours; older records serve nothing.
CONFIRMATIONS_KEPT = timedelta(days=2)


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
            f"{self.confirmation_records} trace(s) d'envoi de confirmation supprimée(s)"
        )


def purge(session: Session, now: datetime, settings: SubscriberSettings) -> PurgeCounts:
    pending_cutoff = now - timedelta(days=settings.pending_days)
    pending = changed_rows(
        session.execute(
            sa.delete(Subscription).where(
                Subscription.status == "pending", Subscription.created_at < pending_cutoff
            )
        )
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
        session.execute(
            sa.delete(ConfirmationRequest).where(
                ConfirmationRequest.sent_at < now - CONFIRMATIONS_KEPT
            )
        )
    )
    session.flush()
    return PurgeCounts(pending, unconfirmed, len(gone), confirmations)


def _long_unsubscribed(session: Session, cutoff: datetime) -> list[Subscriber]:
    """People with subscriptions, all unsubscribed, the last one before ``cutoff``."""
    still = sa.exists().where(
        Subscription.subscriber_id == Subscriber.id,
        sa.or_(Subscription.status != "unsubscribed", Subscription.unsubscribed_at >= cutoff),
    )
    left = sa.exists().where(Subscription.subscriber_id == Subscriber.id)
    return list(session.scalars(sa.select(Subscriber).where(left, ~still)))
