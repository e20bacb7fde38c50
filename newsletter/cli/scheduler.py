"""``newsletter scheduler``: run the scheduled jobs (as a service, or one job with --once);
and the accelerated run the demo ends with."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timedelta
from types import FrameType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from newsletter.cli.context import Context, pass_context

if TYPE_CHECKING:
    from newsletter.app import App


@click.command()
@click.option("--once", "job", metavar="TÂCHE", help="Exécute une seule tâche maintenant.")
@click.option("--list", "list_jobs", is_flag=True, help="Liste les tâches.")
@pass_context
def scheduler(ctx: Context, job: str | None, list_jobs: bool) -> None:
    """Planificateur : récupération, brouillons, envois, rebonds, purge."""
    from jobs.registry import JOBS
    from jobs.runner import Runner

    if list_jobs:
        for name, definition in JOBS.items():
            click.echo(f"{name:18} {definition.description}")
        return
    logging.getLogger("lettre").setLevel(logging.INFO)
    app = ctx.ready_app()
    runner = Runner(app)
    if job:
        click.echo(runner.once(job))
        return
    app.check_sending()  # secrets and transport, before any job runs
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    click.echo(f"Planificateur démarré ({runner.holder}) ; Ctrl-C pour arrêter.")
    runner.serve(stop)


def accelerated(ctx: Context, seconds: int) -> None:
    """Run the scheduler for ``seconds``, every job every few seconds, with the jobs' clock
    moved forward to the moment the next draft is due; the jobs' log lines are printed."""
    from jobs.runner import Runner
    from newsletter.db import utcnow

    app, console = ctx.ready_app(), ctx.console
    now = utcnow()
    coming = _next_draft(app, now)
    offset = max(coming[1] - now, timedelta(0)) if coming else timedelta(0)
    console.rule(f"Planificateur accéléré pendant {seconds} s")
    zone = ZoneInfo(app.settings.organisation.timezone)
    moved = (now + offset).astimezone(zone).strftime("%d/%m/%Y %H:%M")
    console.print(
        f"Horloge des tâches avancée au {moved}"
        + (f" : le brouillon de « {coming[0]} » est attendu." if coming else "."),
        markup=False,
    )
    logging.getLogger("lettre").setLevel(logging.INFO)
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    try:
        Runner(app, clock=lambda: utcnow() + offset).serve(stop, accelerated=True)
    finally:
        timer.cancel()
    if app.settings.transport.kind == "maildir":
        outbox = app.settings.base_dir / app.settings.transport.maildir_path / "new"
        console.print(f"Avis aux éditeurs : {outbox}", markup=False, soft_wrap=True)


def _next_draft(app: App, now: datetime) -> tuple[str, datetime] | None:
    """The title of the newsletter (with no edition in preparation) whose draft is due
    next, and when:
    a minute after ``scheduler.draft_days_before`` days before its next send."""
    from newsletter.editions.periods import draft_time, next_send
    from newsletter.editions.store import EditionStore

    zone, days = app.settings.organisation.timezone, app.settings.scheduler.draft_days_before
    coming = []
    with app.database.session() as session:
        store = EditionStore(session)
        for name, newsletter in app.settings.newsletters.items():
            if store.open_edition(name) is None:
                send_at = next_send(newsletter.schedule, now, zone)
                due = draft_time(send_at, days, zone) + timedelta(minutes=1)
                coming.append((due, newsletter.title))
    if not coming:
        return None
    when, title = min(coming)
    return title, when


COMMANDS = [scheduler]
