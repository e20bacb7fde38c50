"""Times right: zones written in feeds and calendars honoured, times without a zone read in
``fetch.timezone`` (here America/Montreal, to tell it from Paris and from UTC), durations
counted in the event's zone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from newsletter.db import Database
from newsletter.settings import Settings
from tests.gathering import ICS_TYPE, calendar, item, partners, rss

MONTREAL = "America/Montreal"  # UTC-5 in winter, UTC-4 in summer


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_feed_times(database: Database, make_settings: Callable[..., Settings]) -> None:
    """CET and CEST are +1 and +2 hours; RFC 822 and ISO times without a zone, and RSS event
    dates without one, are Montreal times when fetch.timezone says so; none becomes the
    time of the fetch."""
    event = (
        "<ev:startdate>2025-07-04T18:00:00</ev:startdate>"
        "<ev:enddate>2025-07-04T20:00:00+02:00</ev:enddate><ev:location>Bobigny</ev:location>"
    )
    feed = rss(
        item("Hiver CET", "1", "https://a.fr/1", "Tue, 04 Mar 2025 09:00:00 CET"),
        item("Été CEST", "2", "https://a.fr/2", "Fri, 04 Jul 2025 18:00:00 CEST"),
        item("RFC 822 sans zone", "3", "https://a.fr/3", "Tue, 04 Mar 2025 09:00:00"),
        item("ISO sans zone", "4", "https://a.fr/4", "2025-03-04 09:00:00"),
        item("Événement", "5", "https://a.fr/5", "2025-07-04T18:00:00Z", extra=event),
        item("En français", "6", "https://a.fr/6", "Mardi 4 mars 2025 à 14h30"),
    )
    with partners(database, make_settings, timezone=MONTREAL) as sources:
        sources.publish("a", feed, kind="agenda")
        report = sources.gather()["a"]
        stored = {i.title: i for i in sources.items()}
    assert report.ok and not report.warnings
    published = {title: found.published_at for title, found in stored.items()}
    assert published == {
        "Hiver CET": utc(2025, 3, 4, 8),
        "Été CEST": utc(2025, 7, 4, 16),
        "RFC 822 sans zone": utc(2025, 3, 4, 14),
        "ISO sans zone": utc(2025, 3, 4, 14),
        "Événement": utc(2025, 7, 4, 18),
        "En français": utc(2025, 3, 4, 19, 30),
    }
    assert stored["Événement"].starts_at == utc(2025, 7, 4, 22)
    assert stored["Événement"].ends_at == utc(2025, 7, 4, 18)
    assert stored["Événement"].place == "Bobigny"


def test_calendar_times(database: Database, make_settings: Callable[..., Settings]) -> None:
    """Floating times and all-day dates are in fetch.timezone; a DURATION counts hours
    exactly and days on the clock of the event's zone, across the end of summer time."""
    events = (
        "UID:flottant\nSUMMARY:Flottant\nDTSTART:20300115T100000\nDTEND:20300115T120000",
        "UID:journee\nSUMMARY:Journée\nDTSTART;VALUE=DATE:20300704",
        "UID:nuit\nSUMMARY:Veillée\nDTSTART;TZID=Europe/Paris:20301026T200000\nDURATION:PT12H",
        "UID:jour\nSUMMARY:Stage\nDTSTART;TZID=Europe/Paris:20301026T200000\nDURATION:P1D",
        "UID:z\nSUMMARY:En UTC\nDTSTART:20300115T100000Z\nDTEND:20300115T110000Z",
    )
    with partners(database, make_settings, timezone=MONTREAL) as sources:
        sources.publish("agenda", calendar(*events), ICS_TYPE, type="ical")
        sources.gather()
        stored = {i.title: i for i in sources.items()}
    assert (stored["Flottant"].starts_at, stored["Flottant"].ends_at) == (
        utc(2030, 1, 15, 15), utc(2030, 1, 15, 17))  # fmt: skip
    assert stored["Journée"].starts_at == utc(2030, 7, 4, 4) and stored["Journée"].all_day
    # Summer time ends in Paris on 27 October 2030 at 3:00 (back to 2:00).
    assert stored["Veillée"].starts_at == utc(2030, 10, 26, 18)
    assert stored["Veillée"].ends_at == utc(2030, 10, 27, 6)  # 12 hours later: 7:00 CET
    assert stored["Stage"].ends_at == utc(2030, 10, 27, 19)  # the next day, 20:00 CET
    assert stored["En UTC"].starts_at == utc(2030, 1, 15, 10)
