"""Gathering content from real local HTTP servers: feeds, calendars, failures, dedup."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from newsletter.content.models import Item
from newsletter.db import Database
from newsletter.demo.feed_server import FeedServer, serve_samples
from newsletter.demo.samples import build_sample_feeds
from newsletter.settings import Settings
from newsletter.sources.http import network_error
from newsletter.sources.models import Source
from newsletter.sources.pipeline import SourceReport, gather

TODAY = date(2026, 11, 21)
# Short read and total limits for the hostile sources (slow, drip); connecting to the local
# server is given the project's time, which a loaded machine can need.
FAST = {"connect_timeout": 5.0, "read_timeout": 0.5, "total_timeout": 1.5, "max_bytes": 200_000}

RSS = """<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0"><channel><title>Essai</title><link>https://exemple.fr/</link>
<description>Flux d'essai</description>{items}</channel></rss>"""
ITEM = """<item><title>{title}</title><link>https://exemple.fr/{guid}</link>
<guid isPermaLink="false">{guid}</guid><pubDate>Tue, 10 Nov 2026 10:00:00 +0100</pubDate>
<description>{description}</description></item>"""


def rss(*items: tuple[str, str, str], encoding: str = "utf-8") -> str:
    body = "".join(ITEM.format(guid=g, title=t, description=d) for g, t, d in items)
    return RSS.format(encoding=encoding, items=body)


def source(key: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"key": key, "name": key.capitalize(), "url": url, **extra}


@pytest.fixture
def samples() -> Iterator[FeedServer]:
    with serve_samples(TODAY) as server:
        yield server


@pytest.fixture
def sample_settings(make_settings: Callable[..., Settings], samples: FeedServer) -> Settings:
    """The project's sources, pointed at the local sample server."""
    settings = make_settings()
    declared = [
        source.model_dump() | {"url": source.url.replace("http://127.0.0.1:8765", samples.base_url)}
        for source in settings.sources
    ]
    return make_settings(sources=declared)  # the project's timeouts: nothing here is slow


def by_key(reports: list[SourceReport]) -> dict[str, SourceReport]:
    return {report.key: report for report in reports}


def items(database: Database) -> list[Item]:
    with database.session() as session:
        return list(session.scalars(sa.select(Item).order_by(Item.id)))


def test_sample_feeds_are_gathered(database: Database, sample_settings: Settings) -> None:
    """RSS 1.0/2.0, Atom and iCalendar sources all yield items, on both databases."""
    reports = by_key(gather(sample_settings, database))
    assert all(report.ok for report in reports.values()), reports
    feeds = build_sample_feeds(TODAY)
    assert reports["pb-fiches"].saved.new == feeds["/pb/fiches.rss"][1].count(b"<item>")
    stored = items(database)
    kinds = {item.kind for item in stored}
    assert {"fiche", "actualite", "agenda"} <= kinds
    agenda = [item for item in stored if item.kind == "agenda"]
    assert all(item.starts_at is not None for item in agenda)
    assert any(item.place for item in agenda) and any(item.organiser for item in agenda)
    assert any(item.cancelled for item in agenda)


def test_hostile_html_is_sanitised(database: Database, sample_settings: Settings) -> None:
    """No script, event handler or javascript: URL from a feed is ever stored."""
    gather(sample_settings, database)
    for item in items(database):
        lowered = item.summary.lower()
        assert "<script" not in lowered and "onerror" not in lowered
        assert "javascript:" not in lowered and "<img" not in lowered
    assert any("lien" in item.summary for item in items(database))


def test_relative_links_become_absolute(database: Database, sample_settings: Settings) -> None:
    """Every stored item link is an absolute http(s) URL."""
    gather(sample_settings, database)
    links = [item.url for item in items(database) if item.url]
    assert links and all(link.startswith(("http://", "https://")) for link in links)


def test_french_pub_dates_are_understood(database: Database, sample_settings: Settings) -> None:
    """A feed whose dates are written in French gets its real dates, not the fetch time."""
    gather(sample_settings, database)
    with database.session() as session:
        row = session.scalars(sa.select(Source).where(Source.key == "reaap")).one()
        reaap = [i for i in items(database) if i.sources[0].source_id == row.id]
    assert len(reaap) >= 3
    ages = {(TODAY - item.published_at.date()).days for item in reaap}
    assert len(ages) == len(reaap) and all(age >= 0 for age in ages)


def test_event_announced_twice_is_one_item(database: Database, sample_settings: Settings) -> None:
    """The same event in two partners' agendas is stored once, crediting both sources, with
    the reason of the merge recorded."""
    reports = by_key(gather(sample_settings, database))
    assert reports["partenaires-agenda"].saved.merged == 1
    shared = [item for item in items(database) if item.kind == "agenda" and len(item.sources) == 2]
    assert len(shared) == 1
    assert shared[0].sources[1].merge_reason == (
        "même titre et même début, lieu et organisateur compatibles"
    )


