"""``newsletter audit``: the audit trail — who did what, when, to which edition or person."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click

from newsletter.cli.context import Context, pass_context


@click.command()
@click.option("--edition", "edition_id", type=int, help="Seulement cette édition.")
@click.option("--subscriber", "subscriber_id", type=int, help="Seulement cet abonné (n°).")
@click.option("--limit", default=50, show_default=True, help="Nombre de lignes.")
@pass_context
def audit(ctx: Context, edition_id: int | None, subscriber_id: int | None, limit: int) -> None:
    """Historique des actions des éditeurs, de la plus récente à la plus ancienne."""
    from rich.table import Table

    from newsletter.audit.store import ACTIONS, AuditStore

    app = ctx.ready_app()
    zone = ZoneInfo(app.settings.organisation.timezone)
    table = Table(title="Historique", title_justify="left")
    for column in ("date", "action", "par", "objet", "détail"):
        table.add_column(column)
    with app.database.session() as session:
        entries = AuditStore(session).entries(
            edition_id=edition_id, subscriber_id=subscriber_id, limit=limit
        )
        for entry in entries:
            target = (
                f"édition {entry.edition_id}" if entry.edition_id is not None
                else f"abonné n° {entry.subscriber_id}" if entry.subscriber_id is not None
                else f"élément {entry.item_id}" if entry.item_id is not None else ""
            )  # fmt: skip
            table.add_row(entry.at.astimezone(zone).strftime("%d/%m/%Y %H:%M"),
                          ACTIONS.get(entry.action, entry.action), entry.actor, target,
                          entry.detail)  # fmt: skip
    ctx.console.print(table)


COMMANDS = [audit]
