"""``newsletter edition send | schedule | reschedule | pause | status``: sending an edition
(with progress), or programming it for its send time."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from newsletter.cli.context import Context, pass_context
from newsletter.cli.editions import edition
from newsletter.errors import InputError, NewsletterError

if TYPE_CHECKING:
    from newsletter.dispatch.report import Report
    from newsletter.services.editing import Confirmation


@edition.command()
@click.argument("edition_id", type=int)
@click.option(
    "--test-to",
    "test_to",
    multiple=True,
    metavar="ADRESSE",
    help="Envoi d'essai à cette adresse seulement (répétable), objet « [ESSAI] ».",
)
@click.option("--workers", type=int, help="Processus d'envoi (défaut : dispatch.processes).")
@click.option("--resume", is_flag=True, help="Reprendre un envoi en pause ou interrompu.")
@click.option("--no-wait", is_flag=True, help="Ne pas attendre les messages différés (4xx).")
@click.option("--yes", is_flag=True, help="Envoyer sans demander de confirmation.")
@click.option(
    "--started",
    is_flag=True,
    hidden=True,
    help="Vérifications faites et notées par l'appelant (site, planificateur).",
)
@pass_context  # fmt: skip
def send(
    ctx: Context,
    edition_id: int,
    test_to: tuple[str, ...],
    workers: int | None,
    resume: bool,
    no_wait: bool,
    yes: bool,
    started: bool,
) -> None:
    """Envoie une édition approuvée à sa liste (ou reprend un envoi interrompu).

    Avant un premier envoi, affiche les destinataires (par format et thèmes), l'objet,
    l'expéditeur et les vérifications, et demande confirmation (--yes : sans question).
    L'audience est figée au premier lancement ; relancer la commande après une panne ou une
    pause reprend là où l'envoi s'était arrêté, sans doublon ni oubli.
    """
    from newsletter.services import sending

    app, actor = ctx.ready_app(), ctx.actor()
    if test_to:
        app.editing.check(actor, "test_send", edition_id)
        sent = app.sending.send_test(edition_id, list(test_to))
        app.editing.record(actor, "test_send", edition_id, f"{len(sent)} adresse(s)")
        click.echo(f"Envoi d'essai de l'édition {edition_id} à : {', '.join(sent)}.")
        return
    app.check_sending()
    found, _ = sending.status(app.database, edition_id)
    if found.state == "paused" and not resume:
        raise click.UsageError(f"l'édition {edition_id} est en pause : ajoutez --resume")
    if not started:
        if found.state in ("approved", "scheduled"):
            _confirm(ctx, app.editing.confirmation(edition_id), yes, "Envoyer à")
        app.editing.start(actor, edition_id, accept_warnings=True)
    report = send_with_progress(ctx, edition_id, workers, 0.0 if no_wait else None)
    if report.state == "interrupted":
        raise NewsletterError(
            f"édition {edition_id} — {report.describe()}",
            f"reprise : `newsletter edition send {edition_id} --resume`",
        )
    ctx.console.print(f"Édition {edition_id} — {report.describe()}.", markup=False)
    if report.state == "paused":
        raise click.exceptions.Exit(1)


def send_with_progress(
    ctx: Context, edition_id: int, workers: int | None = None, wait: float | None = None
) -> Report:
    """Send an edition with a progress bar: sent / deferred / failed / skipped, what the send
    waits for (the relay, the hourly quota, another sender), rate, ETA."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from newsletter.dispatch.report import counts_text
    from newsletter.services import sending

    app = ctx.ready_app()
    _, counts = sending.status(app.database, edition_id)
    columns = (
        TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[detail]}"),
        MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
    )  # fmt: skip
    with ctx.progress(*columns, transient=False) as progress:
        task = progress.add_task(f"Édition {edition_id}", total=sum(counts.values()) or 1,
                                 detail="")  # fmt: skip

        def show(now_counts: dict[str, int], note: str = "") -> None:
            done = sum(now_counts[s] for s in ("sent", "failed", "skipped"))
            detail = counts_text(now_counts) + (f" — {note}" if note else "")
            progress.update(task, completed=done, total=sum(now_counts.values()),
                            detail=detail)  # fmt: skip

        report = app.sending.send(edition_id, processes=workers, on_progress=show,
                                  wait_deferred=wait)  # fmt: skip
        show(report.counts)
    return report


