"""What the gathering tests share: partners' documents served by a real local HTTP server
(``FeedServer``) and gathered into the test database by the real pipeline."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from newsletter.content.models import Item
from newsletter.db import Database
from newsletter.demo.feed_server import FeedServer
from newsletter.settings import Settings
from newsletter.sources.models import Source
from newsletter.sources.pipeline import SourceReport, gather

RSS_TYPE = "application/rss+xml; charset=utf-8"
ICS_TYPE = "text/calendar; charset=utf-8"
EV = "http://purl.org/rss/1.0/modules/event/"


def rss(*items: str, link: str = "https://partenaire.exemple.fr/", head: str = "") -> bytes:
    """An RSS 2.0 feed of ``items`` (see :func:`item`); ``head`` goes before ``<rss>``."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{head}\n'
        f'<rss version="2.0" xmlns:ev="{EV}"><channel><title>Partenaire</title>'
        f"<link>{link}</link><description>Actualités</description>\n"
        + "\n".join(items)
        + "\n</channel></rss>"
    ).encode()


def item(title: str, guid: str = "", link: str = "", date: str = "", body: str = "",
         extra: str = "") -> str:  # fmt: skip
    """One RSS ``<item>``; empty parts are left out."""
    parts = [f"<title>{title}</title>"]
    if link:
        parts.append(f"<link>{link}</link>")
    if guid:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if date:
        parts.append(f"<pubDate>{date}</pubDate>")
    if body:
        parts.append(f"<description>{body}</description>")
    return "<item>" + "".join(parts) + extra + "</item>"


def calendar(*events: str) -> bytes:
    """An iCalendar document (CRLF lines) of VEVENT bodies, with Paris's VTIMEZONE."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Partenaire//Agenda//FR",
             *PARIS_VTIMEZONE]  # fmt: skip
    for event in events:
        lines += ["BEGIN:VEVENT", *event.strip().splitlines(), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(line.strip() for line in lines) + "\r\n").encode()


PARIS_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Paris
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE""".splitlines()


class Partners:
    """Partners publishing on one local server; ``gather()`` runs the real pipeline."""

    def __init__(
        self, server: FeedServer, database: Database, make_settings: Callable[..., Settings],
        fetch: dict[str, Any],
    ) -> None:  # fmt: skip
        self.server, self.database, self.make_settings = server, database, make_settings
        self.fetch = fetch
        self.sources: dict[str, dict[str, Any]] = {}

    def publish(self, key: str, body: bytes, content_type: str = RSS_TYPE,
                **source: Any) -> None:  # fmt: skip
        """Serve ``body`` as source ``key`` (declared on first use; ``type="ical"``…)."""
        self.server.add(f"/{key}", content_type, body)
        self.sources.setdefault(
            key, {"key": key, "name": f"Partenaire {key}", "url": self.server.url(f"/{key}"),
                  **source},
        )  # fmt: skip

    @property
    def settings(self) -> Settings:
        return self.make_settings(sources=list(self.sources.values()), fetch=self.fetch)

    def gather(self) -> dict[str, SourceReport]:
        return {report.key: report for report in gather(self.settings, self.database)}

    def items(self) -> list[Item]:
        """Every stored item, oldest first (their sources loaded)."""
        with self.database.session() as session:
            return list(session.scalars(sa.select(Item).order_by(Item.id)))

    def items_by_source(self) -> dict[str, list[Item]]:
        """Stored items by the key of their reference source, oldest first."""
        with self.database.session() as session:
            keys = {source.id: source.key for source in session.scalars(sa.select(Source))}
        found: dict[str, list[Item]] = {key: [] for key in self.sources}
        for stored in self.items():
            found[keys[stored.sources[0].source_id]].append(stored)
        return found


@contextmanager
def partners(
    database: Database, make_settings: Callable[..., Settings], **fetch: Any
) -> Iterator[Partners]:
    with FeedServer() as server:
        yield Partners(server, database, make_settings, fetch)
