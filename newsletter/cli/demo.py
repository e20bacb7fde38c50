"""``newsletter demo``: the whole pipeline on the embedded default, with sample feeds;
``--serve`` then serves the web app on it.

The demo runs on its own local address (``NEWSLETTER_PUBLIC_URL``, by default
``http://web.host:web.port``, instead of ``organisation.public_url``), so that the links
of its emails and pages lead to the server it starts, and with the secrets of
``var/demo-secrets.env`` (made on first run) where the environment has none.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import date
from pathlib import Path

import click

from newsletter.cli.content import fetch_with_progress, print_fetch_summary
from newsletter.cli.context import Context, pass_context
from newsletter.cli.editions import edition_folder, print_written
from newsletter.cli.scheduler import accelerated
from newsletter.cli.sending import send_with_progress
from newsletter.cli.web import run_server
from newsletter.errors import NewsletterError
from newsletter.vocabulary import ITEM_KINDS

EDITORIAL_SAMPLE = Path(__file__).resolve().parent.parent / "demo" / "data" / "editorial.csv"


DEMO_EDITOR = "editeur@exemple.fr"


@click.command()
@click.option(
    "--scheduler",
    "seconds",
    type=click.IntRange(min=0, max=600),
    default=0,
    metavar="SECONDES",
    help="Fait ensuite tourner le planificateur en accéléré pendant SECONDES.",
)
@click.option("--serve", "then_serve", is_flag=True,
              help="Puis servir le site (archives, abonnement, espace des éditeurs).")  # fmt: skip
@pass_context
def demo(ctx: Context, seconds: int, then_serve: bool) -> None:
    """Démonstration : flux d'exemple, base, collecte, puis une Lettre et une lettre du Réaap.

    Les secrets absents de l'environnement sont créés une fois dans var/demo-secrets.env.
    """
    from newsletter.accounts.permissions import OPERATOR
    from newsletter.demo.feed_server import serve_samples

    _demo_settings(ctx)
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
        images = ctx.app.illustrations.after_gathering()
        if images:
            console.print(f"Images : {images}.")
        saved, errors = ctx.app.items.import_file(OPERATOR, EDITORIAL_SAMPLE)
        if errors or saved is None:
            raise NewsletterError(f"fichier éditorial d'exemple invalide : {errors[0]}")
        console.print(
            f"Saisie éditoriale ({EDITORIAL_SAMPLE.name}) : {saved.new} nouveaux éléments."
        )
        _print_gathered(ctx)
        _send(ctx, _editions(ctx, today)[-1:])  # the Réaap issue; the Lettre awaits review
        if seconds:
            accelerated(ctx, seconds)  # the sample feeds are still served
    _print_web_steps(ctx, _demo_editor(ctx))
    if then_serve:
        web = settings.web
        console.rule(f"Site de démonstration : {settings.organisation.public_url}/ (Ctrl-C)")
        run_server(ctx.app, web.host, web.port)


def _demo_settings(ctx: Context) -> None:
    """The demo's local public address and its secrets (see the module's docstring), in
    an environment that the sends started from its web pages inherit too."""
    from newsletter.demo.secrets import demo_environ
    from newsletter.settings import ENV_PUBLIC_URL, load_settings

    settings = ctx.settings
    environ, _ = demo_environ(settings.base_dir / "var", os.environ)
    environ.setdefault(ENV_PUBLIC_URL, f"http://{settings.web.host}:{settings.web.port}")
    ctx.switch(load_settings(settings.path, environ), environ)


def _demo_editor(ctx: Context) -> str:
    """An administrator account whose password is the demo's (kept in the secrets file)."""
    from newsletter.accounts.store import AccountStore
    from newsletter.demo.secrets import DEMO_PASSWORD

    password = (ctx.environ or {})[DEMO_PASSWORD]
    with ctx.app.database.session() as session:
        accounts = AccountStore(session)
        if accounts.find(DEMO_EDITOR) is None:
            accounts.add(DEMO_EDITOR, "admin", password, "Rédaction (démonstration)")
        else:
            accounts.set_password(DEMO_EDITOR, password)
    return password


# The demo's editions, and the sample texts their editors wrote.
DEMO_EDITIONS = {
    "lettre": {"edito": "lettre-edito", "mouvements": "lettre-mouvements"},
    "reaap": {"edito": "reaap-edito"},
}


