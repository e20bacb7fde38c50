"""Benchmark: import 100,000 subscribers from a CSV file, then compute a segment's audience
over them, on SQLite and on PostgreSQL in one run. Prints the wall times (goals: import
< 20 s, audience < 0.5 s) and how long the import's write step held the write lock.

    .venv/bin/python benchmarks/bench_subscribers.py [--rows 100000] [--postgres SERVER_URL]

``--postgres`` names a server (default: the local test server); the benchmark works in a
schema of its own there, dropped afterwards. ``--postgres ''`` runs SQLite only.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from newsletter.app import build
from newsletter.db import scratch_schema
from newsletter.demo.people import csv_text, people, row
from newsletter.secrets import Secrets
from newsletter.settings import load_settings, validate_settings
from subscribers.audience import audience, count_audience
from subscribers.consent import Consent
from subscribers.importing import import_csv

ROOT = Path(__file__).resolve().parent.parent
SEGMENT = "education-hors-elus"
LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def bench(engine: str, url: str, data: bytes, rows: int) -> None:
    base = load_settings(ROOT / "config.toml", environ={}).model_dump(exclude={"path"})
    settings = validate_settings(base | {"database": {"url": url}}, ROOT / "config.toml")
    app = build(settings, environ={})
    app.secrets = Secrets(("b" * 40,), "p" * 40)
    app.database.migrate()
    calls: list[float] = []
    started = time.perf_counter()
    with app.database.session() as session:
        report = import_csv(
            app.subscriber_store(session), data, "lettre",
            Consent("import", "2026-01", "benchmark"), settings.classification.themes,
            on_progress=lambda done, total: calls.append(time.perf_counter()),
        )  # fmt: skip
    imported = time.perf_counter() - started
    locked = time.perf_counter() - calls[-2]  # from the last rows staged to the commit
    print(f"{engine}: import of {rows} rows: {imported:.2f} s ({report.created} created; "
          f"goal < 20 s), of which the write step {locked:.2f} s")  # fmt: skip
    for attempt in ("first", "second"):
        with app.database.session() as session:
            segment = app.segments(session).get(SEGMENT)
            started = time.perf_counter()
            total = count_audience(session, "lettre", segment)
            counted = time.perf_counter() - started
            started = time.perf_counter()
            recipients = sum(1 for _ in audience(session, "lettre", segment))
            listed = time.perf_counter() - started
        print(f"{engine}: audience of segment {SEGMENT!r} ({attempt} run): count {total} in "
              f"{counted:.3f} s, {recipients} recipients read in {listed:.3f} s "
              "(goal < 0.5 s)")  # fmt: skip
    app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="SERVER_URL", default=LOCAL_POSTGRES)
    options = parser.parse_args()
    started = time.perf_counter()
    data = csv_text(row(person) for person in people(options.rows)).encode("cp1252")
    print(f"Generated a {len(data) / 1e6:.1f} MB file of {options.rows} rows "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        bench("SQLite", f"sqlite:///{tmp}/bench.db", data, options.rows)
        if options.postgres:
            url = stack.enter_context(scratch_schema(options.postgres))
            bench("PostgreSQL", url, data, options.rows)


if __name__ == "__main__":
    main()
