"""The scheduled jobs: what each runs, and when (an APScheduler trigger from the settings)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.interval import IntervalTrigger

from jobs import fetch_sources
from newsletter.app import App
from newsletter.settings import Settings

JobFunction = Callable[[App, datetime], str]


@dataclass(frozen=True)
class Job:
    name: str
    run: JobFunction
    trigger: Callable[[Settings], BaseTrigger]
    description: str


def _every_minutes(attribute: str) -> Callable[[Settings], BaseTrigger]:
    def trigger(settings: Settings) -> BaseTrigger:
        minutes = getattr(settings.scheduler, attribute)
        return IntervalTrigger(minutes=minutes, timezone=settings.scheduler.timezone)

    return trigger


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "fetch_sources",
            fetch_sources.run,
            _every_minutes("fetch_every_minutes"),
            "récupère les sources",
        ),
    )
}
