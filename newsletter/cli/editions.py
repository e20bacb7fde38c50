"""Commands for editions: assemble, list, show, edit, render, approve, number, feed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO
from zoneinfo import ZoneInfo

import click

from newsletter.cli.context import Context, pass_context
from newsletter.errors import InputError
from newsletter.vocabulary import ITEM_KINDS

if TYPE_CHECKING:
    from newsletter.app import App
    from newsletter.editions.models import Edition
    from newsletter.rendering.renderer import Rendered
    from newsletter.services.publishing import Written


@click.group()
def edition() -> None:
    """Préparer, relire, approuver et archiver les éditions des lettres."""


@edition.command()
@click.argument("name")
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]), help="Date d’envoi (AAAA-MM-JJ).")
@click.option("--replace", is_flag=True, help="Refaire l’édition en préparation.")
@click.option("--special", metavar="OBJET", help="Numéro spécial de cet objet (avec --date).")
@click.option("--item", "items", type=int, multiple=True, metavar="ITEM",
              help="Élément du numéro spécial (plusieurs fois).")  # fmt: skip
@click.option("--segment", default="", help="Segment des destinataires du numéro spécial.")
@pass_context
def assemble(
    ctx: Context,
    name: str,
    day: datetime | None,
    replace: bool,
    special: str | None,
    items: tuple[int, ...],
    segment: str,
) -> None:
    """Assemble le brouillon numéroté de la prochaine édition de la lettre NAME, ou un
    numéro spécial (--special OBJET --date AAAA-MM-JJ --item ID…)."""
    from newsletter.editions.store import EditionStore

    app = ctx.ready_app()
    newsletter = app.settings.newsletter(name)
    declared = {source.key for source in app.settings.sources}
    for section in newsletter.sections:
        for key in sorted(set(section.sources) - declared):
            ctx.console.print(
                f"Attention : rubrique {section.key}, source inconnue {key}",
                style="yellow",
                markup=False,
            )
    if special is not None:
        if day is None:
            raise InputError("date du numéro spécial manquante", "ajoutez --date AAAA-MM-JJ")
        made = app.drafting.special_issue(ctx.actor(), name, special, day.date(), items, segment)
    elif items or segment:
        raise InputError("--item et --segment ne valent que pour un numéro spécial",
                         "ajoutez --special OBJET")  # fmt: skip
    else:
        made = app.drafting.next_issue(ctx.actor(), name, day.date() if day else None, replace)
    ctx.console.print(
        f"Brouillon {made.edition_id} : {made.subject} — envoi le {_local(ctx, made.send_at)}, "
        f"{made.summary.counts}.",
        markup=False,
    )
    for warning in made.summary.warnings:
        ctx.console.print(f"Attention : {warning}", style="yellow", markup=False)
    with app.database.session() as session:
        print_contents(ctx, EditionStore(session).get(made.edition_id))


@edition.command("list")
@click.argument("name", required=False)
@pass_context
def list_editions(ctx: Context, name: str | None) -> None:
    """Liste les éditions (d’une lettre, ou de toutes)."""
    from rich.table import Table
    from rich.text import Text

    from newsletter.editions.lifecycle import STATES
    from newsletter.editions.store import EditionStore

    app = ctx.ready_app()
    if name:
        app.settings.newsletter(name)
    table = Table()
    for column in ("id", "lettre", "n°", "période", "état", "envoi", "éléments"):
        table.add_column(column)
    with app.database.session() as session:
        for found in EditionStore(session).listing(name):
            table.add_row(
                str(found.id),
                found.newsletter,
                str(found.number),
                Text(found.period),
                STATES[found.state] + (" — suspendue" if found.held_reason else ""),
                _local(ctx, found.send_at),
                str(len(found.entries)),
            )
    ctx.console.print(table)


@edition.command()
@click.argument("edition_id", type=int)
@pass_context
def show(ctx: Context, edition_id: int) -> None:
    """Affiche une édition : état, objet, rubriques et éléments dans l’ordre."""
    from newsletter.editions.lifecycle import STATES
    from newsletter.editions.store import EditionStore

    app = ctx.ready_app()
    with app.database.session() as session:
        found = EditionStore(session).get(edition_id)
        console = ctx.console
        console.print(found.subject, style="bold", markup=False)
        console.print(
            f"Édition {found.id}, {STATES[found.state]} ; envoi le {_local(ctx, found.send_at)}, "
            f"suivante le {_local(ctx, found.next_send_at)}"
        )
        newsletter = app.settings.newsletter(found.newsletter)
        audience = f"liste {newsletter.list}" + (
            f", segment {newsletter.segment}" if newsletter.segment else ""
        )
        mode = "automatique à la date prévue" if newsletter.automatic else "après approbation"
        console.print(f"Destinataires : {audience} ; envoi {mode}", markup=False)
        if found.held_reason:
            reason = found.held_reason
            console.print(reason[:1].upper() + reason[1:], style="bold red", markup=False)
        for line in app.publishing.changes(session, found):
            console.print(f"Modifiée depuis l’approbation : {line}", style="yellow", markup=False)
        if found.editors_notified_at is not None:
            console.print(f"Éditeurs prévenus le {_local(ctx, found.editors_notified_at)}")
        console.print(f"Accroche : {found.preheader or '(automatique)'}", markup=False)
        console.print(
            f"Édito : {'rédigé' if found.edito else 'à écrire'} ; "
            f"mouvements : {'rédigés' if found.mouvements else 'aucun'}"
        )
        print_contents(ctx, found)


@edition.command()
@click.argument("edition_id", type=int)
@click.option(
    "--move",
    "moves",
    type=(int, int),
    multiple=True,
    metavar="ITEM POS",
    help="Place l’élément ITEM en position POS dans sa rubrique.",
)
@click.option("--drop", "drops", type=int, multiple=True, metavar="ITEM", help="Retire ITEM.")
@click.option("--add", "adds", type=int, multiple=True, metavar="ITEM", help="Ajoute ITEM.")
@click.option("--section", help="Rubrique des ajouts (défaut : la première qui convient).")
@click.option("--edito", type=click.File(encoding="utf-8"), help="Fichier de l’édito (- : entrée).")
@click.option("--mouvements", type=click.File(encoding="utf-8"), help="Fichier des mouvements.")
@click.option("--subject", help="Objet du message.")
@click.option("--preheader", help="Accroche affichée après l’objet (vide : automatique).")
@pass_context
def edit(
    ctx: Context,
    edition_id: int,
    moves: tuple[tuple[int, int], ...],
    drops: tuple[int, ...],
    adds: tuple[int, ...],
    section: str | None,
    edito: TextIO | None,
    mouvements: TextIO | None,
    subject: str | None,
    preheader: str | None,
) -> None:
    """Modifie une édition : ordre, retraits, ajouts, édito, mouvements, objet, accroche."""
    from newsletter.editions.store import EditionStore

    texts = (edito, mouvements, subject, preheader)
    if not (moves or drops or adds) and all(text is None for text in texts):
        raise InputError("rien à modifier", "voir `newsletter edition edit --help`")
    app = ctx.ready_app()

    def act(store: EditionStore, found: Edition) -> str:
        newsletter = app.settings.newsletter(found.newsletter)
        for item_id in drops:
            store.drop_item(found, item_id)
        for item_id in adds:
            store.add_item(found, item_id, newsletter, section)
        for item_id, position in moves:
            store.move_item(found, item_id, position)
        store.set_texts(
            found,
            edito=edito.read() if edito else None,
            mouvements=mouvements.read() if mouvements else None,
            subject=subject,
            preheader=preheader,
        )
        return (f"{len(moves)} déplacement(s), {len(drops)} retrait(s), {len(adds)} ajout(s)"
                + (", textes" if any(text is not None for text in texts) else ""))  # fmt: skip

    done = app.editing.change(ctx.actor(), edition_id, act)
    ctx.console.print(done, markup=False)
    with app.database.session() as session:
        print_contents(ctx, EditionStore(session).get(edition_id))


@edition.command()
@click.argument("edition_id", type=int)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Dossier de sortie.")
@click.option("--themes", default="", help="Variante : thèmes choisis, séparés par des virgules.")
@pass_context
def render(ctx: Context, edition_id: int, out: Path | None, themes: str) -> None:
    """Écrit la page d’archive (index.html), le texte (message.txt) et preview.eml."""
    from newsletter.editions.store import EditionStore

    app = ctx.ready_app()
    variant = frozenset(key.strip() for key in themes.split(",") if key.strip())
    known = app.settings.classification.themes
    if variant - set(known):
        raise InputError(
            f"thème inconnu : {', '.join(sorted(variant - set(known)))}",
            f"thèmes : {', '.join(known)}",
        )
    with app.database.session() as session:
        found = EditionStore(session).get(edition_id)
        folder = out or edition_folder(app, found)
        rendered, written = app.publishing.write_files(session, found, folder, variant)
    print_written(ctx, rendered, written)


@edition.command()
@click.argument("edition_id", type=int)
@pass_context
def approve(ctx: Context, edition_id: int) -> None:
    """Approuve une édition : cette version, figée, pourra partir à sa date."""
    found = ctx.ready_app().editing.approve(ctx.actor(), edition_id)
    ctx.console.print(f"Édition {found.id} approuvée : {found.subject}", markup=False)


@edition.command()
@click.argument("edition_id", type=int)
@pass_context
def discard(ctx: Context, edition_id: int) -> None:
    """Abandonne les modifications faites depuis l’approbation : la version approuvée partira."""
    abandoned = ctx.ready_app().editing.discard(ctx.actor(), edition_id)
    ctx.console.print(f"Édition {edition_id} : modifications abandonnées", markup=False)
    for line in abandoned:
        ctx.console.print(f"  – {line}", markup=False)


@edition.command()
@click.argument("name")
@click.option("--set", "value", type=click.IntRange(min=1), help="Numéro de la prochaine édition.")
@pass_context
def number(ctx: Context, name: str, value: int | None) -> None:
    """Affiche ou fixe le numéro de la prochaine édition de la lettre NAME."""
    from newsletter.editions.store import EditionStore

    app = ctx.ready_app()
    newsletter = app.settings.newsletter(name)
    with app.database.session() as session:
        store = EditionStore(session)
        if value is not None:
            store.set_next_number(name, value)
        upcoming = store.next_number(name, newsletter.first_number)
    click.echo(f"Prochaine édition de {name} : n° {upcoming}")


@edition.command()
@click.argument("name")
@click.option("--out", type=click.File("w", encoding="utf-8"), default="-", help="Fichier.")
@pass_context
def feed(ctx: Context, name: str, out: TextIO) -> None:
    """Écrit le flux Atom des archives de la lettre NAME (éditions envoyées)."""
    app = ctx.ready_app()
    app.settings.newsletter(name)
    with app.database.session() as session:
        out.write(app.publishing.feed(session, name, datetime.now(UTC)))


def edition_folder(app: App, found: Edition) -> Path:
    """Default output folder of an edition: ``rendering.output/NAME-NUMBER``."""
    output = app.settings.base_dir / app.settings.rendering.output
    return output / f"{found.newsletter}-{found.number}"


def print_written(ctx: Context, rendered: Rendered, written: Written) -> None:
    console = ctx.console
    console.print(f"{rendered.subject} — HTML {rendered.size / 1000:.1f} Ko", markup=False)
    for warning in rendered.warnings:
        console.print(f"Attention : {warning}", style="yellow", markup=False)
    for label, path in (
        ("page d’archive", written.page),
        ("texte         ", written.text),
        ("message       ", written.preview),
    ):
        console.print(f"  {label} : {path}", markup=False, soft_wrap=True)  # paths stay whole


def print_contents(ctx: Context, found: Edition) -> None:
    """The edition's items, rubrique by rubrique in the configured order."""
    from rich.table import Table
    from rich.text import Text

    order = [section.key for section in ctx.settings.newsletter(found.newsletter).sections]
    table = Table(title=f"n° {found.number} — {found.period}", title_justify="left")
    for column in ("rubrique", "pos.", "élément", "type", "titre"):
        table.add_column(column)

    def rank(section: str) -> int:
        return order.index(section) if section in order else len(order)

    for entry in sorted(found.entries, key=lambda e: (rank(e.section), e.position)):
        item = entry.item
        flag = {"annule": "[annulé] ", "modifie": "[modifié] "}.get(
            "annule" if item.cancelled else entry.change, ""
        )
        table.add_row(
            entry.section,
            str(entry.position),
            str(entry.item_id),
            ITEM_KINDS.get(item.kind, item.kind),
            Text(f"{flag}{item.title}"),
        )
    ctx.console.print(table)


def _local(ctx: Context, moment: datetime) -> str:
    zone = ZoneInfo(ctx.settings.organisation.timezone)
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")


COMMANDS = [edition]
