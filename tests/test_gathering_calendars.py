"""Calendars as partners publish them: other encodings and folds inside a character,
recurring events expanded with their moved and cancelled dates, one bad event skipped
with a warning that `newsletter sources` shows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.db import Database
from newsletter.settings import Settings
from tests.gathering import ICS_TYPE, calendar, partners

PARIS = ZoneInfo("Europe/Paris")
# A Tuesday at least a week ahead: the series below stay within the agenda horizon.
TUESDAY = date.today() + timedelta(days=14 - date.today().weekday() + 1)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), PARIS)


def stamp(day: date, hour: int, minute: int = 0) -> str:
    return f"{day:%Y%m%d}T{hour:02d}{minute:02d}00"


def test_encodings_and_folds(database: Database, make_settings: Callable[..., Settings]) -> None:
    """A Latin-1 calendar (declared, or not declared at all) and a UTF-8 one folded in the
    middle of "é" are all read with their accents; the undeclared one is flagged."""
    event = "UID:{hour}\nSUMMARY:Réunion d'été à Bobigny\nDTSTART:20300704T{hour}0000"
    latin = calendar(event.format(hour=10)).decode().encode("latin-1")
    utf8 = calendar(event.format(hour=12))
    fold_at = utf8.index("é".encode()) + 1  # between the two bytes of "é"
    folded = utf8[:fold_at] + b"\r\n " + utf8[fold_at:]
    with partners(database, make_settings) as sources:
        sources.publish("declared", latin, "text/calendar; charset=ISO-8859-1", type="ical")
        sources.publish("undeclared", latin.replace(b"T10", b"T11"), "text/calendar", type="ical")
        sources.publish("folded", folded, ICS_TYPE, type="ical")
        reports = sources.gather()
        titles = [i.title for i in sources.items()]
    assert titles == ["Réunion d'été à Bobigny"] * 3
    assert not reports["declared"].warnings and not reports["folded"].warnings
    assert reports["undeclared"].warnings == ["calendrier non UTF-8 (lu comme Windows-1252)"]


def series(moved_to: datetime) -> bytes:
    """Weekly, four times from TUESDAY 18:00; the 2nd moved, the 3rd cancelled."""
    second, third = TUESDAY + timedelta(days=7), TUESDAY + timedelta(days=14)
    return calendar(
        f"""UID:atelier@centre-social.fr
SUMMARY:Atelier parents enfants
DTSTART;TZID=Europe/Paris:{stamp(TUESDAY, 18)}
DURATION:PT2H
RRULE:FREQ=WEEKLY;COUNT=4
LOCATION:Centre social Youri Gagarine, Bobigny""",
        f"""UID:atelier@centre-social.fr
RECURRENCE-ID;TZID=Europe/Paris:{stamp(second, 18)}
SUMMARY:Atelier parents enfants (salle des fêtes)
DTSTART;TZID=Europe/Paris:{stamp(moved_to.date(), moved_to.hour, moved_to.minute)}
DURATION:PT3H
LOCATION:Salle des fêtes, Bobigny""",
        f"""UID:atelier@centre-social.fr
RECURRENCE-ID;TZID=Europe/Paris:{stamp(third, 18)}
SUMMARY:Atelier parents enfants
DTSTART;TZID=Europe/Paris:{stamp(third, 18)}
DURATION:PT2H
STATUS:CANCELLED""",
    )


def test_weekly_series(database: Database, make_settings: Callable[..., Settings]) -> None:
    """A weekly series of four gives four agenda entries tied to the series, with its moved
    occurrence where it moved to and its cancelled one marked; moving it again updates that
    entry rather than adding one."""
    moved = local(TUESDAY + timedelta(days=8), 14, 30)
    with partners(database, make_settings) as sources:
        sources.publish("centre", series(moved), ICS_TYPE, type="ical")
        first = sources.gather()["centre"]
        before = sources.items()
        sources.publish("centre", series(moved + timedelta(hours=2)), ICS_TYPE, type="ical")
        again = sources.gather()["centre"]
        after = sources.items()
    assert first.saved.new == 4 and not first.warnings
    assert [i.starts_at for i in before] == [
        local(TUESDAY, 18), moved, local(TUESDAY + timedelta(days=14), 18),
        local(TUESDAY + timedelta(days=21), 18),
    ]  # fmt: skip
    assert [i.cancelled for i in before] == [False, False, True, False]
    assert before[1].place == "Salle des fêtes, Bobigny"
    assert before[1].ends_at == moved + timedelta(hours=3)
    assert before[0].ends_at == local(TUESDAY, 20)
    assert {i.series for i in before} == {"atelier@centre-social.fr"}
    assert (again.saved.new, again.saved.updated) == (0, 1) and len(after) == 4
    assert after[1].starts_at == moved + timedelta(hours=2) and after[1].revision == 2


def test_series_begun_last_january_reaches_the_agenda(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    """A monthly series that began last January gives its coming dates, within
    fetch.agenda_horizon_days, not its first (past) date only."""
    start = date(date.today().year - 1, 1, 10)
    body = calendar(
        f"UID:permanence\nSUMMARY:Permanence d'accès aux droits\n"
        f"DTSTART;TZID=Europe/Paris:{stamp(start, 9)}\nRRULE:FREQ=MONTHLY"
    )
    with partners(database, make_settings, agenda_horizon_days=100) as sources:
        sources.publish("mairie", body, ICS_TYPE, type="ical")
        sources.gather()
        starts = [i.starts_at for i in sources.items()]
    today = datetime.now(UTC)
    assert 3 <= len(starts) <= 4
    assert all(today - timedelta(days=1) < s < today + timedelta(days=100) for s in starts)
    assert all(s.astimezone(PARIS).day == 10 for s in starts)


def test_a_bad_event_is_skipped_and_shown(
    database: Database, make_settings: Callable[..., Settings],
    write_config: Callable[..., Path],
) -> None:  # fmt: skip
    """One event with an unreadable start does not lose the calendar: the others are
    stored, and `newsletter sources` shows a French warning naming the bad one."""
    body = calendar(
        "UID:ok-1\nSUMMARY:Forum emploi\nDTSTART:20300301T090000",
        "UID:bad\nSUMMARY:Réunion cassée\nDTSTART:le 3 mars",
        "UID:ok-2\nSUMMARY:Café des parents\nDTSTART:20300302T090000",
    )
    with partners(database, make_settings) as sources:
        sources.publish("agenda", body, ICS_TYPE, type="ical")
        report = sources.gather()["agenda"]
        titles = [i.title for i in sources.items()]
    assert titles == ["Forum emploi", "Café des parents"]
    warning = "événement « Réunion cassée » ignoré : propriété DTSTART illisible"
    assert report.warnings == [warning]
    config = write_config(database={"url": database.url})
    shown = CliRunner().invoke(cli, ["--config", str(config), "sources"],
                               env={"COLUMNS": "300"})  # fmt: skip
    assert shown.exit_code == 0 and warning in shown.output
