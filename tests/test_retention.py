"""Retention and RGPD: purge of unconfirmed and long-gone people, access, erasure."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from newsletter.app import App
from subscribers.addresses import parse_address
from subscribers.consent import Consent, record_consents
from subscribers.details import Details
from subscribers.models import ConfirmationRequest, Subscriber, SuppressionEntry
from subscribers.retention import purge
from subscribers.rgpd import access, erase
from subscribers.suppression import is_suppressed

NOW = datetime(2026, 11, 21, 3, 0, tzinfo=UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def add(
    app: App, session: sa.orm.Session, email: str, lists: dict[str, tuple[str, float]]
) -> Subscriber:
    """A person whose subscriptions have a status and an age in days."""
    store = app.subscriber_store(session)
    oldest = max(age for _, age in lists.values())
    subscriber = store.create(
        parse_address(email), Details(profile="professionnel"), days_ago(oldest)
    )
    for key, (status, age) in lists.items():
        store.set_subscription(subscriber, key, status, "formulaire du site", days_ago(age))
        if status != "pending":
            consent = Consent("form", "2026-01", "formulaire du site")
            record_consents(session, consent, [(subscriber.id, key)], days_ago(age))
    return subscriber


def test_purge_applies_the_retention_rules(app: App) -> None:
    """Unconfirmed after 30 days: gone; unsubscribed from everything for a year: reduced to
    the suppression hash; everyone else kept."""
    with app.database.session() as session:
        add(app, session, "jamais.confirme@cs-bondy.fr", {"lettre": ("pending", 31)})
        add(app, session, "recent@cs-bondy.fr", {"lettre": ("pending", 29)})
        add(
            app,
            session,
            "double@cs-bondy.fr",
            {"lettre": ("active", 200), "reaap": ("pending", 40)},
        )
        add(app, session, "parti.depuis.longtemps@cs-bondy.fr", {"lettre": ("unsubscribed", 400)})
        add(app, session, "parti.recemment@cs-bondy.fr", {"lettre": ("unsubscribed", 100)})
        add(app, session, "encore.abonne@cs-bondy.fr",
            {"lettre": ("unsubscribed", 400), "clas": ("active", 500)})  # fmt: skip
        session.add_all([
            ConfirmationRequest(email_hash="a" * 64, sent_at=days_ago(3)),
            ConfirmationRequest(email_hash="a" * 64, sent_at=days_ago(0.5)),
        ])  # fmt: skip
    with app.database.session() as session:
        counts = purge(session, NOW, app.settings.subscribers)
    assert (counts.pending_subscriptions, counts.unconfirmed_people) == (2, 1)
    assert (counts.unsubscribed_people, counts.confirmation_records) == (1, 1)
    with app.database.session() as session:
        store = app.subscriber_store(session)
        left = sorted(session.scalars(sa.select(Subscriber.email_key)))
        assert left == [
            "double@cs-bondy.fr", "encore.abonne@cs-bondy.fr", "parti.recemment@cs-bondy.fr",
            "recent@cs-bondy.fr",
        ]  # fmt: skip
        assert [s.list_key for s in store.get("double@cs-bondy.fr").subscriptions] == ["lettre"]
        gone = store.hash("parti.depuis.longtemps@cs-bondy.fr")
        assert is_suppressed(session, gone, "lettre")
    with app.database.session() as session:
        assert purge(session, NOW, app.settings.subscribers).pending_subscriptions == 0


def test_access_gives_everything_as_json(app: App) -> None:
    """The access export holds details, subscriptions, consents, bounces and exclusions."""
    with app.database.session() as session:
        marie = add(app, session, "Marie.Dupont@ville-bobigny.fr",
                    {"lettre": ("active", 10), "reaap": ("unsubscribed", 5)})  # fmt: skip
        app.subscriber_store(session).unsubscribe(marie, "reaap", days_ago(5))
        data = access(session, marie)
    parsed = json.loads(json.dumps(data))
    assert parsed["adresse"] == "Marie.Dupont@ville-bobigny.fr"
    assert [(s["liste"], s["statut"]) for s in parsed["abonnements"]] == [
        ("lettre", "active"), ("reaap", "unsubscribed"),
    ]  # fmt: skip
    assert [c["liste"] for c in parsed["consentements"]] == ["lettre", "reaap"]
    assert parsed["liste_exclusion"][0]["liste"] == "reaap"


def test_erasure_keeps_only_the_hash(app: App) -> None:
    """Erasure deletes the person and everything linked; only the hash stays, for all lists."""
    with app.database.session() as session:
        marie = add(app, session, "marie.dupont@ville-bobigny.fr", {"lettre": ("active", 10)})
        digest = marie.email_hash
        erase(session, marie)
    with app.database.session() as session:
        assert session.scalar(sa.select(sa.func.count(Subscriber.id))) == 0
        entries = session.execute(sa.select(SuppressionEntry.hash, SuppressionEntry.list_key)).all()
        assert [tuple(entry) for entry in entries] == [(digest, "*")]
        assert is_suppressed(session, digest, "clas")
