"""Subscribers in the editors' area: the searchable list, one person's page, adding a
person (or inviting them), changing their details, unsubscribing, reactivating an address,
erasing (RGPD). Every action goes through ``newsletter.services.subscribers`` like the
command line's; what went wrong is shown next to the form the editor used."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from newsletter.accounts.models import User
from newsletter.app import App
from newsletter.audit.store import ACTIONS
from newsletter.dispatch.ledger import STATUSES as DELIVERY_STATUSES
from newsletter.errors import InputError
from newsletter.services.subscribers import PAGE_SIZE
from newsletter.web.auth import current_user, lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages, flash, flash_error
from subscribers.details import Details
from subscribers.directory import Filters

router = site_router(include_in_schema=False)
PATH = "/editeurs/abonnes"
Editor = Annotated[User, Depends(current_user)]
Lettre = Annotated[App, Depends(lettre)]
Short = Annotated[str, Form(max_length=300)]
Keys = Annotated[list[str], Form(max_length=20)]
Choice = Annotated[str, Query(max_length=40)]


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def person_path(subscriber_id: int, anchor: str = "") -> str:
    return f"{PATH}/{subscriber_id}" + (f"#{anchor}" if anchor else "")


def labels(app: App, user: User) -> dict[str, Any]:
    """What the subscriber pages name: the lists the editor sees, themes, newsletters."""
    settings = app.settings
    visible = app.subscribers.visible_lists(app.actor(user))
    return {
        "lists": {key: settings.subscribers.lists[key].label for key in visible},
        "all_lists": {key: item.label for key, item in settings.subscribers.lists.items()},
        "themes": {key: theme.label for key, theme in settings.classification.themes.items()},
        "newsletters": settings.newsletters,
    }


@router.get(PATH)
def people(
    request: Request, app: Lettre, user: Editor,
    q: Annotated[str, Query(max_length=200)] = "", liste: Choice = "", abonnement: Choice = "",
    adresse: Choice = "", profil: Choice = "", territoire: Choice = "", theme: Choice = "",
    format: Choice = "", page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:  # fmt: skip
    filters = Filters(q.strip(), liste, abonnement, adresse, profil, territoire.strip(), theme,
                      format)  # fmt: skip
    found = app.subscribers.search(app.actor(user), filters, page)
    query = {"q": filters.q, "liste": liste, "abonnement": abonnement, "adresse": adresse,
             "profil": profil, "territoire": filters.territory, "theme": theme,
             "format": format}  # fmt: skip
    kept = {key: value for key, value in query.items() if value}

    def page_url(number: int) -> str:
        return f"{PATH}?{urlencode({**kept, 'page': number})}"

    pages_count = max(1, -(-found.total // PAGE_SIZE))
    context = {
        **labels(app, user), "found": found, "filters": query, "page": page,
        "previous_url": page_url(page - 1) if page > 1 else None,
        "next_url": page_url(page + 1) if page * PAGE_SIZE < found.total else None,
        "pages_count": pages_count, "export_query": urlencode({"liste": liste} if liste else {}),
    }  # fmt: skip
    return _pages(request).render(request, "people/list.html", context)


def _details(form: dict[str, Any]) -> Details:
    return Details(
        civility=form["civility"], first_name=form["first_name"], last_name=form["last_name"],
        organisation=form["organisation"], function=form["function"], profile=form["profile"],
        commune=form["commune"], department=form["department"], format=form["format"],
        themes=tuple(form["themes"]),
    )  # fmt: skip


@router.get(PATH + "/nouveau")
def new_person(request: Request, app: Lettre, user: Editor) -> Response:
    form = {"email": "", "lists": [], "source": "", **_blank()}
    context = {**labels(app, user), "form": form, "error": None, "hint": ""}
    return _pages(request).render(request, "people/new.html", context)


def _blank() -> dict[str, Any]:
    details = Details()
    return {name: getattr(details, name) for name in details.__dataclass_fields__} | {"themes": []}


@router.post(PATH + "/nouveau")
def add_person(
    request: Request, app: Lettre, user: Editor,
    email: Short = "", civility: Short = "", first_name: Short = "", last_name: Short = "",
    organisation: Short = "", function: Short = "", profile: Short = "autre",
    commune: Short = "", department: Short = "", format: Short = "html",
    themes: Keys = [], lists: Keys = [], source: Short = "",  # noqa: B006
) -> Response:  # fmt: skip
    form = {"email": email, "civility": civility, "first_name": first_name,
            "last_name": last_name, "organisation": organisation, "function": function,
            "profile": profile, "commune": commune, "department": department,
            "format": format, "themes": themes, "lists": lists, "source": source}  # fmt: skip
    try:
        added = app.subscribers.add(app.actor(user), email, _details(form), lists, source)
    except InputError as exc:
        context = {**labels(app, user), "form": form, "error": exc.message, "hint": exc.hint}
        return _pages(request).render(request, "people/new.html", context, status=400)
    names = ", ".join(app.settings.subscribers.lists[key].label for key in added.lists)
    if added.invited:
        message = (f"Invitation envoyée à {email.strip()} : l’abonnement à {names} prendra "
                   "effet quand la personne aura cliqué le lien reçu.")  # fmt: skip
    else:
        message = f"{email.strip()} est abonné·e à {names}."
    if added.subscriber_id is None:
        flash(request, message)
        return RedirectResponse(PATH, status_code=303)
    flash(request, message, where="abonnements")
    return RedirectResponse(person_path(added.subscriber_id, "abonnements"), status_code=303)


@router.get(PATH + "/{subscriber_id:int}")
def person(request: Request, subscriber_id: int, app: Lettre, user: Editor) -> Response:
    return _person(request, app, user, subscriber_id)


def _person(
    request: Request, app: App, user: User, subscriber_id: int, status: int = 200,
    **context: Any,
) -> Response:  # fmt: skip
    shown = app.subscribers.person(app.actor(user), subscriber_id)
    values = {
        **labels(app, user), "person": shown, "subscriber": shown.subscriber,
        "actions": ACTIONS, "delivery_statuses": DELIVERY_STATUSES,
        "form": None, "errors": {},
        "threshold": app.settings.subscribers.soft_bounce_threshold, **context,
    }  # fmt: skip
    return _pages(request).render(request, "people/person.html", values, status=status)


def _act(request: Request, subscriber_id: int, where: str, work: Callable[[], str]) -> Response:
    """Do ``work``; its message, or what went wrong, next to the form (``where``)."""
    try:
        flash(request, work(), where=where)
    except InputError as exc:
        flash_error(request, exc, where)
    return RedirectResponse(person_path(subscriber_id, where), status_code=303)


@router.post(PATH + "/{subscriber_id:int}")
def edit_person(
    request: Request, subscriber_id: int, app: Lettre, user: Editor,
    civility: Short = "", first_name: Short = "", last_name: Short = "",
    organisation: Short = "", function: Short = "", profile: Short = "autre",
    commune: Short = "", department: Short = "", format: Short = "html",
    themes: Keys = [],  # noqa: B006
) -> Response:  # fmt: skip
    form = {"civility": civility, "first_name": first_name, "last_name": last_name,
            "organisation": organisation, "function": function, "profile": profile,
            "commune": commune, "department": department, "format": format,
            "themes": themes}  # fmt: skip
    try:
        changed = app.subscribers.edit(app.actor(user), subscriber_id, _details(form))
    except InputError as exc:
        error = exc.message + (f" — {exc.hint}" if exc.hint else "")
        return _person(request, app, user, subscriber_id, 400, form=form,
                       errors={"fiche": error})  # fmt: skip
    message = f"Modifié : {', '.join(changed)}." if changed else "Aucune modification."
    flash(request, message, where="fiche")
    return RedirectResponse(person_path(subscriber_id, "fiche"), status_code=303)


@router.post(PATH + "/{subscriber_id:int}/desabonner")
def unsubscribe(
    request: Request, subscriber_id: int, app: Lettre, user: Editor, liste: Short = ""
) -> Response:
    def work() -> str:
        left = app.subscribers.unsubscribe(app.actor(user), subscriber_id, liste or None)
        names = ", ".join(app.settings.subscribers.lists[key].label for key in left)
        return f"Désabonnement enregistré : {names}." if left else "Déjà désabonné·e."

    return _act(request, subscriber_id, "abonnements", work)


@router.post(PATH + "/{subscriber_id:int}/reactiver")
def reactivate(
    request: Request, subscriber_id: int, app: Lettre, user: Editor,
    motif: Annotated[str, Form(max_length=500)] = "", retour: Short = "",
) -> Response:  # fmt: skip
    where = f"personne-{subscriber_id}" if retour == "rebonds" else "rebonds"

    def work() -> str:
        app.subscribers.reactivate(app.actor(user), subscriber_id, motif)
        return "Adresse réactivée : elle recevra de nouveau les lettres."

    response = _act(request, subscriber_id, where, work)
    if retour == "rebonds":
        return RedirectResponse(f"/editeurs/rebonds#{where}", status_code=303)
    return response


@router.get(PATH + "/{subscriber_id:int}/effacer")
def erase_form(request: Request, subscriber_id: int, app: Lettre, user: Editor) -> Response:
    actor = app.actor(user)
    context = {"subscriber": app.subscribers.person(actor, subscriber_id).subscriber,
               "erased": app.subscribers.erasure(actor, subscriber_id)}  # fmt: skip
    return _pages(request).render(request, "people/erase.html", context)


@router.post(PATH + "/{subscriber_id:int}/effacer")
def erase(
    request: Request, subscriber_id: int, app: Lettre, user: Editor, confirmer: Short = ""
) -> Response:
    actor = app.actor(user)
    if confirmer != "oui":
        flash(request, "Effacement non confirmé : cochez la case pour confirmer.", "error",
              where="effacer")  # fmt: skip
        return RedirectResponse(f"{PATH}/{subscriber_id}/effacer#effacer", status_code=303)
    email = app.subscribers.person(actor, subscriber_id).subscriber.email
    app.subscribers.forget(actor, subscriber_id)
    flash(request, f"{email} a été effacé·e ; seule une empreinte de l’adresse reste, pour "
                   "qu’aucun import ne la réinscrive.")  # fmt: skip
    return RedirectResponse(PATH, status_code=303)