def test_classification_into_networks(database: Database, sample_settings: Settings) -> None:
    """The centres sociaux "Ateliers parents enfants" action lands in the Réaap network."""
    gather(sample_settings, database)
    ateliers = [i for i in items(database) if "ateliers parents enfants" in i.title.lower()]
    assert ateliers and "reaap" in ateliers[0].networks
    scolarite = [i for i in items(database) if i.title.startswith("Accompagnement à la scolarité")]
    assert scolarite and "clas" in scolarite[0].networks and "education" in scolarite[0].themes


def test_second_fetch_is_conditional(database: Database, sample_settings: Settings,
                                     samples: FeedServer) -> None:  # fmt: skip
    """A re-fetch sends the validators back; a 304 means nothing to parse or store."""
    gather(sample_settings, database)
    first = len(items(database))
    again = gather(sample_settings, database)
    assert all(report.not_modified for report in again)
    assert len(items(database)) == first
    conditional = [headers for method, _, headers in samples.requests[-len(again) :]]
    assert all("If-None-Match" in h or "if-none-match" in h for h in conditional)


def _status(code: int) -> Callable[[BaseHTTPRequestHandler], None]:
    def handler(request: BaseHTTPRequestHandler) -> None:
        request.send_response(code)
        request.send_header("Content-Length", "0")
        request.end_headers()

    return handler


def _slow(request: BaseHTTPRequestHandler) -> None:
    time.sleep(3)
    _status(200)(request)


def _drip(request: BaseHTTPRequestHandler) -> None:
    """Sends a byte every 0.3 s: each read is on time, the whole never ends in time."""
    request.send_response(200)
    request.send_header("Content-Type", "application/rss+xml")
    request.end_headers()
    try:
        for _ in range(20):
            request.wfile.write(b" ")
            request.wfile.flush()
            time.sleep(0.3)
    except OSError:
        pass


def _loop(request: BaseHTTPRequestHandler) -> None:
    request.send_response(302)
    request.send_header("Location", request.path)
    request.send_header("Content-Length", "0")
    request.end_headers()


BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'
              for n in range(1, 10))
    + ']><rss version="2.0"><channel><title>&lol9;</title></channel></rss>'
)  # fmt: skip


