"""Benchmark: cold fetch of 40 local feeds × 200 items with 300 ms latency, then a warm
re-fetch where every feed answers 304. Prints both wall times (goal: < 5 s and < 0.5 s).

    .venv/bin/python benchmarks/bench_fetch.py [--feeds 40] [--items 200] [--latency 0.3]
                                               [--postgres SERVER_URL]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from newsletter.db import Database, scratch_schema
from newsletter.demo.feed_server import FeedServer
from newsletter.settings import Settings, load_settings, validate_settings
from newsletter.sources.pipeline import gather

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = (
    "<p>Le centre social accompagne les habitants du quartier dans leurs démarches "
    "d'accès aux droits, propose des ateliers parents enfants et un accompagnement à la "
    "scolarité. <a href='https://exemple.fr/en-savoir-plus'>En savoir plus</a></p>"
    "<script>alert('x')</script><p>Rencontre ouverte aux professionnels et aux élus "
    "de la Seine-Saint-Denis, sur inscription.</p>"
)


def feed(number: int, items: int) -> bytes:
    start = datetime(2026, 11, 1, 9, tzinfo=UTC)
    entries = "".join(
        f"<item><title>Action {number}-{index} : insertion, logement et parentalité</title>"
        f"<link>https://partenaire{number}.exemple.fr/actions/{index}</link>"
        f"<guid isPermaLink='false'>p{number}-{index}</guid>"
        f"<pubDate>{format_datetime(start - timedelta(hours=index))}</pubDate>"
        f"<description>{escape(SUMMARY)}</description></item>"
        for index in range(items)
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>Partenaire {number}</title><link>https://partenaire{number}.exemple.fr/</link>"
        f"<description>Flux</description>{entries}</channel></rss>"
    ).encode()


def settings_for(server: FeedServer, feeds: int, database_url: str) -> Settings:
    base = load_settings(ROOT / "config.toml", environ={}).model_dump(exclude={"path"})
    base["sources"] = [
        {"key": f"p{n}", "name": f"Partenaire {n}", "url": f"{server.base_url}/{n}.rss"}
        for n in range(feeds)
    ]
    base["database"] = {"url": database_url}
    return validate_settings(base, ROOT / "config.toml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=40)
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.3)
    parser.add_argument(
        "--postgres", metavar="SERVER_URL", default="",
        help="run on PostgreSQL, in a scratch schema of this server",
    )  # fmt: skip
    args = parser.parse_args()
    with ExitStack() as stack:
        server = stack.enter_context(FeedServer(latency=args.latency))
        for n in range(args.feeds):
            server.add(f"/{n}.rss", "application/rss+xml", feed(n, args.items))
        if args.postgres:
            url = stack.enter_context(scratch_schema(args.postgres))
        else:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bench.db"
        database = Database(url)
        database.migrate()
        settings = settings_for(server, args.feeds, url)
        started = time.perf_counter()
        cold = gather(settings, database)
        cold_s = time.perf_counter() - started
        started = time.perf_counter()
        warm = gather(settings, database)
        warm_s = time.perf_counter() - started
        database.dispose()
    stored = sum(report.saved.new for report in cold)
    assert all(report.ok for report in cold), [r.error for r in cold if not r.ok]
    assert all(report.not_modified for report in warm)
    print(f"backend: {database.dialect}; {args.feeds} feeds × {args.items} items, "
          f"latency {args.latency * 1000:.0f} ms")  # fmt: skip
    print(f"cold fetch: {cold_s:.2f} s ({stored} items stored; goal < 5 s)")
    print(f"warm fetch (all 304): {warm_s:.3f} s (goal < 0.5 s)")


if __name__ == "__main__":
    main()
