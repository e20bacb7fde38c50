"""The scheduled jobs: what each runs, and when (an APScheduler trigger from the settings)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs import assemble_drafts, fetch_sources, process_bounces, purge, send_due
from newsletter.app import App
from newsletter.settings import Settings

JobFunction = Callable[[App, datetime], str]


@dataclass(frozen=True)
class Job:
    name: str
    run: JobFunction
    trigger: Callable[[Settings], BaseTrigger]
    description: str
    accelerated_seconds: float  # its period in the demo's accelerated run
    # Forks (gathering's parsing processes): the scheduler runs it in a process of its own,
    # never from its threads (see services.background).
    own_process: bool = False


def _every_minutes(attribute: str) -> Callable[[Settings], BaseTrigger]:
    def trigger(settings: Settings) -> BaseTrigger:
        minutes = getattr(settings.scheduler, attribute)
        return IntervalTrigger(minutes=minutes, timezone=settings.scheduler.timezone)

    return trigger


def _daily_at(attribute: str) -> Callable[[Settings], BaseTrigger]:
    def trigger(settings: Settings) -> BaseTrigger:
        hour, minute = getattr(settings.scheduler, attribute).split(":")
        return CronTrigger(hour=int(hour), minute=int(minute), timezone=settings.scheduler.timezone)

    return trigger


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("fetch_sources", fetch_sources.run, _every_minutes("fetch_every_minutes"),
            "récupère les sources", 2, own_process=True),
        Job("assemble_drafts", assemble_drafts.run, _every_minutes("drafts_every_minutes"),
            "assemble les brouillons à l’avance et prévient les éditeurs", 3),
        Job("send_due", send_due.run, _every_minutes("send_every_minutes"),
            "envoie les éditions dont l’heure est venue", 1),
        Job("process_bounces", process_bounces.run, _every_minutes("bounces_every_minutes"),
            "traite les rebonds de la boîte configurée", 4),
        Job("purge", purge.run, _daily_at("purge_at"),
            "applique les durées de conservation des abonnés", 5),
    )
}  # fmt: skip
