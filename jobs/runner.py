"""The scheduler runner: APScheduler 3 with its job store in the project database, guarded
by a database lease so that only one process runs jobs, whatever number are started.

Two APScheduler 3 processes on one job store run each job twice; here a process first takes
the ``scheduler`` lease, and only then registers and resumes its jobs. It renews the lease
every third of ``scheduler.lease_seconds``, each time for four fifths of it; a waiting
process tries every tenth: when the holder dies, another takes over within
``lease_seconds`` — nine tenths, and a tenth to spare for an attempt slowed by a busy
machine (at once on the same machine, where a dead holder is seen). Missed runs
after downtime are coalesced into one.

Nothing forks from APScheduler's threads: sends are started in the background
(``send_due``) and jobs that fork run in a process of their own (``Job.own_process``), both
through ``services.background``. Stopping (SIGTERM) stops those processes too, within
``STOP_GRACE`` seconds, then waits for the jobs still running in threads.
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
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.interval import IntervalTrigger

from jobs.registry import JOBS
from newsletter.app import App
from newsletter.db import Database, utcnow
from newsletter.errors import InputError
from newsletter.leases import acquire, new_holder, release
from newsletter.services.background import Stopped

log = logging.getLogger("lettre.jobs")
SCHEDULER_LEASE = "scheduler"
STOP_GRACE = 20.0  # seconds the sends and jobs in processes have to stop, then killed
Clock = Callable[[], datetime]

# APScheduler stores jobs as a textual reference to a function plus pickled arguments;
# that function finds the runner of this process here.
_current: Runner | None = None


class Scheduler(BackgroundScheduler):  # type: ignore[misc]
    """APScheduler 3, minus one race: shutting down, it looks once more for due jobs after
    its executors are gone, and logs "cannot schedule new futures after shutdown" with a
    traceback for each job that came due. Here a scheduler that is not running runs none."""

    def _process_jobs(self) -> float | None:
        if self.state != STATE_RUNNING:
            return None
        wait: float | None = super()._process_jobs()
        return wait


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
        self.serving = False  # in serve(): jobs that fork run in processes of their own

    def run_job(self, name: str) -> str:
        """Run one job now; log one structured line (job, duration, outcome)."""
        job = JOBS.get(name)
        if job is None:
            raise InputError(f"tâche inconnue : {name}", f"tâches : {', '.join(JOBS)}")
        started = time.perf_counter()
        try:
            if self.serving and job.own_process:
                detail = self.app.background_sends.job(name)
            else:
                detail = job.run(self.app, self.clock())
        except Stopped as exc:  # the scheduler is stopping: the next one runs it again
            log.info("job=%s duration_s=%.3f outcome=stopped detail=%r",
                     name, time.perf_counter() - started, exc.message)  # fmt: skip
            return exc.message
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
        scheduler = Scheduler(
            jobstores={"default": store},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": settings.misfire_grace_seconds,
            },
            timezone=settings.timezone,
        )
        scheduler.start(paused=True)
        self.serving = True
        held = False
        try:
            while True:
                ok = renew(self.app.database, self.holder, settings.lease_seconds)
                if ok and not held:
                    self._register(scheduler, accelerated)
                    scheduler.resume()
                    log.info("scheduler=%s lease=acquired", self.holder)
                elif held and not ok:
                    scheduler.pause()
                    log.warning("scheduler=%s lease=lost", self.holder)
                held = ok
                if stop.wait(settings.lease_seconds / (3 if held else 10)):
                    break
        finally:
            scheduler.pause()
            self.app.background_sends.stop(STOP_GRACE)
            scheduler.shutdown(wait=True)
            if held:
                release(self.app.database, SCHEDULER_LEASE, self.holder)
            self.serving = False
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


def renew(database: Database, holder: str, lease_seconds: float) -> bool:
    """Take or renew the scheduler's lease, for four fifths of ``lease_seconds``: with a
    waiting process trying every tenth, a dead holder is replaced within nine tenths of
    ``lease_seconds`` after its last renewal, a tenth left for a slow attempt."""
    return acquire(database, SCHEDULER_LEASE, holder, lease_seconds * 0.8)
