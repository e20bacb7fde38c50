"""When editions go out (cron schedules in the organisation's zone) and what period they cover.

Schedules are read with APScheduler's ``CronTrigger.from_crontab``: five fields, all of
which must match (``0 9 1-7 1,3,5,7,9,11 tue`` is "the first Tuesday of every other month at
09:00"); write days of the week by name (``tue``), APScheduler numbers them from Monday.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from newsletter.rendering.dates import long_date, month_name


def _trigger(schedule: str, zone: str) -> CronTrigger:
    return CronTrigger.from_crontab(schedule, timezone=ZoneInfo(zone))


def next_send(schedule: str, after: datetime, zone: str) -> datetime:
    """The first scheduled send strictly after ``after``."""
    fire: datetime | None = _trigger(schedule, zone).get_next_fire_time(
        None, after + timedelta(seconds=1)
    )
    if fire is None:  # a five-field cron expression always fires again
        raise ValueError(f"schedule {schedule!r} never fires after {after}")
    return fire


def send_time(schedule: str, day: date, zone: str) -> datetime:
    """The send on ``day``: the scheduled time that day, else the schedule's usual hour."""
    midnight = datetime.combine(day, time(0, 0), ZoneInfo(zone))
    fire = next_send(schedule, midnight - timedelta(seconds=1), zone)
    if fire.date() == day:
        return fire
    return datetime.combine(day, fire.timetz().replace(tzinfo=None), ZoneInfo(zone))


def draft_time(send_at: datetime, days_before: int, zone: str) -> datetime:
    """When a send's draft is due: ``days_before`` calendar days earlier, at the same local
    time (a week before 9:00 on the first Tuesday of November is 9:00 on the last Tuesday
    of October, summer time or not)."""
    local = send_at.astimezone(ZoneInfo(zone))
    return local - timedelta(days=days_before)  # wall-clock arithmetic within one zone


def period_label(send_at: datetime, next_send_at: datetime, zone: str) -> str:
    """The months an edition covers, up to the next one: ``novembre-décembre 2026``.

    One month gives ``mars 2025``; across a new year ``décembre 2026-janvier 2027``; an
    edition followed by another in the same month is labelled by its day.
    """
    start = send_at.astimezone(ZoneInfo(zone)).date()
    end = next_send_at.astimezone(ZoneInfo(zone)).date()
    if (end.year, end.month) == (start.year, start.month):
        return long_date(start).split(" ", 1)[1]  # "4 mars 2025"
    last = end.replace(day=1) - timedelta(days=1)  # the month before the next edition's
    if (last.year, last.month) == (start.year, start.month):
        return f"{month_name(start)} {start.year}"
    if last.year == start.year:
        return f"{month_name(start)}-{month_name(last)} {start.year}"
    return f"{month_name(start)} {start.year}-{month_name(last)} {last.year}"
