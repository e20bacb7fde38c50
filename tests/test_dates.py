"""Tests for newsletter.sources.dates: dates as feeds write them (ISO 8601, RFC 822,
French), their zone honoured, or the configured zone when they name none."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from newsletter.sources import dates
from newsletter.sources.dates import parse_date

PARIS = ZoneInfo("Europe/Paris")
CET = timezone(timedelta(hours=1))
CEST = timezone(timedelta(hours=2))


def parse_french_date(text: str, tz: str = "Europe/Paris") -> datetime | None:
    """The French parser with Paris as the configured zone, as in config.toml."""
    return dates.parse_french_date(text, tz)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mardi 4 mars 2025", datetime(2025, 3, 4, tzinfo=PARIS)),
        ("4 mars 2025", datetime(2025, 3, 4, tzinfo=PARIS)),
        ("1er avril 2025", datetime(2025, 4, 1, tzinfo=PARIS)),
        ("1ᵉʳ avril 2025", datetime(2025, 4, 1, tzinfo=PARIS)),
        ("le 15 janvier 2025", datetime(2025, 1, 15, tzinfo=PARIS)),
        ("04 Fév 2025", datetime(2025, 2, 4, tzinfo=PARIS)),
        ("04 fév. 2025", datetime(2025, 2, 4, tzinfo=PARIS)),
        ("4 FEVRIER 2025", datetime(2025, 2, 4, tzinfo=PARIS)),
        ("dimanche 7 décembre 2025", datetime(2025, 12, 7, tzinfo=PARIS)),
    ],
)
def test_date_without_time_is_local_midnight(text: str, expected: datetime) -> None:
    """A French day-month-year date without a time parses to midnight in Europe/Paris."""
    assert parse_french_date(text) == expected
    assert parse_french_date(text).tzinfo is PARIS


@pytest.mark.parametrize(
    ("token", "month"),
    [
        ("janvier", 1),
        ("janv.", 1),
        ("Janv", 1),
        ("février", 2),
        ("fevrier", 2),
        ("févr.", 2),
        ("FÉV", 2),
        ("mars", 3),
        ("avr.", 4),
        ("mai", 5),
        ("juin", 6),
        ("juillet", 7),
        ("juil.", 7),
        ("août", 8),
        ("aout", 8),
        ("aoû", 8),
        ("AOÛT", 8),
        ("sept.", 9),
        ("sep", 9),
        ("oct.", 10),
        ("nov.", 11),
        ("décembre", 12),
        ("decembre", 12),
        ("déc.", 12),
        ("DEC", 12),
    ],
)
def test_month_names_are_accent_and_case_insensitive(token: str, month: int) -> None:
    """Month names and abbreviations match with or without accents, case or final dot."""
    assert parse_french_date(f"3 {token} 2025") == datetime(2025, month, 3, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mardi 4 mars 2025 à 14h30", datetime(2025, 3, 4, 14, 30, tzinfo=PARIS)),
        ("Mardi 4 mars 2025 14h30", datetime(2025, 3, 4, 14, 30, tzinfo=PARIS)),
        ("4 mars 2025 14:30", datetime(2025, 3, 4, 14, 30, tzinfo=PARIS)),
        ("4 mars 2025, 14 h 30", datetime(2025, 3, 4, 14, 30, tzinfo=PARIS)),
        ("4 mars 2025 à 9h", datetime(2025, 3, 4, 9, tzinfo=PARIS)),
        ("le jeudi 12 juin 2025 de 9h à 17h", datetime(2025, 6, 12, 9, tzinfo=PARIS)),
        ("jeudi 12 juin 2025 de 9h30 à 12h", datetime(2025, 6, 12, 9, 30, tzinfo=PARIS)),
        ("4 mars 2025 10:15:42", datetime(2025, 3, 4, 10, 15, 42, tzinfo=PARIS)),
    ],
)
def test_time_of_day_is_local(text: str, expected: datetime) -> None:
    """A time written 14h30, 14 h 30, 9h or 14:30 is local time; a range keeps its start."""
    assert parse_french_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("04/03/2025", datetime(2025, 3, 4, tzinfo=PARIS)),
        ("04/03/2025 14h30", datetime(2025, 3, 4, 14, 30, tzinfo=PARIS)),
        ("4.3.2025", datetime(2025, 3, 4, tzinfo=PARIS)),
        ("12/11/2025 09:05", datetime(2025, 11, 12, 9, 5, tzinfo=PARIS)),
        ("25-12-2025", datetime(2025, 12, 25, tzinfo=PARIS)),
    ],
)
def test_numeric_dates_are_day_first(text: str, expected: datetime) -> None:
    """Numeric dates read day, then month, then year, as in France."""
    assert parse_french_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mar., 04 févr. 2025 10:00:00 +0100", datetime(2025, 2, 4, 10, tzinfo=CET)),
        ("Mar, 04 Fév 2025 10:00:00 CET", datetime(2025, 2, 4, 10, tzinfo=CET)),
        ("lun., 07 juil. 2025 08:30:00 +02:00", datetime(2025, 7, 7, 8, 30, tzinfo=CEST)),
        ("Lun, 07 Juil 2025 08:30:00 CEST", datetime(2025, 7, 7, 8, 30, tzinfo=CEST)),
        ("04 Fév 2025 10:00 CET", datetime(2025, 2, 4, 10, tzinfo=CET)),
        ("04 fév 2025 09:00:00 GMT", datetime(2025, 2, 4, 9, tzinfo=UTC)),
        ("04 fév 2025 09:00:00 UTC", datetime(2025, 2, 4, 9, tzinfo=UTC)),
        ("04 fév 2025 09:00:00 UT", datetime(2025, 2, 4, 9, tzinfo=UTC)),
        ("04 fév 2025 09:00:00Z", datetime(2025, 2, 4, 9, tzinfo=UTC)),
        (
            "04 fév 2025 04:00:00 -0500",
            datetime(2025, 2, 4, 4, tzinfo=timezone(timedelta(hours=-5))),
        ),
    ],
)
def test_rfc822_like_dates_with_french_names(text: str, expected: datetime) -> None:
    """RFC-822-like dates with French names honour their zone name or numeric offset."""
    parsed = parse_french_date(text)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


def test_heure_de_paris_means_europe_paris() -> None:
    """'heure de Paris' selects Europe/Paris even when another default zone is given."""
    parsed = parse_french_date("4 juillet 2025 10h00 (heure de Paris)", tz="UTC")
    assert parsed == datetime(2025, 7, 4, 10, tzinfo=PARIS)
    assert parsed.utcoffset() == timedelta(hours=2)


def test_daylight_saving_time_gives_summer_offset() -> None:
    """A summer date in Europe/Paris has the CEST offset, +02:00."""
    parsed = parse_french_date("4 juillet 2025 10h00")
    assert parsed == datetime(2025, 7, 4, 10, tzinfo=PARIS)
    assert parsed.utcoffset() == timedelta(hours=2)
    assert parse_french_date("4 janvier 2025 10h00").utcoffset() == timedelta(hours=1)


def test_default_zone_can_be_changed() -> None:
    """Without a zone in the text, the date is placed in the zone given as tz."""
    parsed = parse_french_date("4 mars 2025 14h30", tz="America/Cayenne")
    assert parsed == datetime(2025, 3, 4, 14, 30, tzinfo=ZoneInfo("America/Cayenne"))
    assert parsed.utcoffset() == timedelta(hours=-3)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "bientôt",
        "31 février 2025",
        "29 février 2025",
        "31/04/2025",
        "4 mars 2025 25h00",
        "4 mars 2025 10:75",
        "4 jui 2025",
        "4 brumaire 2025",
        "Tue, 04 Feb 2025 10:00:00 GMT",
        "2025-03-04T10:00:00+01:00",
        "4 mars 2025 10:00 EST",
        "Publié le 4 mars 2025",
    ],
)
def test_unrecognised_or_invalid_text_returns_none(text: str) -> None:
    """Text that is not a recognised, valid French date returns None instead of raising."""
    assert parse_french_date(text) is None


@pytest.mark.parametrize(
    ("text", "expected_utc"),
    [
        ("Tue, 04 Mar 2025 09:00:00 CET", datetime(2025, 3, 4, 8, tzinfo=UTC)),
        ("Fri, 04 Jul 2025 18:00:00 CEST", datetime(2025, 7, 4, 16, tzinfo=UTC)),
        ("Fri, 04 Jul 2025 18:00:00 GMT", datetime(2025, 7, 4, 18, tzinfo=UTC)),
        ("Fri, 04 Jul 2025 18:00:00 UTC", datetime(2025, 7, 4, 18, tzinfo=UTC)),
        ("Fri, 04 Jul 2025 18:00:00 Z", datetime(2025, 7, 4, 18, tzinfo=UTC)),
        ("4 Jul 25 18:00 +0200", datetime(2025, 7, 4, 16, tzinfo=UTC)),
        ("Fri, 04 Jul 2025 18:00:00 EDT", datetime(2025, 7, 4, 22, tzinfo=UTC)),
        ("2025-07-04T18:00:00Z", datetime(2025, 7, 4, 18, tzinfo=UTC)),
        ("2025-07-04T18:00:00+02:00", datetime(2025, 7, 4, 16, tzinfo=UTC)),
        ("04 Fév 2025 10:00 CET", datetime(2025, 2, 4, 9, tzinfo=UTC)),
    ],
)
def test_a_zone_in_the_text_is_honoured(text: str, expected_utc: datetime) -> None:
    """A date naming its zone (offset, Z, UTC, GMT, CET, CEST…) is that instant, whatever
    the configured zone (feedparser alone reads CET and CEST as UTC)."""
    assert parse_date(text, "America/Montreal") == expected_utc


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("Tue, 04 Mar 2025 09:00:00", datetime(2025, 3, 4, 9)),
        ("2025-03-04 09:00:00", datetime(2025, 3, 4, 9)),
        ("2025-07-04T18:00:00", datetime(2025, 7, 4, 18)),
        ("2025-07-04", datetime(2025, 7, 4)),
        ("4 juillet 2025 à 18h00", datetime(2025, 7, 4, 18)),
    ],
)
@pytest.mark.parametrize("zone", ["Europe/Paris", "America/Montreal"])
def test_a_time_without_zone_is_in_the_configured_zone(
    text: str, local: datetime, zone: str
) -> None:
    """Without a zone, RFC 822, ISO 8601 and French times are local times of the configured
    zone (``fetch.timezone``), never UTC, never the time of the fetch."""
    assert parse_date(text, zone) == local.replace(tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    "text", ["", "bientôt", "Tue, 31 Feb 2025 09:00:00", "4 mars 2025 10:00 XYZ"]
)
def test_unreadable_dates_give_none(text: str) -> None:
    """Text that is no date (or an impossible one, or with an unknown zone) gives None."""
    assert parse_date(text, "Europe/Paris") is None
