"""Commands for the database and content: init, fetch, sources, items."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from newsletter.cli import images
from newsletter.cli.context import Context, pass_context
from newsletter.errors import InputError
from newsletter.vocabulary import ITEM_KINDS

if TYPE_CHECKING:
    from newsletter.content.models import Item
    from newsletter.sources.pipeline import SourceReport


def _local(value: datetime | None, zone: str, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A stored (UTC) time in the zone of the settings (``fetch.timezone``)."""
    return value.astimezone(ZoneInfo(zone)).strftime(fmt) if value else "—"


@click.command()
@pass_context
def init(ctx: Context) -> None:
    """Crée ou met à jour le schéma de la base de données."""
    revision = ctx.app.database.migrate()
    click.echo(f"Base prête ({ctx.app.database.dialect}, schéma {revision}).")


@click.command()
@click.option("--source", "keys", multiple=True, metavar="CLÉ", help="Seulement cette source.")
@pass_context
def fetch(ctx: Context, keys: tuple[str, ...]) -> None:
    """Récupère les sources (flux RSS/Atom, agendas iCal) et enregistre les nouveautés,
    puis télécharge une fois les images qu'elles nomment et le logo des réglages.

    Code de sortie 0 même si certaines sources échouent ; 1 si aucune n'a pu être lue.
    """
    reports = fetch_with_progress(ctx, keys)
    print_fetch_summary(ctx, reports)
    images = ctx.ready_app().illustrations.after_gathering()
    if images:
        click.echo(f"Images : {images}.")
    if reports and all(not report.ok for report in reports):
        raise click.exceptions.Exit(1)


def fetch_with_progress(ctx: Context, keys: tuple[str, ...] = ()) -> list[SourceReport]:
    from newsletter.sources.pipeline import gather

    app = ctx.ready_app()
    known = {source.key for source in app.settings.sources}
    unknown = sorted(set(keys) - known)
    if unknown:
        raise InputError(f"source inconnue : {', '.join(unknown)}", "voir `newsletter sources`")
    enabled = sum(1 for s in app.settings.sources if s.enabled and (not keys or s.key in keys))
    with ctx.progress() as progress:
        task = progress.add_task("Enregistrement des sources", total=enabled)
        progress.update(task, description="Téléchargement des sources")

        def advance(report: SourceReport) -> None:
            progress.update(task, advance=1, description=f"Enregistré : {report.key}")

        return gather(app.settings, app.database, on_source=advance, only=keys)


def print_fetch_summary(ctx: Context, reports: list[SourceReport]) -> None:
    from rich.table import Table

    table = Table(title="Sources récupérées", title_justify="left")
    for column in ("source", "état", "nouveaux", "mis à jour", "inchangés", "fusionnés", "durée"):
        table.add_column(column, justify="right" if column != "source" else "left")
    for report in reports:
        if report.error:
            state = f"[red]échec : {report.error}[/red]"
        elif report.not_modified:
            state = "inchangé (304)"
        else:
            state = "[yellow]lu avec réserve[/yellow]" if report.warnings else "ok"
        saved = report.saved
        counts = (saved.new, saved.updated, saved.unchanged, saved.merged)
        table.add_row(report.key, state, *map(str, counts), f"{report.seconds:.2f} s")
    ctx.console.print(table)
    failed = [report for report in reports if not report.ok]
    new = sum(report.saved.new for report in reports)
    ctx.console.print(
        f"{len(reports)} source(s), {new} nouvel(s) élément(s), {len(failed)} en échec."
    )


@click.command()
@pass_context
def sources(ctx: Context) -> None:
    """Liste les sources : dernier succès, échecs consécutifs, dernière erreur,
    avertissements de la dernière lecture (flux réparé, liens ignorés…)."""
    from rich.markup import escape
    from rich.table import Table

    from newsletter.sources.states import source_states

    alert, zone = ctx.settings.fetch.failure_alert_streak, ctx.settings.fetch.timezone
    table = Table(title="Sources")
    for column in ("clé", "nom", "dernier succès", "échecs", "dernière erreur",
                   "avertissements", "éléments"):  # fmt: skip
        table.add_column(column)
    with ctx.reader() as connection:
        states = source_states(connection)
    for row in states:
        streak = str(row.failure_streak)
        if row.failing(alert):
            streak = f"[bold red]{streak}[/bold red]"
        error = f"{_local(row.last_error_at, zone)} {row.last_error}" if row.last_error else ""
        warning = f"[yellow]{escape(row.last_warning)}[/yellow]" if row.last_warning else ""
        table.add_row(row.key, row.name, _local(row.last_success_at, zone), streak,
                      escape(error), warning, str(row.items_total))  # fmt: skip
    ctx.console.print(table)


