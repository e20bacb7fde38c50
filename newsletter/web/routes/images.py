"""Images: served to everyone from the centre's own address, and set by editors — an
item's image (on the item's page) and the newsletters' logo (the Réglages page). Uploads
are capped at ``fetch.max_bytes``, like downloaded images; every message is shown next to
the form it answers."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from newsletter.accounts.models import User
from newsletter.accounts.permissions import may_change_logo
from newsletter.app import App
from newsletter.errors import InputError, NewsletterError, NotFoundError, PermissionDenied
from newsletter.images.store import IMAGES_PATH, ImageStore
from newsletter.web.auth import current_user, lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages, flash, flash_error

router = site_router(include_in_schema=False)
Lettre = Annotated[App, Depends(lettre)]
Editor = Annotated[User, Depends(current_user)]
Alt = Annotated[str, Form(max_length=1000)]
Upload = Annotated[UploadFile | None, File()]
Confirm = Annotated[str, Form(max_length=10)]
ITEM_PATH = "/editeurs/elements/{item_id:int}/image"
SETTINGS_PATH = "/editeurs/reglages"
# Where images are uploaded (a regular expression: web.limits lets them in up to
# fetch.max_bytes rather than web.max_body_bytes).
UPLOADS = r"/editeurs/elements/\d+/image|/editeurs/reglages/logo"
_NAME = re.compile(r"^(\d{1,10})-([0-9a-f]{16})-([12])x\.(jpg|png)$")
FOREVER = "public, max-age=31536000, immutable"


@router.get(IMAGES_PATH + "/{name}")
def served(name: str, app: Lettre) -> Response:
    """An image's file; its name carries its digest, so it can be cached for good."""
    found = _NAME.match(name)
    if found is None:
        raise NotFoundError("image introuvable")
    image_id, digest, scale, _ = found.groups()
    with app.database.session() as session:
        image = ImageStore(session).served(int(image_id), digest)
        if image is None:
            raise NotFoundError("image introuvable")
        data = image.data2x if scale == "2" else image.data
        media_type = image.media_type
    return Response(data, media_type=media_type, headers={"Cache-Control": FOREVER})


def _read(upload: UploadFile | None, limit: int) -> bytes:
    data = upload.file.read(limit + 1) if upload is not None else b""
    if not data:
        raise InputError("aucun fichier choisi", "choisissez une image PNG, JPEG ou WebP")
    if len(data) > limit:
        raise InputError(f"fichier trop lourd (plus de {limit // 1_000_000} Mo)",
                         "réduisez l’image avant de la déposer")  # fmt: skip
    return data


def _answer(
    request: Request, url: str, done: str, error: NewsletterError | None = None
) -> Response:
    """Back to the form, the outcome shown next to it (its section is ``#image``)."""
    if error is None:
        flash(request, done, where="image")
    else:
        flash_error(request, error, "image")
    return RedirectResponse(f"{url}#image", status_code=303)


@router.post(ITEM_PATH)
def item_image(
    request: Request, item_id: int, app: Lettre, user: Editor, fichier: Upload = None,
    alt: Alt = "",
) -> Response:  # fmt: skip
    """Upload an item's image (with its alternative text), or change the text only."""
    actor, page = app.actor(user), f"/editeurs/elements/{item_id}"
    try:
        if fichier is not None and fichier.filename:
            data = _read(fichier, app.settings.fetch.max_bytes)
            app.illustrations.set_item_image(actor, item_id, data, alt)
            done = "Image enregistrée : elle paraîtra avec l’élément."
        else:
            app.illustrations.describe_item_image(actor, item_id, alt)
            done = "Texte de remplacement enregistré."
    except (InputError, PermissionDenied) as exc:
        return _answer(request, page, "", exc)
    return _answer(request, page, done)


@router.post(ITEM_PATH + "/retirer")
def remove_item_image(
    request: Request, item_id: int, app: Lettre, user: Editor, confirmer: Confirm = ""
) -> Response:
    """Remove an item's image, once the editor has ticked the confirmation."""
    page = f"/editeurs/elements/{item_id}"
    try:
        if confirmer != "oui":
            raise InputError("retrait non confirmé", "cochez la case de confirmation")
        app.illustrations.remove_item_image(app.actor(user), item_id)
    except (InputError, PermissionDenied) as exc:
        return _answer(request, page, "", exc)
    return _answer(request, page, "Image retirée de l’élément.")


@router.get(SETTINGS_PATH)
def settings_page(request: Request, app: Lettre, user: Editor) -> Response:
    pages: Pages = request.app.state.pages
    context = {"logo": app.illustrations.logo(), "limit": app.settings.fetch.max_bytes,
               "may_change": may_change_logo(app.actor(user))}  # fmt: skip
    return pages.render(request, "settings.html", context)


@router.post(SETTINGS_PATH + "/logo")
def logo(request: Request, app: Lettre, user: Editor, fichier: Upload = None,
         alt: Alt = "") -> Response:  # fmt: skip
    """The newsletters' logo, shown in every masthead from the next rendering on."""
    try:
        data = _read(fichier, app.settings.fetch.max_bytes)
        app.illustrations.set_logo(app.actor(user), data, alt)
    except (InputError, PermissionDenied) as exc:
        return _answer(request, SETTINGS_PATH, "", exc)
    return _answer(request, SETTINGS_PATH, "Logo enregistré : il paraîtra dans les prochaines "
                   "éditions (les éditions approuvées gardent le leur).")  # fmt: skip
