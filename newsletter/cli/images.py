"""Images from the command line: an item's image and the logo, through the same service
as the web pages (checks, re-encoding, alternative text required, roles)."""

from __future__ import annotations

from pathlib import Path

import click

from newsletter.cli.context import Context, pass_context
from newsletter.errors import InputError

File = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command("image")
@click.argument("item_id", type=int)
@click.argument("file", type=File, required=False)
@click.option("--alt", default="", help="Texte de remplacement (obligatoire avec une image).")
@click.option("--remove", is_flag=True, help="Retirer l'image de l'élément.")
@pass_context
def item_image(ctx: Context, item_id: int, file: Path | None, alt: str, remove: bool) -> None:
    """Donne une image (PNG, JPEG, WebP) à l'élément ITEM_ID, change son texte de
    remplacement (sans FILE), ou la retire (--remove)."""
    illustrations = ctx.ready_app().illustrations
    if remove:
        illustrations.remove_item_image(ctx.actor(), item_id)
        click.echo(f"Image retirée de l'élément {item_id}.")
    elif file is not None:
        image = illustrations.set_item_image(ctx.actor(), item_id, file.read_bytes(), alt)
        click.echo(f"Image enregistrée pour l'élément {item_id} ({image.width} × {image.height}).")
    elif alt:
        illustrations.describe_item_image(ctx.actor(), item_id, alt)
        click.echo(f"Texte de remplacement de l'image de l'élément {item_id} enregistré.")
    else:
        raise InputError("rien à faire", "donnez un fichier et --alt, --alt seul, ou --remove")


@click.command("logo")
@click.argument("file", type=File)
@click.option("--alt", required=True, help="Texte de remplacement (le nom du centre).")
@pass_context
def logo(ctx: Context, file: Path, alt: str) -> None:
    """Enregistre le logo des lettres (PNG, JPEG ou WebP), affiché en tête de chacune."""
    image = ctx.ready_app().illustrations.set_logo(ctx.actor(), file.read_bytes(), alt)
    click.echo(f"Logo enregistré ({image.width} × {image.height}).")


COMMANDS = [logo]
