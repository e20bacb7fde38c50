"""``newsletter demo``: the whole pipeline on the embedded default, with sample feeds."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import click
from rich.table import Table

from newsletter.cli.content import fetch_with_progress, print_fetch_summary
from newsletter.cli.context import Context, pass_context
from newsletter.cli.editions import edition_folder, print_written, write_rendered
from newsletter.cli.scheduler import accelerated
from newsletter.content.editorial import import_file
from newsletter.content.kinds import ITEM_KINDS
from newsletter.content.models import Item
from newsletter.demo.feed_server import serve_samples
from newsletter.demo.samples import load_sample_text
from newsletter.editions.assembly import assemble
from newsletter.editions.store import EditionStore
from newsletter.errors import NewsletterError

EDITORIAL_SAMPLE = Path(__file__).resolve().parent.parent / "demo" / "data" / "editorial.csv"


@click.command()
@click.option(
    "--scheduler",
    "seconds",
    type=click.IntRange(min=0, max=600),
    default=0,
    metavar="SECONDES",
    help="Fait ensuite tourner le planificateur en accéléré pendant SECONDES.",
)
@pass_context
def demo(ctx: Context, seconds: int) -> None:
    """Démonstration : flux d'exemple, base, collecte, puis une Lettre et une lettre du Réaap."""
    settings = ctx.settings
    port = settings.demo.feeds_port
    today = date.today()
    try:
        server = serve_samples(today, port=port)
    except OSError as exc:
        raise NewsletterError(
            f"impossible de servir les flux d'exemple sur le port {port} : {exc.strerror}",
            "libérez ce port ou changez demo.feeds_port dans config.toml",
        ) from None
    console = ctx.console
    with server:
        console.rule("Lettre — démonstration")
        console.print(f"Flux d'exemple servis sur {server.base_url}")
        revision = ctx.app.database.migrate()
        console.print(f"Base : {ctx.app.database.url} (schéma {revision})")
        reports = fetch_with_progress(ctx)
        print_fetch_summary(ctx, reports)
        saved, errors = import_file(ctx.app.database, settings, EDITORIAL_SAMPLE)
        if errors or saved is None:
            raise NewsletterError(f"fichier éditorial d'exemple invalide : {errors[0]}")
        console.print(
            f"Saisie éditoriale ({EDITORIAL_SAMPLE.name}) : {saved.new} nouveaux éléments."
        )
        _print_gathered(ctx)
        _editions(ctx, today)
        if seconds:
            accelerated(ctx, seconds)  # the sample feeds are still served


# The demo's editions, and the sample texts their editors wrote.
DEMO_EDITIONS = {
    "lettre": {"edito": "lettre-edito", "mouvements": "lettre-mouvements"},
    "reaap": {"edito": "reaap-edito"},
}


def _editions(ctx: Context, today: date) -> None:
    """Assemble a Lettre and a Réaap issue for today and render them to files."""
    app = ctx.app
    zone = app.settings.organisation.timezone
    for name, texts in DEMO_EDITIONS.items():
        newsletter = app.settings.newsletter(name)
        with app.database.session() as session:
            store = EditionStore(session)
            made = assemble(store, name, newsletter, zone, day=today, replace=True)
            store.set_texts(made, **{key: load_sample_text(text) for key, text in texts.items()})
            rendered, written = write_rendered(app, session, made, edition_folder(app, made))
            sections = len(rendered.section_sizes)
            summary = f"édition {made.id} : {len(made.entries)} éléments en {sections} rubriques"
        ctx.console.rule(f"{newsletter.title} — {summary}")
        print_written(ctx, rendered, written)
    ctx.console.print(
        "Ouvrir index.html dans un navigateur ; relire avec `newsletter edition show ID`."
    )
    _print_web_steps(ctx)


def _print_gathered(ctx: Context) -> None:
    with ctx.app.database.session() as session:
        items = session.query(Item).all()
        kinds = Counter(item.kind for item in items)
        themes = Counter(theme for item in items for theme in item.themes)
        networks = Counter(network for item in items for network in item.networks)
        shared = sum(1 for item in items if len(item.sources) > 1)
    table = Table(title="Contenus rassemblés", title_justify="left")
    table.add_column("catégorie")
    table.add_column("éléments", justify="right")
    for kind, label in ITEM_KINDS.items():
        if kinds[kind]:
            table.add_row(label, str(kinds[kind]))
    classification = ctx.settings.classification
    for key, count in sorted(themes.items()):
        table.add_row(f"thème : {classification.themes[key].label}", str(count))
    for key, count in sorted(networks.items()):
        table.add_row(f"réseau : {classification.networks[key].label}", str(count))
    table.add_row("annoncés par plusieurs sources", str(shared))
    ctx.console.print(table)
    ctx.console.print("Voir le détail : newsletter items list ; newsletter sources")


def _print_web_steps(ctx: Context) -> None:
    """How to open the editors' area on the demo's database."""
    web = ctx.settings.web
    console = ctx.console
    console.rule("Espace des éditeurs (web)")
    console.print("Créez un compte, choisissez une clé de session, lancez le serveur :")
    for line in (
        '  newsletter users add vous@exemple.fr --role admin --name "Votre nom"',
        "  export NEWSLETTER_WEB_SECRET=\"$(python3 -c 'import secrets; "
        "print(secrets.token_urlsafe(48))')\"",
        "  newsletter serve",
    ):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    console.print(f"Puis ouvrez http://{web.host}:{web.port}/editeurs/", highlight=False)


COMMANDS = [demo]