@edition.command()
@click.argument("edition_id", type=int)
@click.option("--yes", is_flag=True, help="Programmer sans demander de confirmation.")
@pass_context
def schedule(ctx: Context, edition_id: int, yes: bool) -> None:
    """Programme une édition approuvée : elle partira d'elle-même à sa date d'envoi.

    Affiche d'abord ce que fera l'envoi (destinataires, objet, vérifications) et demande
    confirmation (--yes : sans question)."""
    app, actor = ctx.ready_app(), ctx.actor()
    app.editing.check(actor, "schedule", edition_id)
    _confirm(ctx, app.editing.confirmation(edition_id), yes, "Programmer l'envoi à")
    app.editing.schedule(actor, edition_id, accept_warnings=True)
    click.echo(f"Édition {edition_id} programmée : elle partira d'elle-même à sa date.")


@edition.command()
@click.argument("edition_id", type=int)
@click.argument("when", metavar="DATE")
@pass_context
def reschedule(ctx: Context, edition_id: int, when: str) -> None:
    """Change la date d'envoi : DATE comme « 2026-12-09 09:00 », à l'heure de
    l'organisation. Un autre jour renvoie l'édition en brouillon (la lettre est datée)."""
    app = ctx.ready_app()
    done = app.editing.reschedule(ctx.actor(), edition_id, when)
    click.echo(f"Édition {edition_id} : {done}")


@edition.command()
@click.argument("edition_id", type=int)
@pass_context
def pause(ctx: Context, edition_id: int) -> None:
    """Met un envoi en cours en pause (reprise : `edition send ID --resume`)."""
    from newsletter.services import sending

    app, actor = ctx.ready_app(), ctx.actor()
    app.editing.check(actor, "pause", edition_id)
    sending.pause(app.database, edition_id)
    app.editing.record(actor, "pause", edition_id)
    click.echo(f"Édition {edition_id} mise en pause.")


@edition.command()
@click.argument("edition_id", type=int)
@pass_context
def status(ctx: Context, edition_id: int) -> None:
    """État d'un envoi : envoyés, différés, en échec, écartés ; qui l'envoie et ce qu'il attend."""
    from rich.table import Table

    from newsletter.dispatch.ledger import STATUSES
    from newsletter.dispatch.senders import SenderStore
    from newsletter.editions.lifecycle import STATES
    from newsletter.services import sending

    app = ctx.ready_app()
    found, counts = sending.status(app.database, edition_id)
    table = Table(title=f"Édition {edition_id} — {STATES[found.state]}", title_justify="left")
    table.add_column("statut")
    table.add_column("destinataires", justify="right")
    for key, label in STATUSES.items():
        table.add_row(label, str(counts[key]))
    ctx.console.print(table)
    if found.held_reason:
        ctx.console.print(f"Remarque : {found.held_reason}", markup=False)
    with app.database.session() as session:
        senders = SenderStore(session, app.settings.dispatch.lease_seconds).live(edition_id)
        for sender in senders:
            doing = f" : {sender.note}" if sender.note else ""
            ctx.console.print(f"Envoyée par {sender.holder}{doing}", markup=False)


def _confirm(ctx: Context, confirmation: Confirmation, yes: bool, question: str) -> None:
    """Show what the send will do; unless ``yes``, ask (refused without a terminal). A
    blocking check is left for the service to refuse, in its words."""
    print_confirmation(ctx, confirmation)
    if not confirmation.blocking and not yes:
        if not sys.stdin.isatty():
            raise InputError("confirmation requise", "ajoutez --yes pour confirmer")
        click.confirm(f"{question} {confirmation.recipients} destinataires ?", abort=True)


def print_confirmation(ctx: Context, confirmation: Confirmation) -> None:
    """What a send will do, as its confirmation page shows it."""
    console = ctx.console
    segment = f", segment « {confirmation.segment_label} »" if confirmation.segment_label else ""
    console.print(f"Objet : {confirmation.subject}", markup=False)
    console.print(f"Expéditeur : {confirmation.sender}", markup=False)
    console.print(f"Liste : {confirmation.list_label}{segment} — "
                  f"{confirmation.recipients} destinataire(s)", markup=False)  # fmt: skip
    for format_, themes, count in confirmation.by_variant:
        console.print(f"  {count:>6}  {format_}, {themes}", markup=False)
    for reason, count in confirmation.left_out:
        console.print(f"  non destinataires : {count} {reason}", markup=False)
    for check in confirmation.checks:
        label = "Bloquant" if check.blocking else "Avertissement"
        style = "bold red" if check.blocking else "yellow"
        console.print(f"{label} : {check.message}", style=style, markup=False)
