"""Benchmark: the statistics pages on a big history, on SQLite and PostgreSQL.

Fills a database with 100,000 subscribers (the sample people, through the import: all on
the Lettre, one in five on the Réaap, one in seven on the Clas), their subscriptions spread
over five years with departures and bounces, and five years of bimonthly editions of the
three newsletters with their deliveries ledgers (each edition sent to everyone subscribed
before it), bounce events, sources and items. Each edition's figures are counted as the end
of its send counts them. Then starts the real server (`newsletter serve`) and, logged in as
an editor over HTTP, requests the Lettre's stats page (this year and a past one), the
yearly report and the dashboard. Prints the medians (goal: < 300 ms each).

    .venv/bin/python benchmarks/bench_stats.py [--rows 100000] [--years 5] [--repeat 20]
        [--postgres SERVER_URL]

``--postgres ''`` runs SQLite only; otherwise the benchmark works in a schema of its own on
that server (default: the local test server), dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa
from bench_backoffice import (
    EDITOR,
    ENVIRON,
    LOCAL_POSTGRES,
    PASSWORD,
    configure,
    csrf,
    free_port,
    server,
    timed,
)

from newsletter.accounts.permissions import OPERATOR
from newsletter.accounts.store import AccountStore
from newsletter.app import App, build
from newsletter.content.models import Item, ItemSource
from newsletter.db import changed_rows, scratch_schema, utcnow
from newsletter.demo.people import csv_text, people, row
from newsletter.dispatch.ledger import Delivery
from newsletter.editions.models import Edition, EditionItem
from newsletter.settings import load_settings
from newsletter.sources.models import Source
from newsletter.statistics.editions import record
from subscribers.models import BounceEvent, Subscriber, Subscription

NEWSLETTERS = {"lettre": "lettre", "reaap": "reaap", "clas": "clas"}
SOURCES, ITEMS_PER_MONTH, ITEMS_PER_EDITION = 20, 10, 30


def _subscriptions(app: App, start: datetime, now: datetime) -> None:
    """Spread the subscriptions over the years; one in ten left, one in fifty bounced."""
    rng = random.Random(18)
    span = (now - start).total_seconds()
    with app.database.session() as session:
        rows = session.execute(sa.select(Subscription.id, Subscription.subscriber_id)).all()
        changes = []
        for subscription_id, subscriber_id in rows:
            joined = start + timedelta(seconds=rng.random() * span * 0.95)
            change = {"id": subscription_id, "created_at": joined, "confirmed_at": joined}
            if subscriber_id % 10 == 0:
                left = joined + timedelta(seconds=rng.random() * (now - joined).total_seconds())
                change |= {"status": "unsubscribed", "unsubscribed_at": left}
            changes.append(change)
        session.execute(sa.update(Subscription), changes)
        bounced = [subscriber_id for (subscriber_id,) in session.execute(
            sa.select(Subscriber.id).where(Subscriber.id % 50 == 1))]  # fmt: skip
        session.execute(sa.update(Subscriber).where(Subscriber.id.in_(bounced))
                        .values(status="bounced"))  # fmt: skip
        events = [{"subscriber_id": subscriber_id, "kind": "hard" if n % 3 else "soft",
                   "received_at": start + timedelta(seconds=rng.random() * span),
                   "message_id": f"<b{n}@bench>", "status_code": "5.1.1", "diagnostic": "",
                   "score": 0.0, "effect": ""}
                  for n, subscriber_id in enumerate(bounced * 3)]  # fmt: skip
        session.execute(sa.insert(BounceEvent), events)


def _editions(app: App, start: datetime, now: datetime) -> list[int]:
    """Bimonthly editions of each newsletter, each with its ledger written by one
    INSERT … SELECT (everyone subscribed to its list before it)."""
    ids = []
    with app.database.session() as session:
        for key, list_key in NEWSLETTERS.items():
            number, when = 1, start + timedelta(days=14)
            while when < now - timedelta(days=10):
                edition = Edition(newsletter=key, number=number, state="sent", send_at=when,
                                  next_send_at=when + timedelta(days=61), sent_at=when,
                                  period=f"n° {number}", subject=f"{key} {number}")  # fmt: skip
                session.add(edition)
                session.flush()
                later = when + timedelta(minutes=42)
                status = sa.case((Subscription.subscriber_id % 97 == 0, "failed"), else_="sent")
                recipients = (
                    sa.select(sa.literal(edition.id), Subscription.subscriber_id,
                              sa.literal(""), Subscriber.format, status,
                              sa.case((Subscription.subscriber_id % 13 == 0, 1), else_=0),
                              sa.literal(""), sa.literal(""),
                              sa.case((Subscription.subscriber_id % 97 == 0, None),
                                      (Subscription.subscriber_id % 2 == 0, later),
                                      else_=when))
                    .join(Subscriber, Subscriber.id == Subscription.subscriber_id)
                    .where(Subscription.list_key == list_key, Subscription.created_at < when)
                )  # fmt: skip
                columns = ("edition_id", "subscriber_id", "variant", "format", "status",
                           "attempts", "claimed_by", "reason", "sent_at")  # fmt: skip
                insert = sa.insert(Delivery).from_select(columns, recipients)
                changed_rows(session.execute(insert.execution_options(preserve_rowcount=True)))
                ids.append(edition.id)
                number, when = number + 1, when + timedelta(days=61)
    return ids


def _sources(app: App, start: datetime, now: datetime, editions: list[int]) -> None:
    rng = random.Random(4)
    with app.database.session() as session:
        sources = [Source(key=f"partenaire{n}", name=f"Partenaire {n}",
                          url=f"https://p{n}.exemple.fr/flux", failure_streak=n % 4)
                   for n in range(SOURCES)]  # fmt: skip
        session.add_all(sources)
        session.flush()
        months = int((now - start).days / 30.4)
        items = []
        for month in range(months):
            for n in range(ITEMS_PER_MONTH * SOURCES):
                seen = start + timedelta(days=30.4 * month + rng.random() * 30)
                item = Item(kind="actualite", title=f"Élément {month}-{n}",
                            dedup_key=f"{month}-{n}", published_at=seen, content_hash="x",
                            first_seen_at=seen)  # fmt: skip
                item.sources = [ItemSource(source_id=rng.choice(sources).id,
                                           guid=f"{month}-{n}", first_seen_at=seen)]  # fmt: skip
                items.append(item)
        session.add_all(items)
        session.flush()
        session.add_all(
            EditionItem(edition_id=edition_id, item_id=item.id, section="actualites",
                        position=position, item_revision=1)
            for edition_id in editions
            for position, item in enumerate(rng.sample(items, ITEMS_PER_EDITION))
        )  # fmt: skip


def fill(config: Path, rows: int, years: int) -> None:
    environ = {**os.environ, **ENVIRON}
    app = build(load_settings(config, environ), environ)
    app.database.migrate()
    now = utcnow()
    start = datetime(now.year - years, now.month, 1, tzinfo=UTC)
    started = time.perf_counter()
    audience = people(rows, seed=93)
    for list_key, step in (("lettre", 1), ("reaap", 5), ("clas", 7)):
        data = csv_text(row(person) for person in audience[::step]).encode("cp1252")
        app.imports.run(OPERATOR, data, list_key, "benchmark")
    _subscriptions(app, start, now)
    editions = _editions(app, start, now)
    _sources(app, start, now, editions)
    with app.database.session() as session:
        AccountStore(session).add(EDITOR, "editor", PASSWORD, "Rédaction")
        deliveries = session.scalar(sa.select(sa.func.count()).select_from(Delivery))
        if app.database.dialect == "postgresql":
            session.execute(sa.text("ANALYZE"))
    print(f"  filled in {time.perf_counter() - started:.1f} s: {rows} people, "
          f"{len(editions)} editions, {deliveries} ledger rows")  # fmt: skip
    counted = []
    for edition_id in editions:  # what the end of each send does
        begun = time.perf_counter()
        with app.database.session() as session:
            record(session, edition_id, now)
        counted.append(time.perf_counter() - begun)
    median, slowest = sorted(counted)[len(counted) // 2], max(counted)
    print(f"  each edition's figures counted at the end of its send: median "
          f"{median * 1000:.0f} ms, slowest {slowest * 1000:.0f} ms")  # fmt: skip
    app.close()


def measure(url: str, repeat: int, years: int) -> None:
    year = utcnow().year
    with httpx.Client(base_url=url, timeout=60) as client:
        form = {"csrf_token": csrf(client.get("/editeurs/connexion").text), "email": EDITOR,
                "password": PASSWORD}  # fmt: skip
        assert client.post("/editeurs/connexion", data=form).status_code == 303
        client.get("/editeurs/statistiques/lettre")  # warm the templates
        pages = {
            f"stats page, the Lettre, {year}": f"/editeurs/statistiques/lettre?annee={year}",
            f"stats page, the Lettre, {year - years + 1}":
                f"/editeurs/statistiques/lettre?annee={year - years + 1}",
            f"stats page, the Réaap, {year}": f"/editeurs/statistiques/reaap?annee={year}",
            f"yearly report, the Lettre, {year - 1}":
                f"/editeurs/statistiques/lettre/rapport?annee={year - 1}",
            "dashboard (with the statistics cards)": "/editeurs/",
        }  # fmt: skip
        for label, path in pages.items():
            timed(label, [lambda p=path: client.get(p) for _ in range(repeat)], 0.3)  # type: ignore[misc]


def bench(engine: str, url: str, rows: int, years: int, repeat: int) -> None:
    print(f"{engine}:")
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        config = configure(Path(tmp), url, port)
        fill(config, rows, years)
        with server(config, port) as site:
            measure(site, repeat, years)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--postgres", metavar="SERVER_URL", default=LOCAL_POSTGRES)
    options = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d')} — {options.rows} subscribers, {options.years} years, "
          f"{os.cpu_count()} cores")  # fmt: skip
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        bench("SQLite", f"sqlite:///{tmp}/bench.db", options.rows, options.years, options.repeat)
        if options.postgres:
            url = stack.enter_context(scratch_schema(options.postgres))
            bench("PostgreSQL", url, options.rows, options.years, options.repeat)


if __name__ == "__main__":
    main()
