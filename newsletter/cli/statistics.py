"""``newsletter stats``: each newsletter's year in figures, printed, and as CSV files."""

from __future__ import annotations

from pathlib import Path

import click

from newsletter.cli.context import Context, pass_context


@click.command("stats")
@click.option(
    "--year", type=click.IntRange(2000, 2100), help="Année (par défaut : l'année en cours)."
)
@click.option("--newsletter", "newsletter", metavar="LETTRE",
              help="Seulement cette lettre (sa clé, par exemple lettre).")  # fmt: skip
@click.option("--csv", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Écrire aussi chaque tableau en fichier CSV dans ce dossier.")  # fmt: skip
@pass_context
def stats(ctx: Context, year: int | None, newsletter: str | None, folder: Path | None) -> None:
    """Chiffres de l'année : abonnés, éditions, sources, clics (sans suivre personne)."""
    from rich.table import Table

    from newsletter.db import utcnow
    from newsletter.statistics.exports import cell, write_tables

    app = ctx.ready_app()
    actor = ctx.actor()
    now = utcnow()
    chosen = year or now.year
    for key in [newsletter] if newsletter else app.statistics.newsletters(actor):
        figures = app.statistics.year(actor, key, chosen, now)
        tables = app.statistics.tables(figures)
        ctx.console.rule(f"{figures.title} — {chosen}")
        for found in tables:
            shown = Table(title=found.title, title_justify="left", caption=found.description,
                          caption_justify="left")  # fmt: skip
            shown.add_column(found.label)
            for column in found.columns:
                shown.add_column(column, justify="right")
            for label, values in found.rows:
                shown.add_row(label, *(cell(value) for value in values))
            if not found.rows:
                shown.add_row("aucune donnée", *("" for _ in found.columns))
            ctx.console.print(shown)
        if folder is not None:
            written = write_tables(tables, folder, f"{key}-{chosen}")
            ctx.console.print(f"{len(written)} fichiers CSV écrits dans {folder}")


COMMANDS = [stats]
