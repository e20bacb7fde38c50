"""Benchmark: a 400,000-row subscriber import on SQLite while the rest of Lettre works.

Beside `newsletter subscribers import` (its own process), `newsletter fetch` runs in a loop
(processes), the API receives an item every 0.2 s (`newsletter serve`, its own process) and
the scheduler runs every job every few seconds (accelerated, in this process). Prints how
long each of them waited at worst and whether any failed (goal: none fails; they may
wait while the import writes).

    .venv/bin/python benchmarks/bench_import_concurrency.py [--rows 400000]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
import tomli_w

from jobs.runner import Runner
from newsletter.accounts.store import AccountStore
from newsletter.app import App, build
from newsletter.demo.feed_server import serve_samples
from newsletter.demo.people import csv_text, people, row
from newsletter.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
NEWSLETTER = Path(sys.executable).with_name("newsletter")
ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
    "NEWSLETTER_SECRET_KEYS": "k" * 40, "NEWSLETTER_SUPPRESSION_PEPPER": "p" * 40,
    "NEWSLETTER_WEB_SECRET": "w" * 40,
}  # fmt: skip


@dataclass
class Activity:
    """Durations of one kind of operation during the import, and its failures."""

    name: str
    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        if not self.seconds:
            return f"{self.name}: no run"
        median = statistics.median(self.seconds)
        return (f"{self.name}: {len(self.seconds)} runs, median {median:.2f} s, "
                f"longest {max(self.seconds):.2f} s, {len(self.failures)} failed"
                + (f" (first: {self.failures[0][:200]})" if self.failures else ""))  # fmt: skip


def repeat(
    activity: Activity, stop: threading.Event, step: Callable[[], str], pause: float
) -> None:
    """Run ``step`` until ``stop``; ``step`` returns "" or what went wrong."""
    while not stop.is_set():
        started = time.perf_counter()
        try:
            problem = step()
        except Exception as exc:  # a failure is what this benchmark counts
            problem = f"{type(exc).__name__}: {exc}"
        activity.seconds.append(time.perf_counter() - started)
        if problem:
            activity.failures.append(problem)
        stop.wait(pause)


class JobOutcomes(logging.Handler):
    """The scheduler's `job=… duration_s=… outcome=…` lines, as an Activity per job."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.jobs: dict[str, Activity] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if not isinstance(record.args, tuple) or not str(record.msg).startswith("job="):
            return
        name, duration = str(record.args[0]), float(record.args[1])  # type: ignore[arg-type]
        activity = self.jobs.setdefault(name, Activity(f"scheduler job {name}"))
        activity.seconds.append(duration)
        if "outcome=error" in str(record.msg):
            activity.failures.append(str(record.args[2]))


def configure(folder: Path, feeds_url: str, port: int) -> Path:
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    for source in data["sources"]:
        source["url"] = source["url"].replace("http://127.0.0.1:8765", feeds_url)
    data["database"] = {"url": f"sqlite:///{folder}/lettre.db"}
    data["rendering"]["templates"] = str(ROOT / data["rendering"]["templates"])
    data["transport"] = {"kind": "maildir", "maildir_path": str(folder / "outbox")}
    data["organisation"]["public_url"] = f"http://127.0.0.1:{port}"
    path = folder / "config.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def newsletter(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(NEWSLETTER), "--config", str(config), *args], env=ENV,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


def api_token(app: App) -> str:
    with app.database.session() as session:
        accounts = AccountStore(session)
        accounts.add("redaction@exemple.fr", "editor", "mot de passe assez long", "Rédaction")
        return accounts.create_token("redaction@exemple.fr", "benchmark")


def start_web(config: Path, port: int) -> subprocess.Popen[str]:
    server = subprocess.Popen([str(NEWSLETTER), "--config", str(config), "serve", "--port",
                               str(port)], env=ENV, text=True, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the web server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--port", type=int, default=8731)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, serve_samples(date.today()) as feeds:
        folder = Path(tmp)
        config = configure(folder, feeds.base_url, options.port)
        assert newsletter(config, "init").returncode == 0
        app = build(load_settings(config, environ={}), ENV)
        token = api_token(app)
        started = time.perf_counter()
        contacts = folder / "contacts.csv"
        contacts.write_text(csv_text(row(p) for p in people(options.rows)), encoding="utf-8")
        print(f"Generated {options.rows} rows in {time.perf_counter() - started:.1f} s")
        web = start_web(config, options.port)
        jobs = JobOutcomes()
        logging.getLogger("lettre").addHandler(jobs)
        logging.getLogger("lettre").setLevel(logging.INFO)
        logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "skipped: … running"
        stop, stop_scheduler = threading.Event(), threading.Event()
        api, fetch = Activity("API item writes"), Activity("newsletter fetch")
        client = httpx.Client(base_url=f"http://127.0.0.1:{options.port}/api/v1", timeout=120,
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        pushed = iter(range(10**9))

        def push() -> str:
            number = next(pushed)
            item = {"id": f"bench-{number}", "kind": "actualite", "title": f"Actualité {number}",
                    "url": f"https://exemple.fr/actualites/{number}"}  # fmt: skip
            answer = client.post("/items", json=item)
            return "" if answer.status_code == 201 else f"{answer.status_code} {answer.text}"

        def fetch_once() -> str:
            result = newsletter(config, "fetch")
            failed = [line for line in result.stdout.splitlines() if "impossible" in line]
            return (
                "" if result.returncode == 0 and not failed else result.stderr + "\n".join(failed)
            )

        threads = [
            threading.Thread(target=repeat, args=(api, stop, push, 0.2)),
            threading.Thread(target=repeat, args=(fetch, stop, fetch_once, 0.5)),
            threading.Thread(target=Runner(app).serve, args=(stop_scheduler, True)),
        ]
        for thread in threads:
            thread.start()
        time.sleep(3)  # everyone at work before the import starts
        started = time.perf_counter()
        imported = newsletter(config, "subscribers", "import", str(contacts), "--list", "lettre",
                              "--source", "benchmark")  # fmt: skip
        took = time.perf_counter() - started
        time.sleep(2)
        stop.set()
        stop_scheduler.set()
        for thread in threads:
            thread.join(120)
        web.terminate()
        web.wait(30)
        client.close()
        app.close()
        print(f"Import of {options.rows} rows beside fetch, API writes and the scheduler: "
              f"{took:.1f} s, exit code {imported.returncode}"
              + (f" ({imported.stderr.strip()})" if imported.returncode else ""))  # fmt: skip
        for activity in [api, fetch, *jobs.jobs.values()]:
            print(activity.line())
        failed = sum(len(activity.failures) for activity in [api, fetch, *jobs.jobs.values()])
        print(f"Goal: no failure beside the import — {failed} failure(s).")


if __name__ == "__main__":
    main()
