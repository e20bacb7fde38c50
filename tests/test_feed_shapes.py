"""Real-world shapes of partners' feeds (written by us in tests/data/feeds: SPIP, WordPress,
Drupal, Joomla, an OpenAgenda-style iCalendar export) go through gathering as they are,
then damaged the way they get damaged: nothing readable is lost, nothing unsafe is kept."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from newsletter.content.models import Item
from newsletter.db import Database
from newsletter.errors import SourceError
from newsletter.settings import Settings
from newsletter.sources.feeds import parse_feed
from newsletter.sources.ical import Horizon, parse_ical
from tests.gathering import ICS_TYPE, Partners, partners

FEEDS = Path(__file__).parent / "data" / "feeds"
SHAPES = {
    "spip": ("spip.rss", "application/rss+xml; charset=utf-8", 3),
    "wordpress": ("wordpress.rss", "application/rss+xml; charset=UTF-8", 3),
    "drupal": ("drupal.rss", "application/rss+xml; charset=utf-8", 2),
    "joomla": ("joomla.atom", "application/atom+xml; charset=utf-8", 2),
    "openagenda": ("openagenda.ics", ICS_TYPE, 3),
}
SAFE_TAGS = {"a", "abbr", "b", "blockquote", "br", "cite", "code", "em", "h3", "h4", "i", "li",
             "ol", "p", "q", "s", "small", "strong", "sub", "sup", "u", "ul"}  # fmt: skip


class _Markup(HTMLParser):
    """The elements and attributes an HTML fragment really has (text is not markup)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def unsafe(summary: str) -> list[str]:
    """What a browser would run or load from ``summary``: other elements than the
    allow-list, event handlers, links that are not http(s) or mailto."""
    markup = _Markup()
    markup.feed(summary)
    problems = []
    for tag, attrs in markup.found:
        if tag not in SAFE_TAGS:
            problems.append(tag)
        for name, value in attrs:
            if name not in ("href", "title", "rel") or (
                name == "href" and not (value or "").startswith(("http", "mailto:"))
            ):
                problems.append(f"{tag} {name}={value}")
    return problems


def publish_all(sources: Partners, damage: Callable[[str, bytes], bytes]) -> None:
    for key, (name, content_type, _) in SHAPES.items():
        extra = {"type": "ical", "kind": "agenda"} if key == "openagenda" else {}
        sources.publish(key, damage(key, (FEEDS / name).read_bytes()), content_type, **extra)


def assert_safe(items: list[Item]) -> None:
    for item in items:
        assert item.url == "" or item.url.startswith("https://"), item.url
        assert unsafe(item.summary) == [], item.summary