def _editions(ctx: Context, today: date) -> list[int]:
    """Assemble a Lettre and a Réaap issue for today, render them to files; their ids."""
    from newsletter.demo.samples import load_sample_text
    from newsletter.editions.assembly import assemble
    from newsletter.editions.store import EditionStore

    app = ctx.app
    made_ids = []
    zone = app.settings.organisation.timezone
    for name, texts in DEMO_EDITIONS.items():
        newsletter = app.settings.newsletter(name)
        with app.database.session() as session:
            store = EditionStore(session)
            made = assemble(store, name, newsletter, zone, day=today, replace=True)
            store.set_texts(made, **{key: load_sample_text(text) for key, text in texts.items()})
            rendered, written = app.publishing.write_files(session, made, edition_folder(app, made))
            sections = len(rendered.section_sizes)
            summary = f"édition {made.id} : {len(made.entries)} éléments en {sections} rubriques"
            made_ids.append(made.id)
        ctx.console.rule(f"{newsletter.title} — {summary}")
        print_written(ctx, rendered, written)
    ctx.console.print(
        "Ouvrir index.html dans un navigateur ; relire avec `newsletter edition show ID`."
    )
    return made_ids


def _send(ctx: Context, edition_ids: list[int]) -> None:
    """Import the sample audience, approve the editions and send them (to the outbox).

    The demo sends the Réaap issue and leaves the Lettre as a draft, for the editors' pages;
    an issue with anything to check before sending (empty, thin…) is not sent.
    """
    from newsletter.accounts.permissions import OPERATOR
    from newsletter.demo.audience import import_sample_audience

    app = ctx.app
    counts = import_sample_audience(app)
    ctx.console.rule("Envoi")
    ctx.console.print(
        "Abonnés d'exemple importés : "
        + ", ".join(f"{count} sur la liste {key}" for key, count in counts.items())
    )
    for edition_id in edition_ids:
        app.editing.approve(OPERATOR, edition_id)
        checks = app.editing.confirmation(edition_id).checks
        if checks:
            reasons = " ; ".join(check.message for check in checks)
            ctx.console.print(f"Édition {edition_id} non envoyée : {reasons}.", markup=False)
            continue
        app.editing.start(OPERATOR, edition_id)
        report = send_with_progress(ctx, edition_id, wait=0.0)
        ctx.console.print(f"Édition {edition_id} — {report.describe()}.", markup=False)
    outbox = app.settings.base_dir / app.settings.transport.maildir_path / "new"
    if app.settings.transport.kind == "maildir":
        ctx.console.print(f"Messages déposés dans {outbox}", markup=False, soft_wrap=True)


def _print_gathered(ctx: Context) -> None:
    from rich.table import Table

    from newsletter.content.models import Item

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


def _print_web_steps(ctx: Context, password: str) -> None:
    """How to open the demo's web pages."""
    settings = ctx.settings
    site = settings.organisation.public_url
    console = ctx.console
    console.rule("Site web de la démonstration")
    console.print("Lancez le serveur (la démonstration est refaite, puis le site est servi) :")
    console.print("  newsletter demo --serve", markup=False, highlight=False)
    console.print("Puis ouvrez :")
    pages = (("archives publiques ", "/archives/"), ("abonnement         ", "/abonnement"),
             ("espace des éditeurs", "/editeurs/"))  # fmt: skip
    for label, path in pages:
        console.print(f"  {label}  {site}{path}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"  compte éditeur : {DEMO_EDITOR}, mot de passe : {password}",
                  markup=False, highlight=False, soft_wrap=True)  # fmt: skip
    secrets_file = settings.base_dir / "var" / "demo-secrets.env"
    console.print(f"Secrets de la démonstration (créés une fois) : {secrets_file}",
                  markup=False, highlight=False, soft_wrap=True)  # fmt: skip
    if settings.transport.kind == "maildir":
        outbox = settings.base_dir / settings.transport.maildir_path
        console.print(f"Les messages (confirmations, essais) arrivent dans {outbox}/new",
                      markup=False, highlight=False, soft_wrap=True)  # fmt: skip
    console.print(
        "En production : newsletter users add, NEWSLETTER_WEB_SECRET, NEWSLETTER_SECRET_KEYS, "
        "NEWSLETTER_SUPPRESSION_PEPPER, puis newsletter serve (docs/web.md).",
        markup=False, highlight=False,
    )  # fmt: skip


COMMANDS = [demo]
