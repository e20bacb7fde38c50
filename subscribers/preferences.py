"""A subscriber's own choices, from the preferences page their emails link to: lists,
themes and format.

The link's signed token proves the person owns the address, so ticking a list there
subscribes at once (a fresh consent is recorded, and the suppression entry for that list
is lifted); unticking one unsubscribes from it like the unsubscribe link does.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime

from subscribers.consent import Consent, record_consents
from subscribers.models import Subscriber
from subscribers.store import SubscriberStore
from subscribers.suppression import lift

PAGE_SOURCE = "page de préférences"


@dataclass(frozen=True)
class Choices:
    lists: frozenset[str]
    themes: tuple[str, ...]
    format: str


def current(store: SubscriberStore, subscriber: Subscriber) -> Choices:
    """What the person receives now (pending lists count as not chosen yet)."""
    active = frozenset(s.list_key for s in subscriber.subscriptions if s.status == "active")
    return Choices(active, tuple(subscriber.themes), subscriber.format)


def apply(
    store: SubscriberStore,
    subscriber: Subscriber,
    choices: Choices,
    themes: Collection[str],
    wording: str,
    now: datetime,
) -> Choices:
    """Store the person's choices; unknown lists, themes or formats are refused."""
    wanted = sorted(store.check_list(key) for key in choices.lists)
    details = replace(store.details(subscriber), themes=choices.themes, format=choices.format)
    store.update(subscriber, details.checked(themes), now)
    before = current(store, subscriber).lists
    for key in sorted(before - set(wanted)):
        store.unsubscribe(subscriber, key, now)
    joined = [key for key in wanted if key not in before]
    for key in joined:
        store.set_subscription(subscriber, key, "active", PAGE_SOURCE, now)
    if joined:
        consent = Consent("form", wording, PAGE_SOURCE)
        record_consents(store.session, consent, [(subscriber.id, key) for key in joined], now)
        lift(store.session, subscriber.email_hash, joined)
    return current(store, subscriber)
