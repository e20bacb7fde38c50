"""The audience and segments: who receives a newsletter, decided in SQL and nowhere else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from newsletter.app import App
from newsletter.errors import ConfigError, InputError
from newsletter.settings import SegmentRule
from subscribers.addresses import parse_address
from subscribers.audience import audience, count_audience
from subscribers.details import Details
from subscribers.models import Subscription
from subscribers.suppression import suppress

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
ELU_93 = Details(profile="elu", department="93")
# address → (details, {list: subscription status}, global status)
POPULATION: dict[str, tuple[Details, dict[str, str], str]] = {
    "marie.dupont@ville-bobigny.fr": (
        Details("Mme", "Marie", "Dupont", "Ville de Bobigny", "Maire adjointe", "elu",
                "Bobigny", "93", "html", ("education", "habitat")),
        {"lettre": "active", "reaap": "active"}, "active"),
    "karim.benali@cs-aubervilliers.fr": (
        Details("M.", "Karim", "Benali", "Centre social", "Directeur", "professionnel",
                "Aubervilliers", "93", "text", ("education",)),
        {"lettre": "active"}, "active"),
    "fatoumata.traore@ville-epinay.fr": (
        Details(first_name="Fatoumata", last_name="Traoré", profile="elu",
                commune="Épinay-sur-Seine", department="93"),
        {"lettre": "active", "clas": "active"}, "active"),
    "sophie.martin@seine-saint-denis.gouv.fr": (
        Details(first_name="Sophie", profile="etat", commune="Bobigny", department="93",
                themes=("gouvernance",)),
        {"lettre": "active"}, "active"),
    "paul.moreau@creteil.fr": (
        Details(profile="elu", commune="Créteil", department="94"),
        {"lettre": "active"}, "active"),
    "en.attente@cs-pantin.fr": (ELU_93, {"lettre": "pending"}, "active"),
    "parti@cs-bondy.fr": (ELU_93, {"lettre": "unsubscribed"}, "active"),
    "rebond@mq-stains.fr": (ELU_93, {"lettre": "active"}, "bounced"),
    "plainte@orange.fr": (ELU_93, {"lettre": "active"}, "complained"),
    "bloque@laposte.net": (ELU_93, {"lettre": "active"}, "blocked"),
    "exclu@ville-sevran.fr": (ELU_93, {"lettre": "active"}, "active"),
    "reseau@cs-montreuil.fr": (Details(profile="partenaire"), {"reaap": "active"}, "active"),
}  # fmt: skip
RECEIVE_LETTRE = [
    "marie.dupont@ville-bobigny.fr", "karim.benali@cs-aubervilliers.fr",
    "fatoumata.traore@ville-epinay.fr", "sophie.martin@seine-saint-denis.gouv.fr",
    "paul.moreau@creteil.fr",
]  # fmt: skip


@pytest.fixture
def population(app: App) -> None:
    with app.database.session() as session:
        store = app.subscriber_store(session)
        for email, (details, lists, status) in POPULATION.items():
            subscriber = store.create(parse_address(email), details, NOW)
            for key, state in lists.items():
                store.set_subscription(subscriber, key, state, "test", NOW)
            subscriber.status = status
            if email.startswith("exclu@"):  # suppressed without any other trace
                suppress(session, subscriber.email_hash, "unsubscribed", "lettre")


def emails(app: App, list_key: str | None, segment: SegmentRule | None = None) -> list[str]:
    with app.database.session() as session:
        found = [recipient.email for recipient in audience(session, list_key, segment)]
        assert count_audience(session, list_key, segment) == len(found)
        return found


def test_audience_excludes_everyone_who_must_not_receive(app: App, population: None) -> None:
    """Never pending, unsubscribed, bounced, complained, blocked or suppressed people."""
    assert emails(app, "lettre") == RECEIVE_LETTRE
    assert emails(app, "reaap") == ["marie.dupont@ville-bobigny.fr", "reseau@cs-montreuil.fr"]
    assert len(emails(app, None)) == 6


def test_recipients_carry_name_format_and_themes(app: App, population: None) -> None:
    """Each recipient comes with what rendering needs: name, format, themes."""
    with app.database.session() as session:
        karim = next(r for r in audience(session, "lettre") if r.email.startswith("karim"))
    assert (karim.name, karim.format, karim.themes) == ("Karim Benali", "text", ("education",))


def test_counting_is_one_sql_statement(app: App, population: None) -> None:
    """The audience is computed by the database: counting runs exactly one statement."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(app.database.engine, "before_cursor_execute", record)
    try:
        with app.database.session() as session:
            rule = SegmentRule(themes=("education",), none_of=(SegmentRule(profiles=("elu",)),))
            assert count_audience(session, "lettre", rule) == 1
    finally:
        event.remove(app.database.engine, "before_cursor_execute", record)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (SegmentRule(profiles=("elu",), departments=("93",)), [0, 2]),
        (SegmentRule(profiles=("elu", "etat")), [0, 2, 3, 4]),
        (SegmentRule(communes=("epinay sur seine", "BOBIGNY")), [0, 2, 3]),
        (SegmentRule(themes=("habitat", "gouvernance")), [0, 3]),
        (SegmentRule(lists=("clas",)), [2]),
        (SegmentRule(any_of=(SegmentRule(profiles=("etat",)), SegmentRule(departments=("94",)))),
         [3, 4]),
        (SegmentRule(departments=("93",), none_of=(SegmentRule(profiles=("elu",)),)), [1, 3]),
        (SegmentRule(all_of=(SegmentRule(themes=("education",)), SegmentRule(profiles=("elu",)))),
         [0]),
        (SegmentRule(), [0, 1, 2, 3, 4]),
    ],
)  # fmt: skip
def test_segment_filters(
    app: App, population: None, rule: SegmentRule, expected: list[int]
) -> None:
    """Profiles, territory (communes ignoring accents and case, departments), themes, lists,
    combined with and / or / not."""
    assert emails(app, "lettre", rule) == [RECEIVE_LETTRE[index] for index in expected]


