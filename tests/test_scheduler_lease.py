"""Scheduler processes: only the lease holder runs jobs; another takes over when it dies,
within `scheduler.lease_seconds`."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jobs.runner import SCHEDULER_LEASE, Runner, renew
from newsletter.app import App
from newsletter.db import Database
from newsletter.leases import holder_of
from newsletter.secrets import ENV_PEPPER, ENV_SECRET_KEYS, Secrets
from newsletter.settings import Settings
from tests import commands
from tests.conftest import PEPPER, SIGNING_KEYS


@pytest.fixture
def config(write_config: Callable[..., Path], project_config: dict[str, Any]) -> Path:
    """A configuration whose fetch job runs every 2 s, with a 3 s scheduler lease."""
    unreachable = [  # the job fails fast, and runs
        source | {"url": "http://127.0.0.1:9/feed"} for source in project_config["sources"]
    ]
    path = write_config(
        scheduler={"fetch_every_minutes": 0.0334, "lease_seconds": 3}, sources=unreachable
    )
    assert commands.run(["--config", str(path), "init"], os.environ).returncode == 0
    return path


def start(config: Path, log: Path) -> commands.Command:
    """`newsletter scheduler` as a service runs it (its own session), logging to ``log``."""
    environ = {**os.environ, ENV_SECRET_KEYS: SIGNING_KEYS[0], ENV_PEPPER: PEPPER}
    return commands.start(["--config", str(config), "scheduler"], environ, log, merged=True)


def wait_for(log: Path, text: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(encoding="utf-8", errors="replace"):
            return True
        time.sleep(0.2)
    return False


def test_second_scheduler_waits_then_takes_over(config: Path, tmp_path: Path) -> None:
    """B runs no job while A holds the lease; after A is killed -9, B takes over."""
    log_a, log_b = tmp_path / "a.log", tmp_path / "b.log"
    first = start(config, log_a)
    second = None
    try:
        assert wait_for(log_a, "lease=acquired", 20), log_a.read_text()
        second = start(config, log_b)
        assert wait_for(log_a, "job=fetch_sources", 20), log_a.read_text()
        time.sleep(3)
        assert "job=" not in log_b.read_text() and "lease=acquired" not in log_b.read_text()
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        assert wait_for(log_b, "lease=acquired", 20), log_b.read_text()
        assert wait_for(log_b, "job=fetch_sources", 20), log_b.read_text()
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(20)


def test_standby_takes_over_within_the_lease(
    database: Database, make_settings: Callable[..., Settings], app_secrets: Secrets
) -> None:
    """A scheduler on another machine renewed the lease, then died (it renews no more): a
    waiting scheduler runs the jobs within `scheduler.lease_seconds` of that renewal."""
    lease = 6
    app = App(make_settings(scheduler={"lease_seconds": lease}), database, app_secrets)
    assert renew(database, "autre-machine:4242:abcd", lease)
    renewed = time.monotonic()
    stop = threading.Event()
    standby = Runner(app)
    serving = threading.Thread(target=standby.serve, args=(stop,))
    serving.start()
    try:
        while holder_of(database, SCHEDULER_LEASE) != standby.holder:
            assert time.monotonic() - renewed < lease, "not taken over within the lease"
            time.sleep(0.05)
    finally:
        stop.set()
        serving.join(30)