@pytest.fixture
def hostile(make_settings: Callable[..., Settings]) -> Iterator[tuple[FeedServer, Settings]]:
    good = rss(("g1", "Une fiche qui va bien", "<p>Insertion et emploi</p>"))
    with FeedServer() as server:
        server.add("/good.rss", "application/rss+xml", good.encode())
        server.add("/html", "text/html", b"<!doctype html><html><body><p>Accueil</p></body></html>")
        server.add("/truncated.rss", "application/rss+xml", good.encode()[:-60])
        server.add("/huge.rss", "application/rss+xml", b"<rss>" + b" " * 300_000 + b"</rss>")
        server.add("/bomb.rss", "application/rss+xml", BOMB.encode())
        server.add("/bad.ics", "text/calendar", b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:bad")
        server.add_handler("/500", _status(500))
        server.add_handler("/slow", _slow)
        server.add_handler("/drip", _drip)
        server.add_handler("/loop", _loop)
        names = ["good.rss", "html", "truncated.rss", "huge.rss", "500", "slow", "drip", "loop"]
        declared = [source(n.split(".")[0], f"{server.base_url}/{n}") for n in names]
        declared.append(source("bomb", f"{server.base_url}/bomb.rss"))
        declared.append(source("bad-ics", f"{server.base_url}/bad.ics", type="ical"))
        declared.append(source("refused", "http://127.0.0.1:9/feed"))
        yield server, make_settings(sources=declared, fetch=FAST)


def test_failing_sources_are_recorded_and_skipped(
    database: Database, hostile: tuple[FeedServer, Settings]
) -> None:
    """Each failing source gets a clear error; the good one is stored all the same."""
    _, settings = hostile
    started = time.perf_counter()
    reports = by_key(gather(settings, database))
    assert time.perf_counter() - started < 10  # bounded by the timeouts, not by the drip
    assert reports["good"].ok and reports["good"].saved.new == 1
    expected = {
        "html": "pas un flux RSS ou Atom",
        "truncated": "(document tronqué) : aucune entrée complète",
        "huge": "trop volumineux",
        "500": "HTTP 500",
        "slow": "délai de lecture dépassé",
        "drip": "délai dépassé",
        "loop": "trop de redirections",
        "refused": "connexion impossible : connexion refusée",
        "bad-ics": "iCalendar",
    }
    for key, fragment in expected.items():
        assert fragment in reports[key].error, (key, reports[key].error)
    assert [item.title for item in items(database)] == ["Une fiche qui va bien"]


def only(settings: Settings, *keys: str) -> Settings:
    """The same settings with only some of the sources (without the slow ones)."""
    kept = tuple(source for source in settings.sources if source.key in keys)
    return settings.model_copy(update={"sources": kept})


def test_entity_bomb_does_not_expand(
    database: Database, hostile: tuple[FeedServer, Settings]
) -> None:
    """A billion-laughs feed neither hangs nor stores a giant expanded title."""
    settings = only(hostile[1], "good", "bomb")
    report = by_key(gather(settings, database))["bomb"]
    assert "entités XML" in report.error
    assert all(len(item.title) <= 500 for item in items(database))


def test_failure_streak_is_visible(
    database: Database, hostile: tuple[FeedServer, Settings]
) -> None:
    """Repeated failures add up in the source's streak; a success resets it."""
    settings = only(hostile[1], "good", "500")
    gather(settings, database)
    gather(settings, database)
    with database.session() as session:
        rows = {row.key: row for row in session.scalars(sa.select(Source))}
    assert rows["500"].failure_streak == 2 and rows["500"].last_error
    assert rows["good"].failure_streak == 0 and rows["good"].last_success_at


def test_misdeclared_encoding_is_read_correctly(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    """A feed that says UTF-8 but is Windows-1252 is read with its accents, and flagged."""
    body = rss(("e1", "Élus et égalité des chances", "<p>Réunion à Bobigny</p>")).encode("cp1252")
    with FeedServer() as server:
        server.add("/latin.rss", "application/rss+xml; charset=utf-8", body)
        settings = make_settings(sources=[source("latin", f"{server.base_url}/latin.rss")])
        report = gather(settings, database)[0]
    assert report.ok and report.warnings
    assert items(database)[0].title == "Élus et égalité des chances"


def test_updates_are_kept_as_updates(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    """A moved then cancelled event stays one item, with its history of changes."""
    feeds = build_sample_feeds(TODAY)
    later = build_sample_feeds(TODAY + timedelta(days=7))
    content_type, calendar = feeds["/pb/agenda.ics"]
    with FeedServer() as server:
        server.add("/agenda.ics", content_type, calendar)
        settings = make_settings(
            sources=[source("agenda", f"{server.base_url}/agenda.ics", type="ical")]
        )
        gather(settings, database)
        before = {item.guid: item for item in items(database)}
        moved = later["/pb/agenda.ics"][1].replace(b"STATUS:CONFIRMED", b"STATUS:CANCELLED")
        server.add("/agenda.ics", content_type, moved)
        report = gather(settings, database)[0]
    after = {item.guid: item for item in items(database)}
    assert after.keys() == before.keys()
    assert report.saved.new == 0 and report.saved.updated == len(before)
    guid, item = next(iter(after.items()))
    assert item.revision == 2
    assert item.starts_at == before[guid].starts_at + timedelta(days=7)
    with database.session() as session:
        changes = session.get(Item, item.id).changes
        assert "starts_at" in changes[0].fields


def test_editor_override_survives_updates(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    """Themes an editor set by hand are not replaced by a later classification."""
    from newsletter.content.store import ItemStore

    with FeedServer() as server:
        server.add("/f.rss", "application/rss+xml",
                   rss(("o1", "Emploi des jeunes", "<p>Insertion</p>")).encode())  # fmt: skip
        settings = make_settings(sources=[source("f", f"{server.base_url}/f.rss")])
        gather(settings, database)
        item_id = items(database)[0].id
        with database.session() as session:
            ItemStore(session).override(
                item_id, settings.classification, themes=["habitat"], networks=["reaap"]
            )
        changed = rss(("o1", "Emploi des jeunes (modifié)", "<p>Insertion</p>"))
        server.add("/f.rss", "application/rss+xml", changed.encode())
        gather(settings, database)
    item = items(database)[0]
    assert item.title == "Emploi des jeunes (modifié)"
    assert item.themes == ["habitat"] and item.networks == ["reaap"]


def test_duplicate_action_in_one_feed_is_stored_once(
    database: Database, sample_settings: Settings
) -> None:
    """The centres sociaux feed lists "Ateliers parents enfants" twice (same title, same
    text, same day, two addresses): one item results, both announcements credited."""
    reports = by_key(gather(sample_settings, database))
    assert reports["centres-sociaux"].saved.merged == 1
    ateliers = [i for i in items(database) if "ateliers parents enfants" in i.title.lower()]
    assert len(ateliers) == 1
    assert ateliers[0].sources[1].merge_reason == "même titre et même texte, publiés le même jour"


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (httpx.ConnectError("[Errno -2] Name or service not known"), "nom de domaine introuvable"),
        (httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed"),
         "certificat TLS refusé"),
        (httpx.ConnectTimeout("timed out"), "délai de connexion dépassé"),
        (httpx.ReadTimeout("timed out"), "délai de lecture dépassé"),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."),
         "connexion interrompue par le serveur"),
        (httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'"),
         "adresse du flux invalide"),
    ],
)  # fmt: skip
def test_network_failures_are_said_in_french(error: httpx.HTTPError, said: str) -> None:
    """What the HTTP client reports (DNS, TLS, timeouts, cut connections) reaches editors
    in French, without the library's English text."""
    message = network_error(error)
    assert said in message and str(error) not in message
