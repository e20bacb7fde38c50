"""What the web pages call in the domain, on SQLite and PostgreSQL: editions by state,
scheduling and cancelling, texts that did not change, send counts of several editions,
and a subscriber's own choices from the preferences page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsletter.app import App
from newsletter.dispatch.store import LedgerStore
from newsletter.editions.assembly import assemble
from newsletter.editions.lifecycle import DONE, UPCOMING
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError
from subscribers import preferences
from subscribers.consent import Consent
from subscribers.details import Details
from subscribers.models import ConsentRecord
from subscribers.suppression import is_suppressed
from tests.dispatching import populate

NOW = datetime(2026, 11, 21, 9, tzinfo=UTC)


def test_editions_by_state_schedule_and_cancel(app: App, tmp_path: Path) -> None:
    """Upcoming editions come soonest first, finished ones latest first, filtered by
    newsletter; an approved edition can be scheduled, and cancelled; unchanged texts leave
    an approved edition approved, changed ones send it back to draft."""
    lettre = populate(app, tmp_path, 3)
    with app.database.session() as session:
        store = EditionStore(session)
        reaap = assemble(store, "reaap", app.settings.newsletter("reaap"), "Europe/Paris",
                         day=date(2026, 11, 10))  # fmt: skip
        edition = store.get(lettre)
        assert [e.id for e in store.in_states(["lettre", "reaap"], UPCOMING)] == [reaap.id, lettre]
        assert [e.id for e in store.in_states(["reaap"], UPCOMING)] == [reaap.id]
        assert store.set_texts(edition, subject=edition.subject) is False
        assert edition.state == "approved"
        store.schedule(edition)
        assert edition.state == "scheduled"
        with pytest.raises(InputError):
            store.schedule(reaap)  # a draft is approved first
        store.cancel(reaap)
        assert [e.id for e in store.in_states(["lettre", "reaap"], DONE, 5)] == [reaap.id]
        assert store.set_texts(edition, preheader="Au sommaire") is True
        assert edition.state == "draft"


def test_counts_of_several_editions(app: App, tmp_path: Path) -> None:
    """The ledger counts several editions in one query; editions without rows count 0."""
    lettre = populate(app, tmp_path, 4)
    with app.database.session() as session:
        ledger = LedgerStore(session)
        ledger.freeze(lettre, "lettre", None)
        counts = ledger.counts_for([lettre, 999])
        assert counts[lettre] == ledger.counts(lettre)
    assert counts[lettre]["queued"] == 4 and sum(counts[lettre].values()) == 4
    assert set(counts) == {lettre, 999} and sum(counts[999].values()) == 0


def test_preferences_apply_lists_themes_and_format(app: App) -> None:
    """Unticking a list unsubscribes (and suppresses it), ticking one subscribes with a
    consent recorded and its suppression lifted; themes, format and what the person tells
    about themselves (name, organisation, function, profile, commune) are checked."""
    with app.database.session() as session:
        store = app.subscriber_store(session)
        person = store.admin_add("awa@exemple.fr", Details(first_name="Awa"), ["lettre"],
                                 Consent("admin", "2026-01", "tests"))  # fmt: skip
        store.unsubscribe(person, "reaap", NOW)  # on the suppression list for reaap
        about = preferences.About("Awa", "Traoré", "CCAS de Bondy", "Chargée de mission",
                                  "professionnel", "Bondy")  # fmt: skip
        wanted = preferences.Choices(frozenset({"reaap"}), ("habitat",), "text", about)
        themes = app.settings.classification.themes
        now = preferences.apply(store, person, wanted, themes, "2026-01", NOW)
        assert now == wanted and person.commune_key == "bondy"
        assert is_suppressed(session, person.email_hash, "lettre")
        assert not is_suppressed(session, person.email_hash, "reaap")
        forms = session.scalar(sa.select(sa.func.count()).select_from(ConsentRecord)
                               .where(ConsentRecord.how == "form"))  # fmt: skip
        assert forms == 1
        with pytest.raises(InputError):
            preferences.apply(store, person, preferences.Choices(frozenset(), ("sport",), "html"),
                              themes, "2026-01", NOW)  # fmt: skip
        unknown = preferences.Choices(frozenset({"inconnue"}), (), "html")
        with pytest.raises(InputError):
            preferences.apply(store, person, unknown, themes, "2026-01", NOW)
        bad_profile = preferences.Choices(frozenset(), (), "html", preferences.About(profile="x"))
        with pytest.raises(InputError):
            preferences.apply(store, person, bad_profile, themes, "2026-01", NOW)
