"""Editors' accounts, managed by admins: list and create."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from newsletter.accounts.models import User
from newsletter.accounts.store import AccountStore
from newsletter.app import App
from newsletter.errors import InputError
from newsletter.web.auth import lettre, require_role
from newsletter.web.pages import Pages, flash

router = APIRouter(include_in_schema=False)
PATH = "/editeurs/comptes"
Admin = Annotated[User, Depends(require_role("admin"))]
Text = Annotated[str, Form(max_length=320)]


def _render(request: Request, app: App, status: int = 200, **context: object) -> Response:
    with app.database.session() as session:
        store = AccountStore(session)
        users, tokens = store.all(), store.count_tokens()
    pages: Pages = request.app.state.pages
    values = {"users": users, "tokens": tokens, "error": None, "hint": "", "form": {}, **context}
    return pages.render(request, "accounts.html", values, status=status)


@router.get(PATH)
def accounts(request: Request, app: Annotated[App, Depends(lettre)], admin: Admin) -> Response:
    return _render(request, app)


@router.post(PATH)
def add_account(
    request: Request,
    app: Annotated[App, Depends(lettre)],
    admin: Admin,
    email: Text = "",
    display_name: Text = "",
    role: Text = "",
    newsletters: Text = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    confirmation: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    keys = [key.strip() for key in newsletters.replace(";", ",").split(",") if key.strip()]
    try:
        if password != confirmation:
            raise InputError("les deux mots de passe diffèrent", "retapez-les")
        with app.database.session() as session:
            user = AccountStore(session).add(email, role, password, display_name, keys)
            created = user.email
    except InputError as exc:
        form = {"email": email, "display_name": display_name, "role": role,
                "newsletters": newsletters}  # fmt: skip
        return _render(request, app, 400, error=exc.message, hint=exc.hint, form=form)
    flash(request, f"Compte {created} créé.")
    return RedirectResponse(PATH, status_code=303)
