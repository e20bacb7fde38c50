"""A subscriber's own choices, from the preferences page their emails link to: lists,
themes, format, and what they tell about themselves (name, organisation, function, profile,
commune).

The link's signed token proves the person owns the address, so ticking a list there
subscribes at once (a fresh consent is recorded, and the suppression entry for that list
is lifted); unticking one unsubscribes from it like the unsubscribe link does. The
re-subscription an unsubscribe page offers (``rejoin``) goes the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from subscribers.consent import Consent, record_consents
from subscribers.models import Subscriber
from subscribers.store import SubscriberStore
from subscribers.suppression import lift

PAGE_SOURCE = "page de préférences"
UNDO_SOURCE = "annulation d'un désabonnement"


@dataclass(frozen=True)
class About:
    """What the person tells about themselves."""

    first_name: str = ""
    last_name: str = ""
    organisation: str = ""
    function: str = ""
    profile: str = "autre"
    commune: str = ""


@dataclass(frozen=True)
class Choices:
    lists: frozenset[str]
    themes: tuple[str, ...]
    format: str
    about: About | None = None  # None: left as it is


def current(store: SubscriberStore, subscriber: Subscriber) -> Choices:
    """What the person receives now (pending lists count as not chosen yet)."""
    active = frozenset(s.list_key for s in subscriber.subscriptions if s.status == "active")
    about = About(**{name: getattr(subscriber, name) for name in About.__dataclass_fields__})
    return Choices(active, tuple(subscriber.themes), subscriber.format, about)


def apply(
    store: SubscriberStore,
    subscriber: Subscriber,
    choices: Choices,
    themes: Collection[str],
    wording: str,
    now: datetime,
) -> Choices:
    """Store the person's choices; unknown lists, themes, profiles or formats are refused."""
    wanted = sorted(store.check_list(key) for key in choices.lists)
    told = asdict(choices.about) if choices.about else {}
    details = replace(store.details(subscriber), themes=choices.themes, format=choices.format,
                      **told)  # fmt: skip
    store.update(subscriber, details.checked(themes), now)
    before = current(store, subscriber).lists
    for key in sorted(before - set(wanted)):
        store.unsubscribe(subscriber, key, now)
    _join(store, subscriber, [key for key in wanted if key not in before], wording,
          PAGE_SOURCE, now)  # fmt: skip
    return current(store, subscriber)


def rejoin(
    store: SubscriberStore, subscriber: Subscriber, lists: Sequence[str], wording: str,
    now: datetime,
) -> list[str]:  # fmt: skip
    """Undo an unsubscription from its own page: these lists (those left) active again."""
    left = [s.list_key for s in subscriber.subscriptions
            if s.status == "unsubscribed" and s.list_key in lists]  # fmt: skip
    _join(store, subscriber, left, wording, UNDO_SOURCE, now)
    return left


def _join(
    store: SubscriberStore, subscriber: Subscriber, lists: list[str], wording: str, source: str,
    now: datetime,
) -> None:  # fmt: skip
    for key in lists:
        store.set_subscription(subscriber, key, "active", source, now)
    if lists:
        consent = Consent("form", wording, source)
        record_consents(store.session, consent, [(subscriber.id, key) for key in lists], now)
        lift(store.session, subscriber.email_hash, lists)
