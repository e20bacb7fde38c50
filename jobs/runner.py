"""The scheduler runner: APScheduler 3 with its job store in the project database, guarded
by a database lease so that only one process runs jobs, whatever number are started.

Two APScheduler 3 processes on one job store run each job twice; here a process first takes
the ``scheduler`` lease, and only then registers and resumes its jobs. It renews the lease
every third of its lifetime; if it dies, the lease expires and a waiting process takes over.
Missed runs after downtime are coalesced into one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from jobs.registry import JOBS
from newsletter.app import App
from newsletter.db import utcnow
from newsletter.errors import InputError
from newsletter.leases import acquire, new_holder, release

log = logging.getLogger("lettre.jobs")
SCHEDULER_LEASE = "scheduler"
Clock = Callable[[], datetime]

# APScheduler stores jobs as a textual reference to a function plus pickled arguments;
# that function finds the runner of this process here.
_current: Runner | None = None


def execute(name: str) -> None:
    """Entry point stored in APScheduler's job store (``jobs.runner:execute``)."""
    if _current is None:
        raise RuntimeError("no scheduler runner in this process")
    _current.run_job(name)


class Runner:
    def __init__(self, app: App, clock: Clock = utcnow, holder: str | None = None) -> None:
        self.app = app
        self.clock = clock
        self.holder = holder or new_holder()

    def run_job(self, name: str) -> str:
        """Run one job now; log one structured line (job, duration, outcome)."""
        job = JOBS.get(name)
        if job is None:
            raise InputError(f"tâche inconnue : {name}", f"tâches : {', '.join(JOBS)}")
        started = time.perf_counter()
        try:
            detail = job.run(self.app, self.clock())
        except Exception as exc:
            log.exception(
                "job=%s duration_s=%.3f outcome=error detail=%r",
                name, time.perf_counter() - started, f"{type(exc).__name__}: {exc}",
            )  # fmt: skip
            raise
        log.info(
            "job=%s duration_s=%.3f outcome=ok detail=%r",
            name, time.perf_counter() - started, detail,
        )  # fmt: skip
        return detail

    def once(self, name: str) -> str:
        """Run one job now, unless the same job is already running elsewhere (cron use)."""
        lease = f"job:{name}"
        ttl = self.app.settings.scheduler.lease_seconds
        if not acquire(self.app.database, lease, self.holder, ttl * 10):
            raise InputError(
                f"la tâche {name} tourne déjà dans un autre processus",
                "attendez qu'elle se termine",
            )
        try:
            return self.run_job(name)
        finally:
            release(self.app.database, lease, self.holder)

    def serve(self, stop: threading.Event, accelerated: bool = False) -> None:
        """Run the scheduler until ``stop`` is set; jobs run only while the lease is held.

        ``accelerated`` (the demo) fires every job every few seconds, from a job store in
        memory: the schedule stored in the database is left as it was.
        """
        global _current
        _current = self
        settings = self.app.settings.scheduler
        store = (
            MemoryJobStore() if accelerated else SQLAlchemyJobStore(engine=self.app.database.engine)
        )
        scheduler = BackgroundScheduler(
            jobstores={"default": store},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": settings.misfire_grace_seconds,
            },
            timezone=settings.timezone,
        )
        scheduler.start(paused=True)
        held = False
        try:
            while True:
                ok = acquire(
                    self.app.database, SCHEDULER_LEASE, self.holder, settings.lease_seconds
                )
                if ok and not held:
                    self._register(scheduler, accelerated)
                    scheduler.resume()
                    log.info("scheduler=%s lease=acquired", self.holder)
                elif held and not ok:
                    scheduler.pause()
                    log.warning("scheduler=%s lease=lost", self.holder)
                held = ok
                if stop.wait(settings.lease_seconds / 3):
                    break
        finally:
            scheduler.shutdown(wait=True)
            if held:
                release(self.app.database, SCHEDULER_LEASE, self.holder)
            _current = None

    def _register(self, scheduler: BackgroundScheduler, accelerated: bool) -> None:
        """Add jobs missing from the store, or whose trigger changed in the settings.

        A stored job keeps its next run time, so runs missed during downtime are coalesced
        into one run at start-up instead of being forgotten.
        """
        for job in JOBS.values():
            trigger = (
                IntervalTrigger(seconds=job.accelerated_seconds)
                if accelerated
                else job.trigger(self.app.settings)
            )
            stored = scheduler.get_job(job.name)
            if stored is not None and str(stored.trigger) == str(trigger):
                continue
            first = {"next_run_time": utcnow()} if accelerated else {}  # the demo: at once
            scheduler.add_job(
                "jobs.runner:execute",
                trigger,
                args=[job.name],
                id=job.name,
                name=job.description,
                replace_existing=True,
                **first,
            )
