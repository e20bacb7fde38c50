"""Importing a subscriber file in the browser, and exporting a list or a segment.

Upload (at most ``web.import_max_bytes``: a clear 413 page over it) → preview (encoding,
delimiter, the columns as read — editable —, the first rows and the exact report of a dry
run; nothing written) → confirmation with the consent's origin → the import runs beside
the request, in one transaction, while the follow-up page refreshes itself with its
progress, then shows the report. The same services as ``newsletter subscribers import``.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from newsletter.accounts.models import User
from newsletter.accounts.permissions import Actor
from newsletter.app import App
from newsletter.errors import NewsletterError
from newsletter.services.imports import FIELDS
from newsletter.text import decimal
from newsletter.web.auth import current_user, lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages
from newsletter.web.routes.people import labels
from newsletter.web.uploads import Uploads

router = site_router(include_in_schema=False)
PATH = "/editeurs/abonnes/import"
Editor = Annotated[User, Depends(current_user)]
Lettre = Annotated[App, Depends(lettre)]
Short = Annotated[str, Form(max_length=300)]
REFRESH_SECONDS = 1
logger = logging.getLogger("lettre.web")


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _uploads(app: App) -> Uploads:
    return Uploads(app.settings.base_dir / app.settings.web.uploads)


def _size(size: int) -> str:
    """``84 Ko``, ``10,5 Mo``."""
    if size < 1_000_000:
        return f"{size / 1000:.0f} Ko"
    return f"{decimal(size / 1_000_000, 1)} Mo"


def _upload_page(
    request: Request, app: App, user: User, status: int = 200, **context: Any
) -> Response:
    values = {**labels(app, user), "error": None, "hint": "", "liste": "",
              "limit": _size(app.settings.web.import_max_bytes), **context}  # fmt: skip
    return _pages(request).render(request, "imports/upload.html", values, status=status)


@router.get(PATH)
def upload_form(request: Request, app: Lettre, user: Editor) -> Response:
    return _upload_page(request, app, user)


@router.post(PATH)
def upload(
    request: Request, app: Lettre, user: Editor,
    fichier: Annotated[UploadFile | None, File()] = None, liste: Short = "",
) -> Response:  # fmt: skip
    limit = app.settings.web.import_max_bytes
    declared = request.headers.get("content-length", "")
    size = fichier.size if fichier is not None and fichier.size is not None else 0
    if (declared.isdigit() and int(declared) > limit + 64_000) or size > limit:
        return _upload_page(
            request, app, user, 413, liste=liste,
            error=f"fichier trop volumineux ({_size(max(size, int(declared or 0)))} ; "
                  f"au plus {_size(limit)})",
            hint="coupez-le en plusieurs fichiers, importés l’un après l’autre",
        )  # fmt: skip
    data = fichier.file.read(limit + 1) if fichier is not None else b""
    if not data.strip():
        return _upload_page(request, app, user, 400, liste=liste, error="aucun fichier reçu",
                            hint="choisissez un fichier CSV")  # fmt: skip
    token = _uploads(app).save(user.id, data)
    return RedirectResponse(f"{PATH}/{token}?{urlencode({'liste': liste})}", status_code=303)


def chosen_columns(values: Mapping[str, Any]) -> dict[int, str] | None:
    """The columns the editor chose (``colonne-N`` = a field, or "" to ignore it); None
    when the form did not say (the columns found from the header are used)."""
    chosen = {int(key[8:]): str(value) for key, value in values.items()
              if key.startswith("colonne-") and key[8:].isdigit() and len(key) < 12}  # fmt: skip
    if not chosen:
        return None
    return {index: field for index, field in chosen.items() if field in FIELDS}


@router.get(PATH + "/{token}")
def preview(
    request: Request, token: str, app: Lettre, user: Editor,
    liste: Annotated[str, Query(max_length=50)] = "",
) -> Response:  # fmt: skip
    data = _uploads(app).data(user.id, token)
    actor = app.actor(user)
    shown = labels(app, user)
    liste = liste or next(iter(shown["lists"]), "")
    found = app.imports.preview(actor, data, liste, chosen_columns(request.query_params))
    context = {**shown, "token": token, "liste": liste, "preview": found, "fields": FIELDS}
    return _pages(request).render(request, "imports/preview.html", context)


@router.post(PATH + "/{token}")
async def confirm(request: Request, token: str, app: Lettre, user: Editor) -> Response:
    form = await request.form()
    liste, source = str(form.get("liste", ""))[:50], str(form.get("source", ""))[:300]
    columns = chosen_columns(form)
    uploads = _uploads(app)
    data = uploads.data(user.id, token)
    if uploads.status(user.id, token) is None:
        uploads.set_status(user.id, token, {"state": "running", "done": 0, "total": 0,
                                            "list": liste})  # fmt: skip
        thread = threading.Thread(
            target=_run, args=(app, app.actor(user), uploads, user.id, token, data, liste, source,
                               columns), daemon=True,
        )  # fmt: skip
        thread.start()
    return RedirectResponse(f"{PATH}/{token}/suivi", status_code=303)


def _run(
    app: App, actor: Actor, uploads: Uploads, user_id: int, token: str, data: bytes,
    list_key: str, source: str, columns: dict[int, str] | None,
) -> None:  # fmt: skip
    """The import, beside the request; its progress and outcome in the status file."""

    def progress(done: int, total: int) -> None:
        uploads.set_status(user_id, token, {"state": "running", "done": done, "total": total,
                                            "list": list_key})  # fmt: skip

    try:
        report = app.imports.run(actor, data, list_key, source, columns, progress)
        outcome = {"state": "done", "lines": report.lines(), "list": list_key}
    except NewsletterError as exc:
        outcome = {"state": "failed", "error": exc.message, "hint": exc.hint, "list": list_key}
    except Exception:
        logger.exception("import %s failed", token)
        outcome = {"state": "failed", "error": "erreur interne : rien n’a été importé",
                   "hint": "l’incident est consigné ; réessayez", "list": list_key}  # fmt: skip
    uploads.set_status(user_id, token, outcome)


@router.get(PATH + "/{token}/suivi")
def follow(request: Request, token: str, app: Lettre, user: Editor) -> Response:
    status = _uploads(app).status(user.id, token)
    if status is None:
        return RedirectResponse(f"{PATH}/{token}", status_code=303)
    context = {**labels(app, user), "status": status, "token": token,
               "refresh": REFRESH_SECONDS}  # fmt: skip
    return _pages(request).render(request, "imports/status.html", context)


@router.get("/editeurs/abonnes/export")
def export(
    app: Lettre, user: Editor,
    liste: Annotated[str, Query(max_length=50)] = "",
    segment: Annotated[str, Query(max_length=100)] = "",
) -> Response:  # fmt: skip
    """A CSV a French spreadsheet opens as it is (the command line's export)."""
    buffer = io.StringIO(newline="")
    app.imports.export(app.actor(user), buffer, liste or None, segment or None)
    name = "-".join(filter(None, ("abonnes", liste, segment, date.today().isoformat())))
    headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
    return Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), headers=headers,
                    media_type="text/csv; charset=utf-8")  # fmt: skip
