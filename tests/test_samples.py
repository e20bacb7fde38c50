"""The French sample feeds and the local feed server used by the demo and the tests."""

from __future__ import annotations

import http.client
import re
import time
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import httpx
import icalendar
import pytest

from newsletter.demo.feed_server import FeedServer, serve_samples
from newsletter.demo.samples import build_sample_feeds, load_sample_content
from tests.web.client import http_client, http_get, http_head

TODAY = date(2025, 3, 4)
PARIS = ZoneInfo("Europe/Paris")
CONTENT = {feed["path"]: feed for feed in load_sample_content()["feeds"]}
FORMATS = {
    "/pb/fiches.rss": ("rss2", "application/rss+xml; charset=utf-8"),
    "/pb/actualites.atom": ("atom", "application/atom+xml; charset=utf-8"),
    "/pb/agenda.ics": ("ics", "text/calendar; charset=utf-8"),
    "/partenaires/agenda.ics": ("ics", "text/calendar; charset=utf-8"),
    "/centres-sociaux/actions.rdf": ("rss1", "application/rdf+xml; charset=utf-8"),
    "/reseaux/reaap.rss": ("rss2", "application/rss+xml; charset=utf-8"),
}
HOSTILE = (b"<script>alert(1)</script>", b"<img src=x onerror=alert(1)>", b"javascript:alert(1)")


@pytest.fixture(scope="module")
def feeds() -> dict[str, tuple[str, bytes]]:
    return build_sample_feeds(TODAY)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with serve_samples(TODAY) as running:
        yield running


def events(body: bytes) -> list[icalendar.Event]:
    return icalendar.Calendar.from_ical(body).walk("VEVENT")


def get_in_parallel(client: httpx.Client, url: str, count: int) -> list[int]:
    """GET ``url`` ``count`` times at once, one thread each; the status codes."""
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda _: client.get(url).status_code, range(count)))


def start_day(event: icalendar.Event) -> date:
    start = event["DTSTART"].dt
    return start.date() if isinstance(start, datetime) else start


