"""Real-world shapes of partners' feeds (written by us in tests/data/feeds: SPIP, WordPress,
Drupal, Joomla, an OpenAgenda-style iCalendar export) go through gathering as they are,
then damaged the way they get damaged: nothing readable is lost, nothing unsafe is kept."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsletter.content.models import Item
from newsletter.db import Database
from newsletter.settings import Settings
from tests.gathering import ICS_TYPE, Partners, partners

FEEDS = Path(__file__).parent / "data" / "feeds"
SHAPES = {
    "spip": ("spip.rss", "application/rss+xml; charset=utf-8", 3),
    "wordpress": ("wordpress.rss", "application/rss+xml; charset=UTF-8", 3),
    "drupal": ("drupal.rss", "application/rss+xml; charset=utf-8", 2),
    "joomla": ("joomla.atom", "application/atom+xml; charset=utf-8", 2),
    "openagenda": ("openagenda.ics", ICS_TYPE, 3),
}
UNSAFE = ("<script", "<style", "<iframe", "<img", "onerror", "onclick", "javascript:", "data:")


def publish_all(sources: Partners, damage: Callable[[str, bytes], bytes]) -> None:
    for key, (name, content_type, _) in SHAPES.items():
        extra = {"type": "ical", "kind": "agenda"} if key == "openagenda" else {}
        sources.publish(key, damage(key, (FEEDS / name).read_bytes()), content_type, **extra)


def assert_safe(items: list[Item]) -> None:
    for item in items:
        assert item.url == "" or item.url.startswith("https://"), item.url
        lowered = item.summary.lower()
        assert not any(bad in lowered for bad in UNSAFE), (item.title, item.summary)


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
