"""Commands for subscribers: import, export, count, show, forget, add, unsubscribe,
reactivate, purge, segments. They act as ``ctx.actor()`` through the same services as the
editors' pages (permission rules, audit trail)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from newsletter.cli.context import Context, pass_context
from newsletter.errors import InputError
from newsletter.vocabulary import PROFILES
from subscribers.profiles import FORMATS


@click.group()
def subscribers() -> None:
    """Abonnés : import, export, comptage, droits RGPD."""


@subscribers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--list", "list_key", required=True, help="Liste à laquelle abonner (lettre…).")
@click.option("--source", required=True, help="Origine du consentement (fichier, événement…).")
@click.option("--dry-run", is_flag=True, help="Affiche le rapport sans rien enregistrer.")
@pass_context
def import_(ctx: Context, file: Path, list_key: str, source: str, dry_run: bool) -> None:
    """Importe un fichier CSV (; ou , ; UTF-8 ou Windows-1252) dans une liste."""
    app = ctx.ready_app()
    actor = ctx.actor()
    data = file.read_bytes()
    if dry_run:
        preview = app.imports.preview(actor, data, list_key)
        if preview.report is None:
            raise InputError(preview.error)
        report = preview.report
    else:
        with ctx.progress() as progress:
            task = progress.add_task("Enregistrement", total=None)
            report = app.imports.run(
                actor, data, list_key, source,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )  # fmt: skip
    for line in report.lines():
        ctx.console.print(line, markup=False, highlight=False, soft_wrap=True)
    if dry_run:
        ctx.console.print("Essai à blanc : rien n'a été enregistré.")


@subscribers.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--list", "list_key", help="Seulement les destinataires de cette liste.")
@click.option("--segment", help="Seulement ce segment.")
@pass_context
def export(ctx: Context, file: Path, list_key: str | None, segment: str | None) -> None:
    """Exporte les abonnés en CSV pour un tableur (UTF-8, ;)."""
    app = ctx.ready_app()
    actor = ctx.actor()
    app.imports.check_export(actor, list_key, segment)
    with file.open("w", encoding="utf-8-sig", newline="") as output:
        count = app.imports.export(actor, output, list_key, segment)
    click.echo(f"{count} abonné(s) exporté(s) dans {file}.")


@subscribers.command()
@click.option("--list", "list_key", help="Liste (sinon : au moins une liste).")
@click.option("--segment", help="Segment (config.toml ou enregistré).")
@pass_context
def count(ctx: Context, list_key: str | None, segment: str | None) -> None:
    """Compte les destinataires d'une liste et/ou d'un segment."""
    from subscribers.audience import count_audience

    app = ctx.ready_app()
    with app.database.session() as session:
        if list_key:
            app.subscriber_store(session).check_list(list_key)
        rule = app.segments(session).get(segment) if segment else None
        click.echo(count_audience(session, list_key, rule))


@subscribers.command()
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help="Toutes les données, en JSON.")
@pass_context
def show(ctx: Context, email: str, as_json: bool) -> None:
    """Affiche tout ce qui est enregistré sur une personne (droit d'accès)."""
    app = ctx.ready_app()
    data = app.subscribers.access(ctx.actor(), app.subscribers.locate(email))
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    name = " ".join(filter(None, (data["civilite"], data["prenom"], data["nom"])))
    ctx.console.print(f"[bold]{data['adresse']}[/bold] {name} — {data['statut']}")
    ctx.console.print(f"{data['fonction']}, {data['organisme']} ({data['profil']})")
    ctx.console.print(f"{data['commune']} ({data['departement']}) ; thèmes : "
                      f"{', '.join(data['themes']) or '—'} ; format {data['format']}")  # fmt: skip
    for subscription in data["abonnements"]:
        ctx.console.print(f"  {subscription['liste']} : {subscription['statut']}")


@subscribers.command()
@click.argument("email")
@click.option("--yes", is_flag=True, help="Ne pas demander de confirmation.")
@pass_context
def forget(ctx: Context, email: str, yes: bool) -> None:
    """Efface une personne (droit à l'effacement) ; seule l'empreinte d'exclusion reste."""
    app = ctx.ready_app()
    actor = ctx.actor()
    subscriber_id = app.subscribers.locate(email)
    if not yes:
        erased = "\n".join(f"  – {what}" for what in app.subscribers.erasure(actor, subscriber_id))
        click.confirm(f"Effacer définitivement :\n{erased}\n", abort=True)
    app.subscribers.forget(actor, subscriber_id)
    click.echo(f"{email} effacé(e) ; son adresse reste exclue des imports (empreinte).")


@subscribers.command()
@click.argument("email")
@click.option("--list", "list_keys", multiple=True, required=True, help="Liste (répétable).")
@click.option("--civility", default="", help="M., Mme…")
@click.option("--first-name", default="")
@click.option("--last-name", default="")
@click.option("--organisation", default="")
@click.option("--function", default="")
@click.option("--profile", type=click.Choice(list(PROFILES)), default="autre")
@click.option("--commune", default="")
@click.option("--department", default="", help="Par exemple 93.")
@click.option("--themes", default="", help="Clés de thèmes séparées par des virgules.")
@click.option("--format", "format_", type=click.Choice(list(FORMATS)), default="html")
@click.option(
    "--source", default="", help="Origine du consentement (sans elle : invitation par courriel)."
)
@pass_context
def add(
    ctx: Context, email: str, list_keys: tuple[str, ...], civility: str, first_name: str,
    last_name: str, organisation: str, function: str, profile: str, commune: str,
    department: str, themes: str, format_: str, source: str,
) -> None:  # fmt: skip
    """Abonne une personne : directement avec --source (consentement recueilli hors
    formulaire), sinon en lui envoyant le courriel de confirmation (double opt-in)."""
    from subscribers.details import Details

    app = ctx.ready_app()
    details = Details(
        civility, first_name, last_name, organisation, function, profile, commune, department,
        format_, tuple(key.strip() for key in themes.split(",") if key.strip()),
    )  # fmt: skip
    added = app.subscribers.add(ctx.actor(), email, details, list_keys, source)
    lists = ", ".join(added.lists)
    if added.invited:
        click.echo(f"Invitation envoyée à {email.strip()} pour : {lists} (abonnement à la "
                   "confirmation).")  # fmt: skip
    else:
        click.echo(f"{email.strip()} abonné(e) à : {lists}.")


@subscribers.command()
@click.argument("email")
@click.option("--list", "list_key", help="Liste (sinon : toutes).")
@pass_context
def unsubscribe(ctx: Context, email: str, list_key: str | None) -> None:
    """Désabonne une personne d'une liste ou de toutes."""
    app = ctx.ready_app()
    left = app.subscribers.unsubscribe(ctx.actor(), app.subscribers.locate(email), list_key)
    click.echo(f"{email} désabonné(e) de : {', '.join(left) or 'aucune liste active'}.")


@subscribers.command()
@click.argument("email")
@click.option("--reason", required=True, help="Pourquoi l'adresse fonctionne de nouveau.")
@pass_context
def reactivate(ctx: Context, email: str, reason: str) -> None:
    """Réactive une adresse en erreur (rebonds) ou qui s'est plainte."""
    app = ctx.ready_app()
    app.subscribers.reactivate(ctx.actor(), app.subscribers.locate(email), reason)
    click.echo(f"{email} réactivé(e).")


@subscribers.command()
@pass_context
def purge(ctx: Context) -> None:
    """Applique les durées de conservation (non confirmés, désabonnés anciens)."""
    from newsletter.db import utcnow
    from subscribers.retention import purge as purge_records

    app = ctx.ready_app()
    with app.database.session() as session:
        counts = purge_records(session, utcnow(), app.settings.subscribers)
    click.echo(f"{counts.describe()}.")


@subscribers.command()
@pass_context
def segments(ctx: Context) -> None:
    """Liste les segments (config.toml et enregistrés) et leur nombre de destinataires."""
    from rich.table import Table

    app = ctx.ready_app()
    actor = ctx.actor()
    table = Table(title="Segments")
    for column in ("nom", "libellé", "destinataires"):
        table.add_column(column)
    for info in app.segmenting.all(actor):
        rule = info.segment.model_dump(exclude={"label"})
        total = app.segmenting.count(actor, rule).total
        table.add_row(info.name, info.segment.label, str(total))
    ctx.console.print(table)


@subscribers.command("segment-save")
@click.argument("name")
@click.argument("rule")
@click.option("--label", default="", help="Libellé affiché aux rédacteurs.")
@pass_context
def segment_save(ctx: Context, name: str, rule: str, label: str) -> None:
    """Enregistre un segment ; RULE est du JSON, avec les clés d'un [segments.NOM]."""
    app = ctx.ready_app()
    try:
        data = json.loads(rule)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"JSON invalide : {exc.msg}", 'par exemple {"profiles": ["elu"]}'
        ) from None
    if not isinstance(data, dict):
        raise InputError("la règle doit être un objet JSON", 'par exemple {"profiles": ["elu"]}')
    actor = ctx.actor()
    app.segmenting.save(actor, label or name, data, name)
    total = app.segmenting.count(actor, data).total
    click.echo(f"Segment « {name} » enregistré : {total} destinataire(s).")


@subscribers.command("segment-delete")
@click.argument("name")
@pass_context
def segment_delete(ctx: Context, name: str) -> None:
    """Supprime un segment enregistré (refusé tant qu'un envoi l'utilise)."""
    ctx.ready_app().segmenting.delete(ctx.actor(), name)
    click.echo(f"Segment « {name} » supprimé.")


COMMANDS = [subscribers]