@click.group()
def items() -> None:
    """Consulter et corriger les éléments rassemblés."""


@items.command("list")
@click.option("--kind", type=click.Choice(list(ITEM_KINDS)), help="Type d'élément.")
@click.option("--theme", help="Clé d'un thème (voir config.toml).")
@click.option("--network", help="Clé d'un réseau (reaap, clas…).")
@click.option("--search", help="Texte cherché dans le titre.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="Publiés depuis (AAAA-MM-JJ).")
@click.option("--limit", default=30, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Sortie JSON (un objet par élément).")
@pass_context
def items_list(
    ctx: Context,
    kind: str | None,
    theme: str | None,
    network: str | None,
    search: str | None,
    since: datetime | None,
    limit: int,
    as_json: bool,
) -> None:
    """Liste les éléments les plus récents."""
    from rich.table import Table

    from newsletter.content.store import ItemStore

    app = ctx.ready_app()
    zone = app.settings.fetch.timezone
    after = since.replace(tzinfo=ZoneInfo(zone)) if since else None
    with app.database.session() as session:
        found = ItemStore(session).search(kind, theme, network, search, after, limit=limit)
        if as_json:
            click.echo(json.dumps([item_json(item) for item in found], ensure_ascii=False,
                                  indent=2))  # fmt: skip
            return
        table = Table()
        for column in ("id", "type", "date", "titre", "thèmes", "réseaux", "sources"):
            table.add_column(column)
        for item in found:
            when = item.starts_at or item.published_at
            title = f"[s]{item.title}[/s] (annulé)" if item.cancelled else item.title
            table.add_row(str(item.id), item.kind, _local(when, zone, "%d/%m/%Y"), title,
                          ", ".join(item.themes), ", ".join(item.networks),
                          str(len(item.sources)))  # fmt: skip
    ctx.console.print(table)


def item_json(item: Item) -> dict[str, object]:
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": item.id, "kind": item.kind, "title": item.title, "summary_html": item.summary,
        "url": item.url, "sources": [source.guid for source in item.sources],
        "published_at": iso(item.published_at), "starts_at": iso(item.starts_at),
        "ends_at": iso(item.ends_at), "place": item.place, "organiser": item.organiser,
        "themes": item.themes, "networks": item.networks, "cancelled": item.cancelled,
        "postponed": item.postponed, "series": item.series or None, "revision": item.revision,
    }  # fmt: skip


@items.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_context
def items_import(ctx: Context, file: Path) -> None:
    """Importe des éléments saisis par la rédaction (CSV ; ou , — ou JSON).

    Colonnes : type, titre, résumé, lien, date, début, fin, lieu, organisateur,
    inscription, annulé, thèmes, réseaux, territoire, id. Si une ligne est fausse,
    rien n'est importé et chaque erreur est indiquée avec son numéro de ligne.
    """
    app = ctx.ready_app()
    saved, errors = app.items.import_file(ctx.actor(), file)
    if errors:
        for error in errors:
            click.secho(error, fg="red", err=True)
        raise InputError(f"{len(errors)} ligne(s) en erreur : rien n'a été importé",
                         "corrigez le fichier puis relancez")  # fmt: skip
    assert saved is not None
    click.echo(f"{saved.total} élément(s) : {saved.new} nouveau(x), {saved.updated} mis à jour, "
               f"{saved.unchanged} inchangé(s), {saved.merged} déjà connu(s).")  # fmt: skip


@items.command("show")
@click.argument("item_id", type=int)
@pass_context
def items_show(ctx: Context, item_id: int) -> None:
    """Affiche un élément, les annonces qui le composent (et pourquoi elles ont été
    fusionnées) et l'historique de ses mises à jour."""
    from rich.markup import escape

    from newsletter.content.credits import merge_reason_label
    from newsletter.content.sanitise import plain_text
    from newsletter.content.store import ItemStore
    from newsletter.sources.store import SourceStore

    app = ctx.ready_app()
    zone = app.settings.fetch.timezone
    with app.database.session() as session:
        item = ItemStore(session).get(item_id)
        names = {row.id: row.key for row in SourceStore(session).all()}
        out = ctx.console.print
        out(f"[bold]{escape(item.title)}[/bold]  ({ITEM_KINDS[item.kind]}, n° {item.id})")
        out(f"Lien : {item.url or '—'}", markup=False)
        out(f"Publié : {_local(item.published_at, zone)}")
        if item.kind == "agenda":
            out(f"Quand : {_local(item.starts_at, zone)} → {_local(item.ends_at, zone)}")
            out(f"Lieu : {item.place or '—'} ; organisé par {item.organiser or '—'}", markup=False)
        if item.series:
            out(f"Occurrence d'un événement répété (série {item.series})", markup=False)
        if item.cancelled:
            out("[red]Annulé[/red]")
        if item.postponed:
            out("[yellow]Reporté[/yellow]")
        out(f"Thèmes : {', '.join(item.themes) or '—'}")
        out(f"Réseaux : {', '.join(item.networks) or '—'}")
        if item.overrides:
            out(f"Corrigé à la main : {', '.join(item.overrides)}")
        out("Annonces :")
        for number, credit in enumerate(item.sources):
            how = "référence" if number == 0 else f"fusionnée : {merge_reason_label(credit)}"
            out(f"  - {names.get(credit.source_id, '?')} ({credit.guid}) — {how}", markup=False)
        if len(item.sources) > 1:
            out(f"Pour les séparer : newsletter items split {item.id} [--source CLÉ]", markup=False)
        out(plain_text(item.summary), markup=False)
        for change in item.changes:
            out(f"Mise à jour du {_local(change.changed_at, zone)} : {', '.join(change.fields)}")


@items.command("split")
@click.argument("item_id", type=int)
@click.option("--source", "key", metavar="CLÉ", help="Seulement les annonces de cette source.")
@pass_context
def items_split(ctx: Context, item_id: int, key: str | None) -> None:
    """Sépare d'un élément les annonces qui y avaient été fusionnées : chacune redevient un
    élément, tel que sa source l'a annoncé ; ses mises à jour iront à ce nouvel élément."""
    from newsletter.content.store import ItemStore
    from newsletter.sources.store import SourceStore

    app = ctx.ready_app()
    with app.database.session() as session:
        store = ItemStore(session)
        chosen: list[int] = []
        if key is not None:
            ids = {row.key: row.id for row in SourceStore(session).all()}
            if key not in ids:
                raise InputError(f"source inconnue : {key}", "voir `newsletter sources`")
            chosen = [c.id for c in store.get(item_id).sources[1:] if c.source_id == ids[key]]
            if not chosen:
                raise InputError(f"aucune annonce de {key} n'a été fusionnée dans l'élément",
                                 f"voir `newsletter items show {item_id}`")  # fmt: skip
        made = store.split(item_id, chosen)
        click.echo(f"Élément {item_id} séparé : nouveaux éléments n° "
                   f"{', '.join(str(new.id) for new in made)}.")  # fmt: skip


@items.command("set")
@click.argument("item_id", type=int)
@click.option("--kind", type=click.Choice(list(ITEM_KINDS)))
@click.option("--themes", help="Thèmes séparés par des virgules (vide pour aucun).")
@click.option("--networks", help="Réseaux séparés par des virgules (vide pour aucun).")
@click.option("--cancelled/--not-cancelled", default=None, help="Rendez-vous annulé.")
@pass_context
def items_set(
    ctx: Context,
    item_id: int,
    kind: str | None,
    themes: str | None,
    networks: str | None,
    cancelled: bool | None,
) -> None:
    """Corrige un élément à la main ; les mises à jour des flux ne l'écraseront pas."""
    app = ctx.ready_app()
    values: dict[str, object] = {}
    if kind:
        values["kind"] = kind
    if themes is not None:
        values["themes"] = themes.split(",")
    if networks is not None:
        values["networks"] = networks.split(",")
    if cancelled is not None:
        values["cancelled"] = cancelled
    if not values:
        raise InputError("rien à modifier", "indiquez --kind, --themes, --networks ou --cancelled")
    app.items.correct(ctx.actor(), item_id, values)
    click.echo(f"Élément {item_id} corrigé : {', '.join(values)}.")


items.add_command(images.item_image)

COMMANDS = [init, fetch, sources, items]
