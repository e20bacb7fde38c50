"""``newsletter users …``: editors' accounts and their API tokens."""

from __future__ import annotations

import sys
from zoneinfo import ZoneInfo

import click

from newsletter.cli.context import Context, pass_context
from newsletter.vocabulary import ROLES


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Mot de passe", hide_input=True, confirmation_prompt=
                            "Confirmez le mot de passe"))  # fmt: skip


@click.group()
def users() -> None:
    """Comptes des éditeurs (espace web et API)."""


@users.command("add")
@click.argument("email")
@click.option("--role", type=click.Choice(list(ROLES)), required=True,
              help="admin : tout, comptes compris ; editor : toutes les lettres ; "
                   "coordinator : ses lettres seulement.")  # fmt: skip
@click.option("--newsletter", "newsletters", multiple=True, metavar="LETTRE",
              help="Lettre d'un coordinateur (répétable), par exemple reaap.")  # fmt: skip
@click.option("--name", default="", help="Nom affiché.")
@click.option("--password-stdin", is_flag=True, help="Lit le mot de passe sur l'entrée standard.")
@pass_context
def users_add(
    ctx: Context, email: str, role: str, newsletters: tuple[str, ...], name: str,
    password_stdin: bool,
) -> None:  # fmt: skip
    """Crée un compte (le mot de passe est demandé deux fois)."""
    from newsletter.accounts.store import AccountStore

    app = ctx.ready_app()
    password = _read_password(password_stdin)
    with app.database.session() as session:
        user = AccountStore(session).add(email, role, password, name, newsletters,
                                         known=app.settings.newsletters)  # fmt: skip
        click.echo(f"Compte créé : {user.email} ({ROLES[user.role]}).")


@users.command("list")
@pass_context
def users_list(ctx: Context) -> None:
    """Liste les comptes."""
    from rich.table import Table

    from newsletter.accounts.store import AccountStore

    app = ctx.ready_app()
    zone = ZoneInfo(app.settings.fetch.timezone)
    table = Table(title="Comptes")
    for column in ("adresse", "nom", "rôle", "lettres", "dernière connexion", "échecs", "jetons",
                   "état"):  # fmt: skip
        table.add_column(column)
    with app.database.session() as session:
        store = AccountStore(session)
        tokens = store.count_tokens()
        for user in store.all():
            last = user.last_login_at.astimezone(zone).strftime("%d/%m/%Y %H:%M") \
                if user.last_login_at else "—"  # fmt: skip
            table.add_row(user.email, user.display_name, user.role,
                          ", ".join(user.newsletters) or "toutes", last,
                          str(user.failed_attempts), str(tokens.get(user.id, 0)),
                          "désactivé" if user.disabled_at else "actif")  # fmt: skip
    ctx.console.print(table)


@users.command("passwd")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Lit le mot de passe sur l'entrée standard.")
@pass_context
def users_passwd(ctx: Context, email: str, password_stdin: bool) -> None:
    """Change le mot de passe d'un compte (ses sessions sont fermées, ses jetons révoqués)."""
    from newsletter.accounts.store import AccountStore

    app = ctx.ready_app()
    with app.database.session() as session:
        AccountStore(session).by_email(email)
    password = _read_password(password_stdin)
    with app.database.session() as session:
        user = AccountStore(session).set_password(email, password)
        click.echo(f"Mot de passe changé pour {user.email}.")


@users.command("access")
@click.argument("email")
@click.option("--role", type=click.Choice(list(ROLES)), required=True, help="Nouveau rôle.")
@click.option("--newsletter", "newsletters", multiple=True, metavar="LETTRE",
              help="Lettre d'un coordinateur (répétable).")  # fmt: skip
@pass_context
def users_access(ctx: Context, email: str, role: str, newsletters: tuple[str, ...]) -> None:
    """Change le rôle et les lettres d'un compte (ses sessions sont fermées)."""
    from newsletter.accounts.store import AccountStore

    app = ctx.ready_app()
    with app.database.session() as session:
        user = AccountStore(session).set_access(email, role, newsletters, app.settings.newsletters)
        click.echo(
            f"{user.email} : {ROLES[user.role]} ({', '.join(user.newsletters) or 'toutes'})."
        )


@users.command("disable")
@click.argument("email")
@click.option("--enable", is_flag=True, help="Réactive le compte au lieu de le désactiver.")
@pass_context
def users_disable(ctx: Context, email: str, enable: bool) -> None:
    """Désactive un compte : plus de connexion, sessions fermées, jetons révoqués."""
    from newsletter.accounts.store import AccountStore

    app = ctx.ready_app()
    with app.database.session() as session:
        store = AccountStore(session)
        user = store.enable(email) if enable else store.disable(email)
        click.echo(f"Compte {user.email} {'réactivé' if enable else 'désactivé'}.")


@users.command("token")
@click.argument("email")
@click.option("--label", default="", help="Nom du jeton : à quoi il sert (par exemple : site web).")
@click.option("--days", type=click.IntRange(1, 3650), help="Validité en jours (défaut : "
              "web.api_token_days).")  # fmt: skip
@click.option("--revoke", is_flag=True, help="Révoque tous les jetons du compte.")
@pass_context
def users_token(ctx: Context, email: str, label: str, days: int | None, revoke: bool) -> None:
    """Crée un jeton d'API pour ce compte (affiché une seule fois), ou les révoque."""
    from newsletter.accounts.store import AccountStore

    app = ctx.ready_app()
    with app.database.session() as session:
        store = AccountStore(session)
        if revoke:
            count = store.revoke_tokens(email)
            click.echo(f"{count} jeton(s) révoqué(s).")
            return
        token = store.create_token(email, label, days or app.settings.web.api_token_days)
    click.echo("Jeton créé ; conservez-le, il ne sera plus affiché :")
    click.echo(token)
    click.echo("En-tête à envoyer : Authorization: Bearer <jeton>", err=True)


COMMANDS = [users]
