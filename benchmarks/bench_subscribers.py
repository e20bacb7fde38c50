"""Benchmark: import 100,000 subscribers from a CSV file, then compute a segment's audience
over them, on SQLite. Prints the wall times (goals: import < 20 s, audience < 0.5 s).

    .venv/bin/python benchmarks/bench_subscribers.py [--rows 100000] [--database-url URL]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from newsletter.app import build
from newsletter.demo.people import csv_text, people, row
from newsletter.secrets import Secrets
from newsletter.settings import load_settings, validate_settings
from subscribers.audience import audience, count_audience
from subscribers.consent import Consent
from subscribers.importing import import_csv

ROOT = Path(__file__).resolve().parent.parent
SEGMENT = "education-hors-elus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = load_settings(ROOT / "config.toml", environ={}).model_dump(exclude={"path"})
        base["database"] = {"url": options.database_url or f"sqlite:///{tmp}/bench.db"}
        settings = validate_settings(base, ROOT / "config.toml")
        secrets = Secrets(("b" * 40,), "p" * 40)
        app = build(settings, environ={})
        app.secrets = secrets
        app.database.migrate()
        started = time.perf_counter()
        data = csv_text(row(person) for person in people(options.rows)).encode("cp1252")
        print(f"Generated a {len(data) / 1e6:.1f} MB file of {options.rows} rows "
              f"in {time.perf_counter() - started:.1f} s")  # fmt: skip

        started = time.perf_counter()
        with app.database.session() as session:
            report = import_csv(
                app.subscriber_store(session), data, "lettre",
                Consent("import", "2026-01", "benchmark"), settings.classification.themes,
            )  # fmt: skip
        imported = time.perf_counter() - started
        print(f"Import of {options.rows} rows: {imported:.2f} s "
              f"({report.created} created; goal < 20 s)")  # fmt: skip

        for attempt in ("first", "second"):
            with app.database.session() as session:
                segment = app.segments(session).get(SEGMENT)
                started = time.perf_counter()
                total = count_audience(session, "lettre", segment)
                counted = time.perf_counter() - started
                started = time.perf_counter()
                recipients = sum(1 for _ in audience(session, "lettre", segment))
                listed = time.perf_counter() - started
            print(f"Audience of segment {SEGMENT!r} ({attempt} run): count {total} in "
                  f"{counted:.3f} s, {recipients} recipients read in {listed:.3f} s "
                  "(goal < 0.5 s)")  # fmt: skip
        app.close()


if __name__ == "__main__":
    main()
