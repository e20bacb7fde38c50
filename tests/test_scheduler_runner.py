"""The scheduler runner on a real database: runs missed during downtime are coalesced into
one, `--once` runs one job, editors see a held edition, the demo's accelerated run."""

from __future__ import annotations

import email
import email.policy
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from click.testing import CliRunner

from jobs.registry import JOBS
from jobs.runner import Runner
from newsletter.app import App, build
from newsletter.cli import cli
from newsletter.db import Database, utcnow
from newsletter.editions.assembly import assemble
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError
from newsletter.secrets import Secrets
from newsletter.settings import load_settings
from tests import commands
from tests.smtp_server import free_port

PARIS = ZoneInfo("Europe/Paris")


def purge_runs(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for record in caplog.records if record.getMessage().startswith("job=purge "))


def serve_until(app: App, condition: Callable[[], object]) -> None:
    """Run a real scheduler (BackgroundScheduler, job store in the database) in a thread
    until ``condition`` holds (30 s at most), then stop it as SIGTERM would."""
    stop = threading.Event()
    serving = threading.Thread(target=Runner(app).serve, args=(stop,))
    serving.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not condition():
            time.sleep(0.1)
    finally:
        stop.set()
        serving.join(30)


def test_runs_missed_during_downtime_are_coalesced_into_one(
    database: Database, make_settings: Any, app_secrets: Secrets,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """The daily purge, stored by a scheduler that then stayed down for three days, runs
    once when a scheduler comes back (not three times) and is next due at its usual time."""
    purge_at = (utcnow().astimezone(PARIS) + timedelta(hours=12)).strftime("%H:%M")
    settings = make_settings(scheduler={"purge_at": purge_at, "lease_seconds": 3,
                                        "misfire_grace_seconds": 4 * 86400})  # fmt: skip
    app = App(settings, database, app_secrets)
    caplog.set_level(logging.INFO, logger="lettre.jobs")
    store = SQLAlchemyJobStore(engine=database.engine)
    store.start(BackgroundScheduler(timezone=PARIS), "default")  # to read it; never started
    serve_until(app, lambda: store.lookup_job("purge"))
    job = store.lookup_job("purge")
    assert job is not None and purge_runs(caplog) == 0
    job._modify(next_run_time=job.next_run_time - timedelta(days=3))  # three days down
    store.update_job(job)
    serve_until(app, lambda: purge_runs(caplog) and _rescheduled(store))
    assert purge_runs(caplog) == 1
    next_run = _rescheduled(store)
    assert next_run is not None and next_run.astimezone(PARIS).strftime("%H:%M") == purge_at


def _rescheduled(store: SQLAlchemyJobStore) -> datetime | None:
    """The purge's stored next run time, once it is in the future again."""
    job = store.lookup_job("purge")
    if job is None or job.next_run_time is None or job.next_run_time <= utcnow():
        return None
    return job.next_run_time


def test_once_runs_one_job_with_the_runners_clock(app: App) -> None:
    """`--once` runs the job named with the runner's clock; an unknown name is refused."""
    runner = Runner(app, clock=lambda: datetime(2027, 1, 5, 8, tzinfo=UTC))
    assert runner.once("send_due") == "rien à envoyer"
    assert runner.once("purge").startswith("0 abonnement(s)")
    with pytest.raises(InputError, match="tâche inconnue : envoyer"):
        runner.once("envoyer")


@pytest.fixture
def config(write_config: Callable[..., Path], project_config: dict[str, Any]) -> Path:
    """The project's configuration in a fresh folder, the demo feeds on a free port."""
    port = free_port()
    sources = [source | {"url": source["url"].replace(":8765/", f":{port}/")}
               for source in project_config["sources"]]  # fmt: skip
    return write_config(demo={"feeds_port": port}, sources=sources)


def test_editors_see_why_an_edition_was_held(config: Path) -> None:
    """`edition show` and `edition list` say an edition is held and why; approving it
    lifts the hold."""
    assert CliRunner().invoke(cli, ["--config", str(config), "init"]).exit_code == 0
    app = build(load_settings(config))
    try:
        with app.database.session() as session:
            store = EditionStore(session)
            made = assemble(store, "reaap", app.settings.newsletter("reaap"), "Europe/Paris")
            store.hold(made, "envoi suspendu : l’heure prévue (jeudi 14 janvier 2027 à 10 h) "
                             "est dépassée de 14 h ; à confirmer par un éditeur")  # fmt: skip
    finally:
        app.close()

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--config", str(config), *args], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        return result.output

    assert "Envoi suspendu : l’heure prévue (jeudi 14 janvier 2027 à 10 h)" in run(
        "edition", "show", str(made.id)
    )
    assert "brouillon — suspendue" in run("edition", "list")
    run("edition", "approve", str(made.id))
    assert "suspendu" not in run("edition", "show", str(made.id))


def test_demo_runs_the_scheduler_accelerated(config: Path) -> None:
    """`newsletter demo --scheduler 3` ends by itself after every job has fired, the next
    draft assembled ahead of time and its editors emailed."""
    clean = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "LANG": "C.UTF-8"}
    result = commands.run(["--config", str(config), "demo", "--scheduler", "3"], clean)
    assert result.returncode == 0, result.stderr
    assert "Planificateur accéléré pendant 3 s" in result.stdout
    for job in JOBS:
        assert f"job={job} " in result.stderr, result.stderr
    assert "outcome=error" not in result.stderr
    assert "assemblé" in result.stderr and "éditeur(s) prévenu(s)" in result.stderr
    outbox = (config.parent / "var" / "outbox" / "new").iterdir()
    messages = [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in outbox]  # fmt: skip
    notices = [m for m in messages if str(m["Subject"]).startswith("Brouillon prêt : ")]
    assert notices  # beside the Réaap issue the demo itself sent