def test_config_segments_and_saved_segments(app: App, population: None) -> None:
    """Segments come from config.toml or are saved in the database with the same keys."""
    with app.database.session() as session:
        segments = app.segments(session)
        assert count_audience(session, "lettre", segments.get("elus-93")) == 2
        assert count_audience(session, "lettre", segments.get("education-hors-elus")) == 1
        segments.save("bobigny", "Bobigny", {"communes": ["Bobigny"], "lists": ["reaap"]})
    with app.database.session() as session:
        saved = app.segments(session).get("bobigny")
        assert (saved.label, saved.communes, saved.lists) == ("Bobigny", ("Bobigny",), ("reaap",))
        assert count_audience(session, "lettre", saved) == 1
        with pytest.raises(InputError, match=r"thème inconnu 'sport'"):
            app.segments(session).save("x", "", {"themes": ["sport"]})
        with pytest.raises(InputError, match=r"déclaré dans config\.toml"):
            app.segments(session).save("elus-93", "", {})
        with pytest.raises(InputError, match="segment invalide"):
            app.segments(session).save("y", "", {"profils": ["elu"]})


def test_config_segment_with_unknown_keys_is_refused(make_settings: Any) -> None:
    """A [segments.NAME] naming an unknown list, profile or theme stops the program."""
    with pytest.raises(ConfigError, match=r"segment 'x' : liste inconnue 'sport'"):
        make_settings(segments={"x": {"lists": ["sport"]}})
    with pytest.raises(ConfigError, match=r"segments\.x\.none_of"):
        make_settings(segments={"x": {"none_of": {"profiles": ["elu"]}}})


def test_one_subscription_per_list(app: App, population: None) -> None:
    """Subscribing again to a list updates the one subscription instead of adding one."""
    with app.database.session() as session:
        store = app.subscriber_store(session)
        marie = store.get("MARIE.DUPONT@ville-bobigny.fr")
        store.set_subscription(marie, "lettre", "active", "again", NOW)
        total = session.scalar(
            sa.select(sa.func.count(Subscription.id)).where(Subscription.subscriber_id == marie.id)
        )
    assert total == 2
