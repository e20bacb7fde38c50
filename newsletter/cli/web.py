"""``newsletter serve``: the web app under uvicorn."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from newsletter.cli.context import Context, pass_context

if TYPE_CHECKING:
    from newsletter.app import App


@click.command()
@click.option("--host", help="Adresse d'écoute (défaut : web.host).")
@click.option("--port", type=int, help="Port (défaut : web.port).")
@pass_context
def serve(ctx: Context, host: str | None, port: int | None) -> None:
    """Sert le site : espace des éditeurs, pages des abonnés, archives et API (uvicorn).

    NEWSLETTER_WEB_SECRET, NEWSLETTER_SECRET_KEYS et NEWSLETTER_SUPPRESSION_PEPPER sont
    requis ; ils sont vérifiés, avec le transport, avant de démarrer."""
    app = ctx.ready_app()
    run_server(app, host, port)


def run_server(app: App, host: str | None = None, port: int | None = None) -> None:
    """The web app in the foreground, until Ctrl-C; secrets and transport checked first."""
    import uvicorn

    from newsletter.web.app import create_app
    from newsletter.web.server import server_config

    web = create_app(app)
    app.check_sending()
    settings = app.settings.web
    host, port = host or settings.host, port or settings.port
    site = f"http://{host}:{port}"
    click.echo(f"Site : {site}/ — archives {site}/archives/, abonnement {site}/abonnement, "
               f"espace des éditeurs {site}/editeurs/ (Ctrl-C pour arrêter)")  # fmt: skip
    uvicorn.Server(server_config(web, settings, host=host, port=port, log_level="info")).run()


COMMANDS = [serve]