def normalised(title: str) -> str:
    bare = unicodedata.normalize("NFKD", title.casefold())
    bare = "".join(c for c in bare if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", bare).split())


def test_the_six_feeds_are_provided(feeds: dict[str, tuple[str, bytes]]) -> None:
    """Exactly the agreed paths are served, each in its agreed format and content type."""
    assert feeds.keys() == FORMATS.keys()
    for path, (fmt, content_type) in FORMATS.items():
        assert CONTENT[path]["format"] == fmt
        assert feeds[path][0] == content_type


@pytest.mark.parametrize("path", list(FORMATS))
def test_every_feed_parses_with_its_entries(feeds: dict[str, tuple[str, bytes]], path: str) -> None:
    """Each feed is well-formed (bozo 0 / valid iCalendar) and holds every entry of the file."""
    body = feeds[path][1]
    expected = CONTENT[path]["entries"]
    assert len(expected) >= 5
    if path.endswith(".ics"):
        assert sorted(str(e["UID"]) for e in events(body)) == sorted(e["guid"] for e in expected)
        return
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert len(parsed.entries) == len(expected)
    assert [entry.title for entry in parsed.entries] == [e["title"] for e in expected]


def test_output_is_deterministic() -> None:
    """The same day always gives the same bytes; another day gives other dates."""
    assert build_sample_feeds(TODAY) == build_sample_feeds(TODAY)
    later = build_sample_feeds(TODAY + timedelta(days=1))
    assert all(later[path][1] != body for path, (_, body) in build_sample_feeds(TODAY).items())


def test_dates_are_relative_to_today(feeds: dict[str, tuple[str, bytes]]) -> None:
    """Items are published N days before today at 09:00 Paris; events start N days after."""
    fiche = CONTENT["/pb/fiches.rss"]["entries"][0]
    published = datetime.combine(
        TODAY - timedelta(fiche["published_days_ago"]), datetime.min.time()
    )
    expected = format_datetime(published.replace(hour=9, tzinfo=PARIS))
    assert f"<pubDate>{expected}</pubDate>".encode() in feeds["/pb/fiches.rss"][1]
    first = CONTENT["/pb/agenda.ics"]["entries"][0]
    start = events(feeds["/pb/agenda.ics"][1])[0]["DTSTART"].dt
    assert start.date() == TODAY + timedelta(first["start_in_days"])
    assert start.strftime("%H:%M") == first["start_time"] and start.utcoffset() is not None


def test_agenda_events_are_complete(feeds: dict[str, tuple[str, bytes]]) -> None:
    """Every event carries UID, times, place, organiser, URL, stamps; one PB event is cancelled."""
    for path in ("/pb/agenda.ics", "/partenaires/agenda.ics"):
        for event in events(feeds[path][1]):
            for prop in ("UID", "SUMMARY", "DESCRIPTION", "DTSTART", "DTEND", "LOCATION", "URL"):
                assert str(event[prop]), (path, prop)
            for prop in ("DTSTAMP", "LAST-MODIFIED", "SEQUENCE", "STATUS"):
                assert prop in event, (path, prop)
            assert event["ORGANIZER"].params["CN"] and "<" not in str(event["DESCRIPTION"])
    pb = events(feeds["/pb/agenda.ics"][1])
    assert [str(e["STATUS"]) for e in pb].count("CANCELLED") == 1
    offsets = [(start_day(event) - TODAY).days for event in pb]
    assert min(offsets) >= -10 and max(offsets) <= 80 and min(offsets) < 0
    body = feeds["/pb/agenda.ics"][1]
    assert b"DTSTART;VALUE=DATE:" in body and b"DTSTART;TZID=Europe/Paris:" in body


def test_one_event_is_announced_by_both_agendas(feeds: dict[str, tuple[str, bytes]]) -> None:
    """Exactly one event is in both agendas: same title modulo case/punctuation, same day."""

    def keyed(path: str) -> dict[tuple[str, Any], icalendar.Event]:
        return {(normalised(str(e["SUMMARY"])), start_day(e)): e for e in events(feeds[path][1])}

    pb, partners = keyed("/pb/agenda.ics"), keyed("/partenaires/agenda.ics")
    shared = pb.keys() & partners.keys()
    assert len(shared) == 1
    (key,) = shared
    assert str(pb[key]["UID"]) != str(partners[key]["UID"])
    assert str(pb[key]["URL"]) != str(partners[key]["URL"])
    assert str(pb[key]["SUMMARY"]) != str(partners[key]["SUMMARY"])


def test_centres_sociaux_actions_cover_the_networks(feeds: dict[str, tuple[str, bytes]]) -> None:
    """The "Ateliers parents enfants" action speaks of parentalité; Clas, logement, emploi too."""
    parsed = feedparser.parse(feeds["/centres-sociaux/actions.rdf"][1])
    assert parsed.version == "rss10"
    by_title = {entry.title: entry.summary for entry in parsed.entries}
    ateliers = [s for t, s in by_title.items() if "Ateliers parents enfants" in t]
    assert len(ateliers) == 1 and "parentalité" in ateliers[0]
    text = " ".join(by_title).lower() + " ".join(by_title.values()).lower()
    for words in ("aide aux devoirs", "accompagnement scolaire", "logement", "emploi"):
        assert words in text


def test_reaap_dates_are_written_in_french(feeds: dict[str, tuple[str, bytes]]) -> None:
    """Réaap pubDates are French strings (e.g. "Mardi 4 mars 2025 à 9h00"), not RFC 822."""
    stamps = re.findall(r"<pubDate>(.*?)</pubDate>", feeds["/reseaux/reaap.rss"][1].decode())
    assert len(stamps) == len(CONTENT["/reseaux/reaap.rss"]["entries"])
    assert any(" à " in stamp for stamp in stamps) and any("CET" in stamp for stamp in stamps)
    for stamp in stamps:
        with pytest.raises((TypeError, ValueError)):
            parsedate_to_datetime(stamp)


def test_atom_relative_link_resolves_against_xml_base(feeds: dict[str, tuple[str, bytes]]) -> None:
    """One Atom entry has a relative link, made absolute by the feed's xml:base."""
    body = feeds["/pb/actualites.atom"][1]
    assert b'xml:base="https://www.professionbanlieue.org/"' in body
    assert b'href="/actualites/' in body
    links = [entry.link for entry in feedparser.parse(body).entries]
    assert all(link.startswith("https://www.professionbanlieue.org/") for link in links)


def test_hostile_html_is_served_raw(server: FeedServer) -> None:
    """The hostile snippet reaches the client untouched: sanitising is the pipeline's job."""
    body = http_get(server.url("/pb/actualites.atom")).content
    for fragment in HOSTILE:
        assert body.count(fragment) == 1, fragment


def test_conditional_get_answers_304(server: FeedServer) -> None:
    """200 with a strong ETag and Last-Modified, then 304 with no body for either validator."""
    url = server.url("/pb/fiches.rss")
    first = http_get(url)
    assert first.status_code == 200
    assert first.content == build_sample_feeds(TODAY)["/pb/fiches.rss"][1]
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert re.fullmatch(r'"[0-9a-f]{16,64}"', etag)
    assert first.headers["Content-Length"] == str(len(first.content))
    by_etag = http_get(url, headers={"If-None-Match": etag})
    by_date = http_get(url, headers={"If-Modified-Since": modified})
    for answer in (by_etag, by_date):
        assert answer.status_code == 304 and answer.content == b""
    stale = http_get(url, headers={"If-None-Match": '"autre"', "If-Modified-Since": modified})
    assert stale.status_code == 200
    assert [method for method, _, _ in server.requests] == ["GET"] * 4


def test_unknown_path_is_404(server: FeedServer) -> None:
    """A path with no route answers 404 and is still recorded with its headers."""
    answer = http_get(server.url("/nulle-part.rss"), headers={"X-Essai": "1"})
    assert answer.status_code == 404
    method, path, headers = server.requests[-1]
    assert (method, path) == ("GET", "/nulle-part.rss") and headers["x-essai"] == "1"
    assert "X-ESSAI" in headers and headers.get("host") == f"127.0.0.1:{server.port}"


def test_latency_is_applied_concurrently() -> None:
    """10 parallel requests with 0.3 s latency each finish together, well under 1.5 s."""
    with (
        FeedServer({"/f.rss": ("application/rss+xml", b"<rss/>")}, latency=0.3) as slow,
        http_client(limits=httpx.Limits(max_connections=20)) as client,
    ):
        started = time.perf_counter()
        codes = get_in_parallel(client, slow.url("/f.rss"), 10)
        elapsed = time.perf_counter() - started
    assert codes == [200] * 10
    assert 0.3 <= elapsed < 1.5


def test_many_concurrent_connections_are_served() -> None:
    """120 simultaneous connections are all answered (backlog and one thread per request)."""
    with (
        FeedServer({"/f.rss": ("application/rss+xml", b"<rss/>")}, latency=0.2) as busy,
        http_client(limits=httpx.Limits(max_connections=200)) as client,
    ):
        codes = get_in_parallel(client, busy.url("/f.rss"), 120)
    assert codes == [200] * 120 and len(busy.requests) == 120


def test_keep_alive_serves_several_requests_on_one_connection(server: FeedServer) -> None:
    """HTTP/1.1 keep-alive: three requests, one after another, on the same socket."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    try:
        for path in ("/pb/fiches.rss", "/nulle-part", "/pb/agenda.ics"):
            connection.request("GET", path)
            answer = connection.getresponse()
            assert len(answer.read()) == int(answer.headers["Content-Length"])
            assert answer.version == 11 and not answer.will_close
    finally:
        connection.close()


def test_custom_handlers_and_replaced_routes() -> None:
    """add_handler answers with custom code; add() on a path gives new validators."""

    def broken(request: BaseHTTPRequestHandler) -> None:
        request.send_response(500)
        request.send_header("Content-Length", "0")
        request.end_headers()

    with FeedServer() as custom:
        custom.add_handler("/casse", broken)
        custom.add("/f.rss", "application/rss+xml", b"<rss>1</rss>")
        assert http_get(custom.url("/casse")).status_code == 500
        old = http_get(custom.url("/f.rss")).headers
        custom.add("/f.rss", "application/rss+xml", b"<rss>2</rss>")
        new = http_get(custom.url("/f.rss"), headers={"If-None-Match": old["ETag"]})
        assert new.status_code == 200 and new.content == b"<rss>2</rss>"
        assert new.headers["ETag"] != old["ETag"]
        modified = [parsedate_to_datetime(h["Last-Modified"]) for h in (old, new.headers)]
        assert modified[1] > modified[0]
        assert http_head(custom.url("/f.rss")).content == b""
    with pytest.raises(httpx.TransportError):
        http_get(custom.url("/f.rss"), timeout=1)


def test_no_sample_event_on_a_public_holiday() -> None:
    """A demo run on 2 December puts no rendez-vous on Christmas Day (the Rencontres, 23
    days ahead, move to the 26th)."""
    today = date(2026, 12, 2)
    feeds = build_sample_feeds(today)
    starts = [event["DTSTART"].dt for path in ("/pb/agenda.ics", "/partenaires/agenda.ics")
              for event in events(feeds[path][1])]  # fmt: skip
    days = [start if not isinstance(start, datetime) else start.date() for start in starts]
    assert date(2026, 12, 25) not in days and date(2026, 12, 26) in days
