"""``newsletter serve``: the web app under uvicorn."""

from __future__ import annotations

import click

from newsletter.cli.context import Context, pass_context


@click.command()
@click.option("--host", help="Adresse d'écoute (défaut : web.host).")
@click.option("--port", type=int, help="Port (défaut : web.port).")
@pass_context
def serve(ctx: Context, host: str | None, port: int | None) -> None:
    """Sert l'espace des éditeurs et l'API (uvicorn). NEWSLETTER_WEB_SECRET est requis."""
    import uvicorn

    from newsletter.web.app import create_app

    app = ctx.ready_app()
    settings = app.settings.web
    web = create_app(app)
    host, port = host or settings.host, port or settings.port
    click.echo(f"Espace des éditeurs : http://{host}:{port}/editeurs/ (Ctrl-C pour arrêter)")
    uvicorn.run(web, host=host, port=port, proxy_headers=True, log_level="info")


COMMANDS = [serve]
