"""``newsletter bounces process``: reads returned messages and applies them to subscribers."""

from __future__ import annotations

import json
import sys

import click

from newsletter.cli.context import Context, pass_context


@click.group()
def bounces() -> None:
    """Rebonds et plaintes : messages revenus des serveurs de messagerie."""


@bounces.command()
@click.argument("path")
@click.option("--dry-run", is_flag=True, help="Montre ce qui est compris, sans rien changer.")
@click.option("--json", "as_json", is_flag=True, help="Une ligne JSON par destinataire.")
@pass_context
def process(ctx: Context, path: str, dry_run: bool, as_json: bool) -> None:
    """Traite un Maildir, un mbox, un message ou - (entrée standard, pour un MTA)."""
    from newsletter.db import utcnow
    from subscribers.bounces import process_messages, summary
    from subscribers.mailboxes import mark_seen, read_messages

    app = ctx.ready_app()
    with app.database.session() as session:
        handler = app.bounce_handler(session)
        messages = read_messages(path, sys.stdin.buffer)
        outcomes, handled = process_messages(handler, messages, utcnow(), dry_run)
        if dry_run:
            session.rollback()
    if not dry_run:
        for incoming in handled:
            mark_seen(incoming)
    if as_json:
        for outcome in outcomes:
            click.echo(json.dumps(outcome.as_dict(), ensure_ascii=False))
        return
    click.echo(
        summary(outcomes, len(handled))
        + (" Essai à blanc : rien n'a été changé." if dry_run else "")
    )


COMMANDS = [bounces]