def test_feed_shapes_as_published(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    """Each shape gives all its entries, with the titles, links and dates its site meant,
    summaries cleaned and relative links made absolute against the site."""
    with partners(database, make_settings) as sources:
        publish_all(sources, lambda key, body: body)
        reports = sources.gather()
        stored = sources.items_by_source()
    assert {key: len(found) for key, found in stored.items()} == {
        key: count for key, (_, _, count) in SHAPES.items()}  # fmt: skip
    assert all(report.ok for report in reports.values())
    for found in stored.values():
        assert_safe(found)
    spip, wordpress, drupal, joomla, agenda = (stored[key] for key in SHAPES)
    assert spip[0].url == "https://www.crpve91.example/spip.php?article412"
    assert spip[0].published_at == datetime(2026, 11, 16, 8, 30, tzinfo=UTC)
    assert 'href="https://www.crpve91.example/spip.php?page=inscription&amp;id_article=412"' in (
        spip[0].summary)  # fmt: skip
    assert "participation" in spip[0].themes
    assert wordpress[0].title == "Café des parents : parler de l’adolescence"
    assert "reaap" in wordpress[0].networks and "clas" in wordpress[1].networks
    assert wordpress[1].url.endswith("/aide-aux-devoirs/?utm_source=rss&utm_medium=rss")
    assert 'href="https://centresocial-tilleuls.example/contact/"' in wordpress[0].summary
    assert 'href="mailto:accueil@centresocial-tilleuls.example"' in wordpress[0].summary
    assert wordpress[2].cancelled and not wordpress[0].cancelled
    assert 'href="https://www.oriv.example/agenda/jeunesse-emploi"' in drupal[0].summary
    assert drupal[0].published_at == datetime(2026, 11, 10, 8, 15, tzinfo=UTC)
    assert 'href="https://www.pqn-a.example/index.php/agenda"' in joomla[0].summary
    assert joomla[1].url == "https://www.pqn-a.example/actualites/185-appel-projets-gup"
    evening = datetime(2030, 12, 3, 17, 30, tzinfo=UTC)  # 18:30 in Paris
    assert [i.starts_at for i in agenda[:2]] == [evening, evening + timedelta(days=7)]
    assert agenda[0].place == (
        "Centre social Ambroise Croizat, 12 rue de la République, 93200 Saint-Denis")  # fmt: skip
    assert agenda[0].organiser == "Fédération des centres sociaux 93"
    assert "reaap" in agenda[0].networks
    assert "é pour les familles" in agenda[1].summary  # folded inside "é"
    assert agenda[2].all_day and agenda[2].cancelled and agenda[2].url == ""
    assert reports["openagenda"].warnings == [
        "1 lien(s) non http(s) ignoré(s), ex. « javascript:alert(1) »"]  # fmt: skip


def damage(key: str, body: bytes) -> bytes:
    """Feeds: HTML entities in the first entry's title and the tail cut inside the last
    entry's title. The calendar: one event's start garbled, and the file re-encoded in Latin-1."""
    if key == "openagenda":
        text = body.replace(b"\r\n ", b"").decode()  # unfolded to re-encode it
        text = text.replace("DTSTART;VALUE=DATE:20301212", "DTSTART;VALUE=DATE:2030-1")
        return text.encode("latin-1")
    first = body.index(b"<item" if b"<item" in body else b"<entry")
    title_end = body.index(b"</title>", first)
    body = body[:title_end] + b" &eacute;t&eacute;&nbsp;!" + body[title_end:]
    return body[: body.rindex(b"</title>")]


def test_feed_shapes_damaged(database: Database, make_settings: Callable[..., Settings]) -> None:
    """Damaged, each shape keeps its complete entries (accents right, entities decoded) and
    says what was repaired or skipped; the tolerant path sanitises just as well."""
    with partners(database, make_settings) as sources:
        publish_all(sources, damage)
        reports = sources.gather()
        stored = sources.items_by_source()
    kept = {"spip": 2, "wordpress": 2, "drupal": 1, "joomla": 1, "openagenda": 2}
    assert {key: len(found) for key, found in stored.items()} == kept
    for key in ("spip", "wordpress", "drupal", "joomla"):
        assert reports[key].ok and reports[key].warnings[0].startswith("flux réparé : "), key
        assert stored[key][0].title.endswith(" été !"), stored[key][0].title
    assert reports["openagenda"].warnings == [
        "calendrier non UTF-8 (déclaré utf-8, lu comme Windows-1252)",
        "événement « Forum des associations du quartier Floréal » ignoré : "
        "propriété DTSTART illisible",
    ]
    assert stored["openagenda"][0].place.endswith("République, 93200 Saint-Denis")
    for found in stored.values():
        assert_safe(found)


def test_garbled_shapes_fail_cleanly(make_settings: Callable[..., Settings]) -> None:
    """Cut anywhere or with random bytes changed, a feed or calendar is read or refused with
    a French reason (SourceError), never with an exception that would be logged as a bug;
    what is read is still safe."""
    settings = make_settings()
    source, zone = settings.sources[0], settings.fetch.timezone
    horizon = Horizon.from_day(datetime.now(UTC), zone, 365)
    chance = random.Random(14)
    for name, content_type, _ in SHAPES.values():
        body = (FEEDS / name).read_bytes()
        # Cut every 47 octets: inside tags, entities, dates and multi-octet characters alike
        # (each parse is feedparser's ~9 ms; every 23 octets took twice as long).
        cases = [body[:cut] for cut in range(0, len(body), 47)]
        for _ in range(60):
            garbled = bytearray(body)
            for _ in range(6):
                garbled[chance.randrange(len(garbled))] = chance.randrange(256)
            cases.append(bytes(garbled))
        for case in cases:
            try:
                if name.endswith(".ics"):
                    parsed = parse_ical(case, content_type, source, zone, horizon)
                else:
                    parsed = parse_feed(case, content_type, "https://exemple.fr/flux", source, zone)
            except SourceError:
                continue
            for entry in parsed.entries:
                assert entry.url == "" or entry.url.startswith(("http://", "https://"))
                assert unsafe(entry.summary) == [], entry.summary
