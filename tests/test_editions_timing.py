"""An editor moves an edition's send time, to come and before the next edition: a new hour
the same day keeps its approval (and its programming); another day sends it back to draft,
the letter being dated, and abandoning the changes brings the approved time back. A past
time is never programmed. Every caller goes through ``Editing`` (web, command line)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from newsletter.accounts.permissions import OPERATOR
from newsletter.app import App
from newsletter.audit.store import AuditStore
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError
from tests.dispatching import populate

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 21, 9, tzinfo=UTC)  # the Lettre goes out on 1 December at 9:00


def state_and_time(app: App, edition_id: int) -> tuple[str, datetime]:
    with app.database.session() as session:
        edition = EditionStore(session).get(edition_id)
        return edition.state, edition.send_at.astimezone(PARIS)


def test_a_new_hour_the_same_day_keeps_the_approval_and_the_programming(
    app: App, tmp_path: Path
) -> None:
    """A later hour on the send day: still approved, nothing to approve again; programmed,
    it stays programmed at its new hour; the trail says who moved it."""
    lettre = populate(app, tmp_path, 2)
    done = app.editing.reschedule(OPERATOR, lettre, "2026-12-01 14:30", now=NOW)
    assert done == "envoi prévu le mardi 1er décembre 2026 à 14 h 30"
    assert state_and_time(app, lettre) == ("approved", datetime(2026, 12, 1, 14, 30, tzinfo=PARIS))
    with app.database.session() as session:
        assert app.publishing.changes(session, EditionStore(session).get(lettre)) == []
    app.editing.schedule(OPERATOR, lettre, accept_warnings=True, now=NOW)
    app.editing.reschedule(OPERATOR, lettre, "2026-12-01T16:00", now=NOW)
    assert state_and_time(app, lettre) == ("scheduled", datetime(2026, 12, 1, 16, tzinfo=PARIS))
    with app.database.session() as session:
        entry = AuditStore(session).entries(edition_id=lettre, limit=1)[0]
    assert (entry.action, entry.detail) == ("edit", "envoi prévu le mardi 1er décembre 2026 à 16 h")


def test_another_day_needs_a_new_approval_and_discarding_brings_the_date_back(
    app: App, tmp_path: Path
) -> None:
    """Another day changes the dated letter: back to draft, the change named in editors'
    words; « abandonner » restores the approved day and hour."""
    lettre = populate(app, tmp_path, 2)
    done = app.editing.reschedule(OPERATOR, lettre, "2026-12-08 09:00", now=NOW)
    assert done.endswith("L’édition repasse en brouillon : à approuver de nouveau.")
    assert state_and_time(app, lettre) == ("draft", datetime(2026, 12, 8, 9, tzinfo=PARIS))
    with app.database.session() as session:
        changes = app.publishing.changes(session, EditionStore(session).get(lettre))
    assert changes == ["Date d’envoi modifiée : mardi 8 décembre 2026"]
    app.editing.discard(OPERATOR, lettre)
    assert state_and_time(app, lettre) == ("approved", datetime(2026, 12, 1, 9, tzinfo=PARIS))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2026-11-20 10:00", "le vendredi 20 novembre 2026 à 10 h est passé"),
        ("2027-01-05 09:00", "l’édition suivante part le mardi 5 janvier 2027 à 9 h"),
        ("mardi prochain", "date et heure illisibles « mardi prochain »"),
    ],
)
def test_a_past_time_a_time_after_the_next_edition_or_gibberish_is_refused(
    app: App, tmp_path: Path, typed: str, message: str
) -> None:
    """Refused with a French line saying what to type; the edition is left as it was."""
    lettre = populate(app, tmp_path, 2)
    with pytest.raises(InputError) as refused:
        app.editing.reschedule(OPERATOR, lettre, typed, now=NOW)
    assert refused.value.message == message
    assert state_and_time(app, lettre) == ("approved", datetime(2026, 12, 1, 9, tzinfo=PARIS))


def test_a_past_send_time_cannot_be_programmed_until_moved(app: App, tmp_path: Path) -> None:
    """The scheduler would send at once (or hold it): programming a past time is refused with
    the way out; a held edition moved to a time to come is held no more."""
    lettre = populate(app, tmp_path, 2)
    later = datetime(2026, 12, 2, 10, tzinfo=UTC)
    with pytest.raises(InputError) as refused:
        app.editing.schedule(OPERATOR, lettre, accept_warnings=True, now=later)
    assert refused.value.message == "sa date d’envoi, le mardi 1er décembre 2026 à 9 h, est passée"
    app.editing.hold(OPERATOR, lettre, "date d’envoi dépassée de plus de 24 h")
    app.editing.reschedule(OPERATOR, lettre, "2026-12-02 17:00", now=later)
    with app.database.session() as session:
        assert EditionStore(session).get(lettre).held_reason == ""
    app.editing.approve(OPERATOR, lettre, now=later)
    app.editing.schedule(OPERATOR, lettre, accept_warnings=True, now=later)
    with app.database.session() as session:
        edition = EditionStore(session).get(lettre)
        assert (edition.state, edition.held_reason) == ("scheduled", "")
