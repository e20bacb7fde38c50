"""Subscriber queries: find, create, update details, subscribe, unsubscribe, change status."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.db import upsert, utcnow
from newsletter.errors import InputError, NotFoundError
from newsletter.settings import MailingList
from subscribers.addresses import Address, address_key, parse_address
from subscribers.consent import Consent, record_consents
from subscribers.details import Details
from subscribers.models import (
    ALL_LISTS,
    PendingRequest,
    Subscriber,
    SubscriberTheme,
    Subscription,
)
from subscribers.profiles import STATUSES, SUBSCRIPTION_STATUSES
from subscribers.suppression import email_hash, is_suppressed, lift_reasons, suppress

DETAIL_COLUMNS = [name for name in Details.__dataclass_fields__ if name != "themes"]


class SubscriberStore:
    def __init__(self, session: Session, pepper: bytes, lists: Mapping[str, MailingList]) -> None:
        self.session = session
        self.pepper = pepper
        self.lists = lists

    def hash(self, key: str) -> str:
        return email_hash(key, self.pepper)

    # -- finding --------------------------------------------------------------------------

    def find(self, email: str) -> Subscriber | None:
        key = address_key(email)
        return self.session.scalar(sa.select(Subscriber).where(Subscriber.email_key == key))

    def get(self, email: str) -> Subscriber:
        subscriber = self.find(email)
        if subscriber is None:
            raise NotFoundError(
                f"aucun abonné à l'adresse {email.strip()}", "vérifiez l'orthographe"
            )
        return subscriber

    @staticmethod
    def details(subscriber: Subscriber) -> Details:
        return Details(
            **{name: getattr(subscriber, name) for name in DETAIL_COLUMNS},
            themes=tuple(subscriber.themes),
        )

    def check_list(self, list_key: str) -> str:
        if list_key not in self.lists:
            raise InputError(f"liste inconnue « {list_key} »", f"listes : {', '.join(self.lists)}")
        return list_key

    def list_label(self, list_key: str) -> str:
        """The list as people know it (« Lettre du réseau Clas »), never its key."""
        return self.lists[self.check_list(list_key)].label

    # -- writing --------------------------------------------------------------------------

    def create(self, address: Address, details: Details, now: datetime) -> Subscriber:
        subscriber = Subscriber(
            email=address.email, email_key=address.key, email_hash=self.hash(address.key),
            created_at=now, updated_at=now, **details.columns(),
        )  # fmt: skip
        subscriber.theme_rows = [SubscriberTheme(theme=theme) for theme in details.themes]
        self.session.add(subscriber)
        self.session.flush()
        return subscriber

    def update(self, subscriber: Subscriber, details: Details, now: datetime) -> None:
        for name, value in details.columns().items():
            setattr(subscriber, name, value)
        if set(subscriber.themes) != set(details.themes):
            subscriber.theme_rows = [SubscriberTheme(theme=theme) for theme in details.themes]
        subscriber.updated_at = now
        self.session.flush()

    def subscription(self, subscriber: Subscriber, list_key: str) -> Subscription | None:
        return next((s for s in subscriber.subscriptions if s.list_key == list_key), None)

    def set_subscription(
        self, subscriber: Subscriber, list_key: str, status: str, source: str, now: datetime
    ) -> Subscription:
        """Create or change one list subscription (timestamps follow the status)."""
        if status not in SUBSCRIPTION_STATUSES:
            raise ValueError(f"unknown subscription status {status!r}")
        subscription = self.subscription(subscriber, self.check_list(list_key))
        if subscription is None:
            subscription = Subscription(list_key=list_key, created_at=now, status=status)
            subscriber.subscriptions.append(subscription)
        subscription.status = status
        subscription.source = source[:300] or subscription.source
        if status == "active":
            subscription.confirmed_at, subscription.unsubscribed_at = now, None
        elif status == "unsubscribed":
            subscription.unsubscribed_at = now
        self.session.flush()
        return subscription

    def admin_add(
        self, email: str, details: Details, list_keys: Iterable[str], consent: Consent
    ) -> Subscriber:
        """An editor adds someone (consent given by phone, letter…): active at once."""
        address = parse_address(email)
        lists = [self.check_list(key) for key in list_keys]
        self.refuse_barred(address, lists)
        now = utcnow()
        subscriber = self.find(address.key)
        if subscriber is None:
            subscriber = self.create(address, details, now)
        else:  # what the editor typed wins; what they left blank is kept
            self.update(subscriber, details.filling(self.details(subscriber)), now)
        for key in lists:
            self.set_subscription(subscriber, key, "active", consent.source or "admin", now)
        record_consents(self.session, consent, [(subscriber.id, key) for key in lists], now)
        return subscriber

    def refuse_barred(self, address: Address, lists: Iterable[str]) -> None:
        """An editor may neither subscribe nor invite an address that left these lists (or
        all), bounced, complained or was erased: only the person can come back."""
        barred = [key for key in lists if is_suppressed(self.session, self.hash(address.key), key)]
        if barred:
            raise InputError(
                f"{address.email} est sur la liste d'exclusion ({', '.join(barred)})",
                "la personne doit se réinscrire elle-même par le formulaire",
            )

    def unsubscribe(self, subscriber: Subscriber, list_key: str | None, now: datetime) -> list[str]:
        """Leave one list (or all); the address hash keeps a re-import from bringing it back."""
        keys = [self.check_list(list_key)] if list_key else list(self.lists)
        left = []
        for key in keys:
            subscription = self.subscription(subscriber, key)
            if subscription is not None and subscription.status != "unsubscribed":
                self.set_subscription(subscriber, key, "unsubscribed", "", now)
                left.append(key)
            if list_key:
                suppress(self.session, subscriber.email_hash, "unsubscribed", key)
        if not list_key:
            suppress(self.session, subscriber.email_hash, "unsubscribed", ALL_LISTS)
        return left

    def leave(
        self, subscriber: Subscriber, lists: Sequence[str], now: datetime
    ) -> tuple[list[str], list[str]]:
        """An unsubscribe request naming lists (a link, a mailto subject): the known ones are
        left; naming none, or none that is known, leaves every list. Returns the lists named
        that were known (empty: all) and the subscriptions actually ended."""
        known = [key for key in lists if key in self.lists]
        left: list[str] = []
        targets: list[str | None] = [*known] or [None]
        for key in targets:
            left += self.unsubscribe(subscriber, key, now)
        return known, left

    def set_status(self, subscriber: Subscriber, status: str, now: datetime) -> None:
        """Bounced or complained: the address is suppressed for every list at once."""
        if status not in STATUSES:
            raise ValueError(f"unknown subscriber status {status!r}")
        subscriber.status = status
        subscriber.updated_at = now
        if status in ("bounced", "complained"):
            reason = "complaint" if status == "complained" else "bounced"
            suppress(self.session, subscriber.email_hash, reason, ALL_LISTS)
        self.session.flush()

    def reactivate(self, subscriber: Subscriber, now: datetime) -> None:
        """An editor vouches for an address that bounced, complained or was blocked: active
        again, its bounce score reset, its bounce or complaint suppression lifted (what the
        person asked — an unsubscription, an erasure — stays)."""
        if subscriber.status == "active":
            raise InputError("cette adresse est déjà active", "rien à réactiver")
        subscriber.status = "active"
        subscriber.bounce_score, subscriber.bounce_scored_at = 0.0, now
        subscriber.updated_at = now
        lift_reasons(self.session, subscriber.email_hash, ("bounced", "complaint"))
        self.session.flush()

    # -- asked again after leaving ---------------------------------------------------------

    def request_again(
        self, subscriber: Subscriber, list_key: str, source: str, now: datetime
    ) -> None:
        """A list left before and asked for again: a pending request of its own (the first
        one stands: asking again extends nothing)."""
        table = PendingRequest.__table__
        statement = upsert(self.session, table).values(
            subscriber_id=subscriber.id, list_key=self.check_list(list_key),
            source=source[:300], created_at=now,
        )  # fmt: skip
        self.session.execute(statement.on_conflict_do_nothing())

    def take_request(self, subscriber: Subscriber, list_key: str) -> str | None:
        """The source of the person's pending request for the list, which is removed (the
        confirmation turns it into a subscription); None when there is none."""
        removed = self.session.execute(
            sa.delete(PendingRequest)
            .where(PendingRequest.subscriber_id == subscriber.id)
            .where(PendingRequest.list_key == list_key)
            .returning(PendingRequest.source)
        )
        return removed.scalar_one_or_none()

    def requested(self, subscriber: Subscriber) -> list[str]:
        """The lists the person asked for again and has not confirmed yet."""
        query = sa.select(PendingRequest.list_key).where(
            PendingRequest.subscriber_id == subscriber.id
        )
        return sorted(self.session.scalars(query))
