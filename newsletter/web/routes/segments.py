"""Segments in the editors' area: the declared and saved ones, the builder (the same
declarative rules as ``config.toml``: lists, profiles, themes, formats, communes,
departments) with a recipient count and a sample of members — « Compter », no script
needed —, saving, renaming, deleting (refused while an edition uses it), exporting."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response

from newsletter.accounts.models import User
from newsletter.app import App
from newsletter.errors import InputError
from newsletter.settings import Segment
from newsletter.web.auth import current_user, lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages, flash, flash_error, sentence
from newsletter.web.routes.people import labels

router = site_router(include_in_schema=False)
PATH = "/editeurs/segments"
Editor = Annotated[User, Depends(current_user)]
Lettre = Annotated[App, Depends(lettre)]
# Form field → rule key (checkboxes repeat; text fields hold comma-separated values).
CHOICES = {"listes": "lists", "profils": "profiles", "themes": "themes", "formats": "formats"}
TEXTS = {"communes": "communes", "departements": "departments"}
LIMIT = 50


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def rule_of(values: Any) -> dict[str, list[str]]:
    """The rule a builder form describes (query string or posted form)."""
    rule: dict[str, list[str]] = {}
    for name, key in CHOICES.items():
        chosen = [str(value)[:LIMIT] for value in values.getlist(name)][:LIMIT]
        if chosen:
            rule[key] = chosen
    for name, key in TEXTS.items():
        typed = [part.strip()[:LIMIT] for part in str(values.get(name, ""))[:2000].split(",")]
        if any(typed):
            rule[key] = [part for part in typed if part]
    return rule


def form_of(segment: Segment) -> dict[str, Any]:
    """A segment's rule as the builder shows it."""
    return {"listes": list(segment.lists), "profils": list(segment.profiles),
            "themes": list(segment.themes), "formats": list(segment.formats),
            "communes": ", ".join(segment.communes),
            "departements": ", ".join(segment.departments)}  # fmt: skip


def _advanced(segment: Segment) -> bool:
    return bool(segment.all_of or segment.any_of or segment.none_of)


@router.get(PATH)
def segment_list(request: Request, app: Lettre, user: Editor) -> Response:
    segments = app.segmenting.all(app.actor(user))
    context = {**labels(app, user), "segments": segments}
    return _pages(request).render(request, "segments/list.html", context)


def _builder(
    request: Request, app: App, user: User, values: Any, name: str = "", status: int = 200,
    **context: Any,
) -> Response:  # fmt: skip
    """The builder for ``values``; the count and sample when « Compter » was asked (or a
    saved segment is opened)."""
    actor = app.actor(user)
    info = app.segmenting.get(actor, name) if name else None
    editable = info is None or (not info.declared and not _advanced(info.segment))
    asked = "compter" in values
    if info is not None and (not editable or not asked):
        form = form_of(info.segment)
        rule: dict[str, Any] = info.segment.model_dump(exclude={"label"}, exclude_defaults=True)
    else:
        form, rule = _form(values), rule_of(values)
    audience = str(values.get("audience", ""))[:50]
    count, error = None, ""
    if asked or info is not None:
        try:
            count = app.segmenting.count(actor, rule, audience)
        except InputError as exc:
            error = sentence(exc.message + (f" ({exc.hint})" if exc.hint else ""))
    export = {"segment": name} | ({"liste": audience} if audience else {})
    values_ = {**labels(app, user), "form": form, "count": count, "count_error": error,
               "info": info, "audience": audience, "label": info.label if info else "",
               "advanced": bool(info and _advanced(info.segment)), "editable": editable,
               "export_query": urlencode(export), "save_error": "", **context}  # fmt: skip
    return _pages(request).render(request, "segments/builder.html", values_, status=status)


def _form(values: Any) -> dict[str, Any]:
    form: dict[str, Any] = {name: [str(v) for v in values.getlist(name)] for name in CHOICES}
    return form | {name: str(values.get(name, ""))[:2000] for name in TEXTS}


@router.get(PATH + "/nouveau")
def new_segment(request: Request, app: Lettre, user: Editor) -> Response:
    return _builder(request, app, user, request.query_params)


@router.post(PATH + "/nouveau")
async def save_new(request: Request, app: Lettre, user: Editor) -> Response:
    form = await request.form()
    label = str(form.get("libelle", ""))[:300]
    try:
        name = app.segmenting.save(app.actor(user), label, rule_of(form))
    except InputError as exc:
        return _builder(request, app, user, form, status=400, label=label,
                        save_error=sentence(exc.message))  # fmt: skip
    flash(request, f"Segment « {label.strip()} » enregistré.", where="segment")
    return RedirectResponse(f"{PATH}/{name}#segment", status_code=303)


@router.get(PATH + "/{name}")
def segment_page(request: Request, name: str, app: Lettre, user: Editor) -> Response:
    return _builder(request, app, user, request.query_params, name)


@router.post(PATH + "/{name}")
async def save_segment(request: Request, name: str, app: Lettre, user: Editor) -> Response:
    """The builder's « Enregistrer » on a saved segment: its new label and rule."""
    form = await request.form()
    label = str(form.get("libelle", ""))[:300]
    try:
        app.segmenting.save(app.actor(user), label, rule_of(form), name)
    except InputError as exc:
        flash(request, sentence(exc.message), "error", where="segment")
    else:
        flash(request, f"Segment « {label.strip()} » enregistré.", where="segment")
    return RedirectResponse(f"{PATH}/{name}#segment", status_code=303)


@router.post(PATH + "/{name}/renommer")
async def rename(request: Request, name: str, app: Lettre, user: Editor) -> Response:
    label = str((await request.form()).get("libelle", ""))[:300]
    try:
        app.segmenting.rename(app.actor(user), name, label)
        flash(request, f"Segment renommé « {label.strip()} ».", where="renommer")
    except InputError as exc:
        flash(request, sentence(exc.message), "error", where="renommer")
    return RedirectResponse(f"{PATH}/{name}#renommer", status_code=303)


@router.post(PATH + "/{name}/supprimer")
def delete(request: Request, name: str, app: Lettre, user: Editor) -> Response:
    try:
        app.segmenting.delete(app.actor(user), name)
    except InputError as exc:
        flash_error(request, exc, "supprimer")
        return RedirectResponse(f"{PATH}/{name}#supprimer", status_code=303)
    flash(request, "Segment supprimé.")
    return RedirectResponse(PATH, status_code=303)
