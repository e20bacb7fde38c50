"""A crafted history whose figures are known: seven people on the Lettre (and one on the
Réaap), three Lettre editions in 2026 with their ledgers, bounces and unsubscribes, two
sources. The expected figures are worked out by hand in tests/test_statistics.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsletter.app import App
from newsletter.content.models import Item, ItemSource
from newsletter.dispatch.ledger import Delivery
from newsletter.editions.models import Edition, EditionItem
from newsletter.editions.snapshots import encode
from newsletter.rendering.context import EditionView
from newsletter.sources.models import Source
from subscribers.addresses import parse_address
from subscribers.details import Details
from subscribers.models import BounceEvent, Subscriber

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def at(month: int, day: int, hour: int = 9, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# key → (details, {list: (status, created, confirmed, unsubscribed)}, person's status)
PEOPLE = {
    "a": (Details(profile="elu", commune="Bobigny", department="93",
                  themes=("education", "habitat")),
          {"lettre": ("active", at(11, 10, year=2025), at(11, 10, year=2025), None),
           "reaap": ("unsubscribed", at(1, 5), at(1, 5), at(5, 6))}, "active"),
    "b": (Details(profile="professionnel", commune="Aubervilliers", department="93",
                  format="text", themes=("education",)),
          {"lettre": ("active", at(1, 5), at(1, 5), None)}, "active"),
    "c": (Details(profile="etat", commune="Paris", department="75"),
          {"lettre": ("unsubscribed", at(1, 20), at(1, 20), at(3, 3))}, "active"),
    "d": (Details(profile="partenaire", commune="Créteil", department="94"),
          {"lettre": ("active", at(2, 10), at(2, 10), None)}, "bounced"),
    "e": (Details(profile="elu", commune="Bobigny", department="93"),
          {"lettre": ("pending", at(2, 1), None, None)}, "active"),
    "f": (Details(profile="adherent", commune="Montreuil", department="93"),
          {"lettre": ("active", at(2, 25), at(3, 2), None)}, "active"),
    "g": (Details(profile="professionnel"),
          {"lettre": ("active", at(4, 1), at(4, 1), None)}, "active"),
}  # fmt: skip
# kind → (person, received)
BOUNCES = [("hard", "d", at(3, 2)), ("soft", "g", at(5, 4, 12))]
# number → (sent at, {person: (status, format, attempts, minutes after the start)})
EDITIONS = {
    1: (at(1, 12), {"a": ("sent", "html", 0, 0), "b": ("sent", "text", 1, 10)}),
    2: (at(3, 1), {"a": ("sent", "html", 0, 0), "b": ("sent", "text", 0, 5),
                   "c": ("sent", "html", 0, 30), "d": ("failed", "html", 1, -1)}),
    3: (at(5, 4, 10), {"a": ("sent", "html", 0, 0), "b": ("sent", "text", 0, 1),
                       "f": ("sent", "html", 2, 62), "g": ("sent", "html", 0, 2)}),
}  # fmt: skip
# source → (name, failure streak, [(first seen, carried by edition number or None)])
SOURCES = {
    "reaap93": ("Réaap 93", 0, [(at(1, 3), 2), (at(1, 3), None), (at(3, 4), 3)]),
    "cs": ("Centre social", 3, [(at(3, 10), 2)]),
}  # fmt: skip


def email(key: str) -> str:
    return f"{key}@exemple.fr"


def craft(app: App, view: EditionView | None = None) -> dict[int, int]:
    """Write the history; the editions' ids by number. ``view``: every edition's snapshot."""
    ids: dict[str, int] = {}
    with app.database.session() as session:
        store = app.subscriber_store(session)
        for key, (details, lists, status) in PEOPLE.items():
            person = store.create(parse_address(email(key)), details, at(1, 1, year=2025))
            for list_key, (state, created, confirmed, left) in lists.items():
                subscription = store.set_subscription(person, list_key, state, "test", created)
                subscription.created_at, subscription.confirmed_at = created, confirmed
                subscription.unsubscribed_at = left
            person.status = status
            ids[key] = person.id
        for kind, key, received in BOUNCES:
            session.add(
                BounceEvent(
                    subscriber_id=ids[key],
                    kind=kind,
                    received_at=received,
                    message_id=f"<{kind}{key}@exemple.fr>",
                )
            )
        editions: dict[int, int] = {}
        for number, (start, rows) in EDITIONS.items():
            edition = Edition(
                newsletter="lettre",
                number=number,
                state="sent",
                send_at=start,
                next_send_at=start + timedelta(days=60),
                sent_at=start,
                period=f"période {number}",
                subject=f"Lettre n° {number}",
                snapshot={"view": encode(view), "state": {}} if view else None,
            )
            session.add(edition)
            session.flush()
            editions[number] = edition.id
            for key, (status, format_, attempts, minutes) in rows.items():
                sent_at = start + timedelta(minutes=minutes) if status == "sent" else None
                session.add(
                    Delivery(
                        edition_id=edition.id,
                        subscriber_id=ids[key],
                        status=status,
                        format=format_,
                        attempts=attempts,
                        sent_at=sent_at,
                    )
                )
        for key, (name, streak, items) in SOURCES.items():
            source = Source(
                key=key,
                name=name,
                url=f"https://{key}.exemple.fr/flux",
                failure_streak=streak,
                last_error="délai dépassé" if streak else "",
            )
            session.add(source)
            session.flush()
            for index, (seen, carried) in enumerate(items):
                item = Item(
                    kind="actualite",
                    title=f"{name} {index}",
                    dedup_key=f"{key}{index}",
                    published_at=seen,
                    content_hash="x",
                    first_seen_at=seen,
                )
                item.sources = [
                    ItemSource(source_id=source.id, guid=f"{key}-{index}", first_seen_at=seen)
                ]
                session.add(item)
                session.flush()
                if carried is not None:
                    session.add(
                        EditionItem(
                            edition_id=editions[carried],
                            item_id=item.id,
                            section="actualites",
                            position=index,
                            item_revision=1,
                        )
                    )
    return editions


def person_id(app: App, key: str) -> int:
    with app.database.session() as session:
        found = session.query(Subscriber.id).filter(Subscriber.email_key == email(key)).scalar()
        assert found is not None
        return int(found)
