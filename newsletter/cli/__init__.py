"""Command line: ``newsletter SUBCOMMAND``; one function per user action, docstring as help."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any

import click

from newsletter.cli import french
from newsletter.cli.context import Context
from newsletter.errors import NewsletterError


class Lettre(click.Group):
    """Turns expected errors, database failures, interruptions and Click's usage errors into
    one French line with a hint and a non-zero exit code (``--verbose`` adds the trace)."""

    def main(  # one signature for both of Click's overloads
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "newsletter"
            click.secho(f"Erreur : {exc.format_message()} (voir `{command} --help`)",
                        fg="red", err=True)  # fmt: skip
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.secho(f"Erreur : {exc.format_message()}", fg="red", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo(french.gettext("Aborted!"), err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except NewsletterError as exc:
            self._fail(ctx, exc)
        except KeyboardInterrupt:  # Ctrl-C during a command: its transaction is rolled back
            if sys.stderr.isatty():
                click.echo(err=True)  # end the terminal's ^C line
            click.echo(french.gettext("Aborted!"), err=True)
            ctx.exit(130)
        except Exception as exc:
            from newsletter.db import translated  # only when something failed: --help stays light

            error = translated(exc)
            if error is None:
                raise
            self._fail(ctx, error)

    @staticmethod
    def _fail(ctx: click.Context, exc: NewsletterError) -> None:
        obj = ctx.find_object(Context)
        if obj is not None and obj.verbose:
            traceback.print_exc()
        hint = f" ({exc.hint})" if exc.hint else ""
        click.secho(f"Erreur : {exc.message}{hint}", fg="red", err=True)
        ctx.exit(exc.exit_code)


@click.group(cls=Lettre, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False),
    envvar="NEWSLETTER_CONFIG",
    help="Fichier de configuration (défaut : ./config.toml).",
)
@click.option("--verbose", "-v", is_flag=True, help="Détails et trace complète des erreurs.")
@click.option(
    "--user",
    "user_email",
    metavar="COURRIEL",
    envvar="NEWSLETTER_USER",
    help="Agir au nom de ce compte d'éditeur : ses droits s'appliquent, l'historique le nomme.",
)
@click.pass_context
def cli(ctx: click.Context, config: str | None, verbose: bool, user_email: str | None) -> None:
    """Lettre : la lettre et les lettres de réseau de Profession Banlieue."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    ctx.obj = Context(config_path=config, verbose=verbose, user_email=user_email)
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from newsletter.cli import (
        accounts,
        audit,
        bounces,
        content,
        demo,
        editions,
        images,
        scheduler,
        sending,  # noqa: F401  (adds send, pause, status to `edition`)
        statistics,
        subscribers,
        web,
    )

    for module in (content, editions, subscribers, bounces, scheduler, accounts, audit, web,
                   demo, statistics, images):  # fmt: skip
        for command in module.COMMANDS:
            cli.add_command(command)


french.install()
_register()


# Files and folders Lettre creates (database, outbox, uploads, logs, exports) are its own:
# 0600 and 0700, whatever the shell's umask.
PRIVATE = 0o077


def main() -> None:
    os.umask(PRIVATE)
    sys.exit(cli.main(prog_name="newsletter"))
