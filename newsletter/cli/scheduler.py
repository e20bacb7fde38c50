"""``newsletter scheduler``: run the scheduled jobs (as a service, or one job with --once)."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click

from newsletter.cli.context import Context, pass_context


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
    runner = Runner(ctx.ready_app())
    if job:
        click.echo(runner.once(job))
        return
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    click.echo(f"Planificateur démarré ({runner.holder}) ; Ctrl-C pour arrêter.")
    runner.serve(stop)


COMMANDS = [scheduler]
