"""Statistics on a crafted history (tests/statistics_history.py), on both databases: the
audience month by month and by profile, territory and theme; each edition's figures; the
sources; the tables every output shares."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import sqlalchemy as sa

from newsletter.accounts.permissions import OPERATOR
from newsletter.app import App
from newsletter.statistics.editions import record
from newsletter.statistics.models import EditionFigures
from subscribers.models import BounceEvent
from tests.polling import wait_until
from tests.statistics_history import NOW, at, craft, person_id

LETTRE_MONTHS = [  # month, active at its end, new, left, bounced out
    ("2026-01", 3, 2, 0, 0),
    ("2026-02", 4, 1, 0, 0),
    ("2026-03", 3, 1, 1, 1),
    ("2026-04", 4, 1, 0, 0),
    ("2026-05", 4, 0, 0, 0),
    ("2026-06", 4, 0, 0, 0),
]


def test_audience_month_by_month(app: App) -> None:
    """Active at each month's end (in all and by profile) is everyone confirmed before it,
    less those who left or were put out by bounces; a pending subscription never counts."""
    craft(app)
    year = app.statistics.year(OPERATOR, "lettre", 2026, NOW)
    found = [(m.month, m.active, m.new, m.left, m.bounced) for m in year.months]
    assert found == LETTRE_MONTHS
    february, march = year.months[1].by_profile, year.months[2].by_profile
    assert february == {"elu": 1, "professionnel": 1, "etat": 1, "partenaire": 1}
    assert march == {"elu": 1, "professionnel": 1, "adherent": 1}


def test_audience_of_a_past_year_ends_in_december(app: App) -> None:
    """A past year has its twelve months, the active count carried from before it."""
    craft(app)
    year = app.statistics.year(OPERATOR, "lettre", 2025, NOW)
    assert [m.month for m in year.months] == [f"2025-{month:02d}" for month in range(1, 13)]
    assert year.months[-1].active == 1 and year.months[10].new == 1


def test_who_is_subscribed_by_profile_territory_and_theme(app: App) -> None:
    """Communes in Seine-Saint-Denis, departments elsewhere; several themes count in each;
    no theme chosen means all of them."""
    craft(app)
    parts = app.statistics.year(OPERATOR, "lettre", 2026, NOW).breakdown
    assert parts.total == 4
    assert parts.by_profile == {"professionnel": 2, "elu": 1, "adherent": 1}
    assert parts.by_territory == {"Bobigny": 1, "Aubervilliers": 1, "Montreuil": 1, "": 1}
    assert parts.by_theme == {"education": 2, "habitat": 1, "": 2}


def test_who_was_subscribed_at_an_earlier_time(app: App) -> None:
    """At the end of February: the one who left in March and the one bounced in March were
    still there; the one confirmed in March was not yet."""
    from subscribers.statistics import breakdown

    craft(app)
    with app.database.session() as session:
        parts = breakdown(session, "lettre", at(2, 28, 23))
    assert parts.by_profile == {"elu": 1, "professionnel": 1, "etat": 1, "partenaire": 1}
    assert parts.by_territory == {"Bobigny": 1, "Aubervilliers": 1, "75": 1, "94": 1}


def test_each_edition_figures(app: App) -> None:
    """Recipients, sent, deferred then sent, failed, formats, duration; bounces, complaints
    and unsubscribes of its recipients within 7 days, by list and profile."""
    craft(app)
    lines = app.statistics.year(OPERATOR, "lettre", 2026, NOW).editions
    found = [(line.number, line.recipients, line.sent, line.deferred_sent, line.failed,
              line.html, line.text, line.hard, line.soft, line.complaints, line.unsubscribes,
              line.duration) for line in lines]  # fmt: skip
    assert found == [
        (1, 2, 2, 1, 0, 1, 1, 0, 0, 0, {}, timedelta(minutes=10)),
        (2, 4, 3, 0, 1, 2, 1, 1, 0, 0, {"lettre": {"etat": 1}}, timedelta(minutes=30)),
        (3, 4, 4, 1, 0, 3, 1, 0, 1, 0, {"reaap": {"elu": 1}}, timedelta(minutes=62)),
    ]
    assert [line.html_share for line in lines] == [50.0, 66.7, 75.0]
    assert all(line.settled for line in lines)


def test_figures_are_stored_and_counted_again_until_settled(app: App) -> None:
    """Read within 7 days of its send, an edition is counted again at each reading (late
    bounces count); once settled, its stored row is what is read."""
    editions = craft(app)
    early = at(5, 5, 10)
    first = app.statistics.year(OPERATOR, "lettre", 2026, early).editions[2]
    assert (first.soft, first.complaints, first.settled) == (1, 0, False)
    with app.database.session() as session:
        session.add(BounceEvent(subscriber_id=person_id(app, "b"), kind="complaint",
                                received_at=at(5, 5, 11), message_id="<plainte@x>"))  # fmt: skip
    again = app.statistics.year(OPERATOR, "lettre", 2026, at(5, 5, 12)).editions[2]
    assert again.complaints == 1
    settled = app.statistics.year(OPERATOR, "lettre", 2026, NOW).editions[2]
    assert settled.settled
    with app.database.session() as session:
        session.add(BounceEvent(subscriber_id=person_id(app, "a"), kind="complaint",
                                received_at=at(5, 6), message_id="<tard@x>"))  # fmt: skip
        stored = session.get(EditionFigures, editions[3])
        assert stored is not None and stored.complaints == 1
    assert app.statistics.year(OPERATOR, "lettre", 2026, NOW).editions[2].complaints == 1


def test_sources_activity_and_partners_share(app: App) -> None:
    """Items per source and month; the failure streak; each source's items in the year's
    editions."""
    craft(app)
    year = app.statistics.year(OPERATOR, "lettre", 2026, NOW)
    activity = {source.name: (source.months, source.failure_streak) for source in year.sources}
    assert activity == {"Centre social": ({"2026-03": 1}, 3),
                        "Réaap 93": ({"2026-01": 2, "2026-03": 1}, 0)}  # fmt: skip
    assert year.shares == {"Réaap 93": 2, "Centre social": 1}


def test_tables_name_everything_in_french(app: App) -> None:
    """The tables (page, report, terminal, CSV) use labels, never internal keys."""
    craft(app)
    statistics = app.statistics
    tables = {
        table.id: table
        for table in statistics.tables(statistics.year(OPERATOR, "lettre", 2026, NOW))
    }
    assert tables["abonnes"].rows[0] == ("janvier 2026", (3,))
    by_profile = tables["abonnes-profils"]
    assert by_profile.columns == ("Élu·e", "Service de l'État", "Professionnel·le",
                                  "Partenaire", "Adhérent·e")  # fmt: skip
    assert by_profile.rows[2] == ("mars 2026", (1, 0, 1, 0, 1))
    assert dict(tables["profils"].rows) == {"Professionnel·le": (2,), "Élu·e": (1,),
                                            "Adhérent·e": (1,)}  # fmt: skip
    assert ("Non renseigné", (1,)) in tables["territoires"].rows
    themes = dict(tables["themes"].rows)
    assert themes["Tous les thèmes (aucune préférence)"] == (2,)
    sent = tables["editions-envois"].rows
    assert sent[2] == ("n° 3 (période 3)", (4, 4, 1, 0, 0, 75.0, "1 h 02"))
    left = tables["editions-desabonnements"]
    assert left.columns == ("Élu·e", "Service de l'État", "Par liste")
    assert left.rows[1][1][-1] == "La Lettre de Profession Banlieue : 1"
    assert dict(tables["partenaires"].rows)["Réaap 93"] == (2, 66.7)
    assert "liens" not in tables  # the Lettre does not count clicks


def test_closed_months_are_kept_and_the_current_one_recounted(app: App) -> None:
    """Months are counted once and kept: after a person is erased, past months keep their
    figures; the current month is counted again once its figures are 10 minutes old."""
    from subscribers.models import Subscriber

    craft(app)
    app.statistics.year(OPERATOR, "lettre", 2026, NOW)
    with app.database.session() as session:
        erased = session.get(Subscriber, person_id(app, "b"))
        session.delete(erased)

    def actives(minutes: int) -> list[int]:
        later = NOW + timedelta(minutes=minutes)
        return [m.active for m in app.statistics.year(OPERATOR, "lettre", 2026, later).months]

    assert actives(1) == [3, 4, 3, 4, 4, 4]
    assert actives(11) == [3, 4, 3, 4, 4, 3]


def test_two_senders_ending_together_count_the_figures_once(app: App) -> None:
    """Two senders of one edition end at the same moment: both count its figures, neither
    fails, and one row holds them (the second finds the first's)."""
    editions = craft(app)
    with app.database.session() as first:
        record(first, editions[2], NOW)  # inserted, not yet committed
        outcome: list[EditionFigures | BaseException] = []

        def second() -> None:
            try:
                with app.database.session() as session:
                    outcome.append(record(session, editions[2], NOW))
            except BaseException as error:
                outcome.append(error)

        thread = threading.Thread(target=second)
        thread.start()
        wait_until(lambda: _waiting_on_a_lock(app) or outcome, timeout=30)
    thread.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], EditionFigures), outcome
    with app.database.session() as session:
        rows = session.scalars(
            sa.select(EditionFigures).where(EditionFigures.edition_id == editions[2])
        )
        assert len(list(rows)) == 1


def _waiting_on_a_lock(app: App) -> bool:
    """Whether another connection waits for a row lock (PostgreSQL) or the write lock
    (SQLite: waiting threads show nothing, so a short grace instead)."""
    if app.database.engine.dialect.name != "postgresql":
        time.sleep(0.2)
        return True
    with app.database.engine.connect() as connection:
        query = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
        return bool(connection.exec_driver_sql(query).scalar())


def test_sent_editions_counts_come_from_their_kept_figures(app: App) -> None:
    """The dashboard's counts of sent editions, read from their figures, are the ledger's."""
    from newsletter.dispatch.store import LedgerStore
    from newsletter.editions.models import Edition
    from newsletter.statistics.editions import ledger_counts

    ids = list(craft(app).values())
    with app.database.session() as session:
        editions = [session.get(Edition, edition_id) for edition_id in ids]
        kept = ledger_counts(session, [e for e in editions if e is not None], NOW)
        assert kept == LedgerStore(session).counts_for(ids)
