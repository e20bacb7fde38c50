"""Retention and RGPD: purge of unconfirmed and long-gone people, access, erasure."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from newsletter.app import App
from subscribers.addresses import parse_address
from subscribers.consent import Consent, record_consents
from subscribers.details import Details
from subscribers.models import MailQuota, Subscriber, SuppressionEntry
from subscribers.optin import Request
from subscribers.retention import purge
from subscribers.rgpd import Labels, access, erase
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
            MailQuota(key="boite:a", window_start=days_ago(3), count=2),
            MailQuota(key="boite:a", window_start=days_ago(0.5), count=1),
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
        data = access(session, marie, Labels.of(app.settings))
    parsed = json.loads(json.dumps(data))
    assert parsed["adresse"] == "Marie.Dupont@ville-bobigny.fr"
    assert [(s["lettre"], s["statut"]) for s in parsed["abonnements"]] == [
        ("La Lettre de Profession Banlieue", "abonné"), ("Lettre du Réaap", "désabonné"),
    ]  # fmt: skip
    assert [c["liste"] for c in parsed["consentements"]] == ["lettre", "reaap"]
    assert parsed["consentements"][0]["comment"] == "formulaire (double confirmation)"
    assert parsed["liste_exclusion"][0]["motif"] == "désabonnement"
    assert parsed["profil"] == "Professionnel·le"
    # Dates in the organisation's zone (Paris: UTC+1 in November), never UTC.
    assert parsed["abonnements"][1]["desabonne_le"] == "2026-11-16T04:00:00+01:00"


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


def test_asking_again_after_leaving_neither_revives_nor_keeps_the_old_data(app: App) -> None:
    """Anyone submitting the form with the address of someone unsubscribed for a year gets
    a separate pending request: the old subscription stays unsubscribed with its date, the
    person is untouched, and once the request has waited its own retention the purge
    reduces the person to the hash as if nothing had been asked."""
    with app.database.session() as session:
        add(app, session, "partie@cs-bondy.fr", {"lettre": ("unsubscribed", 400)})
    with app.database.session() as session:
        optin = app.optin(session, mailer=_NoMail())
        optin.request(Request("partie@cs-bondy.fr", ["lettre"], Details(last_name="Intrus")),
                      days_ago(2))  # fmt: skip
    with app.database.session() as session:
        store = app.subscriber_store(session)
        person = store.get("partie@cs-bondy.fr")
        assert [(s.status, s.unsubscribed_at) for s in person.subscriptions] == [
            ("unsubscribed", days_ago(400))]  # fmt: skip
        assert person.last_name == "" and store.requested(person) == ["lettre"]
        counts = purge(session, NOW, app.settings.subscribers)
        assert counts.unsubscribed_people == 0  # the request waits its own retention
    later = NOW + timedelta(days=app.settings.subscribers.pending_days)
    with app.database.session() as session:
        counts = purge(session, later, app.settings.subscribers)
        assert (counts.pending_subscriptions, counts.unsubscribed_people) == (1, 1)
        store = app.subscriber_store(session)
        assert store.find("partie@cs-bondy.fr") is None
        assert is_suppressed(session, store.hash("partie@cs-bondy.fr"), "lettre")


def test_confirming_a_request_after_leaving_subscribes_again(app: App) -> None:
    """The same request, confirmed by its link, turns into an active subscription with a
    fresh consent, and the request is gone."""
    with app.database.session() as session:
        add(app, session, "revient@cs-bondy.fr", {"lettre": ("unsubscribed", 400)})
    mailer = _NoMail()
    with app.database.session() as session:
        app.optin(session, mailer=mailer).request(Request("revient@cs-bondy.fr", ["lettre"]),
                                                  days_ago(1))  # fmt: skip
        person = app.subscriber_store(session).get("revient@cs-bondy.fr")
        token = app.tokens().issue("confirm", person, ["lettre"], now=days_ago(1))
        assert app.optin(session).confirm(token, "", NOW) == ["lettre"]
        assert [s.status for s in person.subscriptions] == ["active"]
        assert app.subscriber_store(session).requested(person) == []
    assert len(mailer.sent) == 1


class _NoMail:
    def __init__(self) -> None:
        self.sent: list[object] = []

    def send(self, message: object) -> None:
        self.sent.append(message)


def test_access_dates_are_in_the_organisations_zone(app: App, make_settings: Any) -> None:
    """The export's dates are in organisation.timezone, whatever the feeds' zone is."""
    feeds = {**app.settings.fetch.model_dump(), "timezone": "America/Cayenne"}
    labels = Labels.of(make_settings(fetch=feeds))
    assert labels.when(datetime(2026, 11, 21, 12, tzinfo=UTC)) == "2026-11-21T13:00:00+01:00"
