"""Editors' accounts, managed by admins: list, create, change role and newsletters,
replace a lost password, disable or enable, and see or revoke API tokens. The rules are the store's
(``AccountStore``): a change of access or a disabling ends the account's sessions at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from newsletter.accounts.models import User
from newsletter.accounts.passwords import require_same
from newsletter.accounts.store import AccountStore
from newsletter.app import App
from newsletter.errors import InputError, NotFoundError
from newsletter.web.auth import lettre, require_role
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages, flash, flash_error, sentence

router = site_router(include_in_schema=False)
PATH = "/editeurs/comptes"
Admin = Annotated[User, Depends(require_role("admin"))]
Lettre = Annotated[App, Depends(lettre)]
Text = Annotated[str, Form(max_length=320)]
Secret = Annotated[str, Form(max_length=1024)]
Keys = Annotated[list[str], Form(max_length=50)]


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _render(request: Request, app: App, status: int = 200, **context: Any) -> Response:
    with app.database.session() as session:
        store = AccountStore(session)
        users, tokens = store.all(), store.count_tokens()
    values = {"users": users, "tokens": tokens, "error": None,
              "hint": "", "form": {}, "chosen": [], **context}  # fmt: skip
    return _pages(request).render(request, "accounts.html", values, status=status)


@router.get(PATH)
def accounts(request: Request, app: Lettre, admin: Admin) -> Response:
    return _render(request, app)


@router.post(PATH)
def add_account(
    request: Request, app: Lettre, admin: Admin,
    email: Text = "", display_name: Text = "", role: Text = "",
    newsletters: Keys = [],  # noqa: B006 (FastAPI copies defaults)
    password: Secret = "", confirmation: Secret = "",
) -> Response:  # fmt: skip
    """Create an account. On an error, what was typed comes back; the passwords too,
    unless they are what is wrong (a mismatch keeps the first one)."""
    try:
        require_same(password, confirmation)
        with app.database.session() as session:
            user = AccountStore(session).add(email, role, password, display_name, newsletters,
                                             known=app.settings.newsletters)  # fmt: skip
            created = user.email
    except InputError as exc:
        about_password = "mot de passe" in exc.message or "mots de passe" in exc.message
        form = {"email": email, "display_name": display_name, "role": role,
                "password": "" if about_password and password == confirmation else password,
                "confirmation": "" if about_password else confirmation}  # fmt: skip
        return _render(request, app, 400, error=sentence(exc.message), hint=sentence(exc.hint),
                       form=form, chosen=newsletters)  # fmt: skip
    flash(request, f"Compte {created} créé.")
    return RedirectResponse(PATH, status_code=303)


def _account(app: App, user_id: int) -> User:
    with app.database.session() as session:
        user = AccountStore(session).get(user_id)
        if user is None:
            raise NotFoundError("compte introuvable", "voir la liste des comptes")
        return user


def _render_account(
    request: Request, app: App, user_id: int, status: int = 200, **context: Any
) -> Response:
    user = _account(app, user_id)
    with app.database.session() as session:
        tokens = AccountStore(session).tokens(user_id)
    values = {"account": user, "api_tokens": tokens, "error": None,
              "hint": "", "new_token": None, **context}  # fmt: skip
    return _pages(request).render(request, "account.html", values, status=status)


@router.get(PATH + "/{user_id}")
def account_page(request: Request, app: Lettre, admin: Admin, user_id: int) -> Response:
    return _render_account(request, app, user_id)


def _back(user_id: int, where: str) -> Response:
    """Back to the account's page, at the part where the admin acted."""
    return RedirectResponse(f"{PATH}/{user_id}#{where}", status_code=303)


@router.post(PATH + "/{user_id}/acces")
def change_access(
    request: Request, app: Lettre, admin: Admin, user_id: int, role: Text = "",
    newsletters: Keys = [],  # noqa: B006
) -> Response:  # fmt: skip
    """Another role or other newsletters (validated against the declared ones); the
    account's sessions end. An admin cannot take their own admin role away."""
    user = _account(app, user_id)
    try:
        if user.id == admin.id and role != "admin":
            raise InputError("vous ne pouvez pas retirer votre propre rôle d'administrateur",
                             "demandez-le à un autre administrateur")  # fmt: skip
        with app.database.session() as session:
            AccountStore(session).set_access(user.email, role, newsletters,
                                             app.settings.newsletters)  # fmt: skip
    except InputError as exc:
        flash_error(request, exc, "acces")
    else:
        flash(request, "Rôle et lettres enregistrés ; les sessions du compte sont fermées.",
              "success", "acces")  # fmt: skip
    return _back(user_id, "titre-acces")


@router.post(PATH + "/{user_id}/etat")
def change_state(
    request: Request, app: Lettre, admin: Admin, user_id: int,
    action: Annotated[str, Form(max_length=20)] = "",
    confirmer: Annotated[str, Form(max_length=10)] = "",
) -> Response:  # fmt: skip
    """Disable (confirmed: sessions end, tokens are revoked) or enable an account."""
    user = _account(app, user_id)
    with app.database.session() as session:
        store = AccountStore(session)
        if action == "reactiver":
            store.enable(user.email)
            flash(request, "Compte réactivé.", "success", "etat")
        elif user.id == admin.id:
            flash(request, "Vous ne pouvez pas désactiver votre propre compte.", "error", "etat")
        elif confirmer != "oui":
            flash(request, "Cochez la case pour confirmer la désactivation.", "error", "etat")
        else:
            store.disable(user.email)
            flash(request, "Compte désactivé : ses sessions sont fermées, ses jetons révoqués.",
                  "success", "etat")  # fmt: skip
    return _back(user_id, "titre-etat")


@router.post(PATH + "/{user_id}/mot-de-passe")
def reset_password(
    request: Request, app: Lettre, admin: Admin, user_id: int,
    nouveau: Secret = "", confirmation: Secret = "",
) -> Response:  # fmt: skip
    """A new password for someone who lost theirs (the same rules as any password): their
    sessions end and their API tokens are revoked; they change it in « Mon compte »."""
    user = _account(app, user_id)
    try:
        if user.id == admin.id:
            raise InputError("votre propre mot de passe se change dans « Mon compte »",
                             "il y faut le mot de passe actuel")  # fmt: skip
        require_same(nouveau, confirmation)
        with app.database.session() as session:
            AccountStore(session).set_password(user.email, nouveau)
    except InputError as exc:
        flash_error(request, exc, "mot-de-passe")
    else:
        flash(request, "Mot de passe remplacé : ses sessions sont fermées et ses jetons d'API "
              "révoqués. Donnez-le-lui de vive voix ; il pourra le changer dans « Mon compte ».",
              "success", "mot-de-passe")  # fmt: skip
    return _back(user_id, "titre-mot-de-passe")


@router.post(PATH + "/{user_id}/jetons")
def create_token(
    request: Request, app: Lettre, admin: Admin, user_id: int, label: Text = ""
) -> Response:
    """A new API token, shown once on the page that answers."""
    user = _account(app, user_id)
    try:
        with app.database.session() as session:
            token = AccountStore(session).create_token(user.email, label,
                                                       app.settings.web.api_token_days)  # fmt: skip
    except InputError as exc:
        return _render_account(request, app, user_id, 400, error=sentence(exc.message),
                               hint=sentence(exc.hint))  # fmt: skip
    return _render_account(request, app, user_id, new_token=token)


@router.post(PATH + "/{user_id}/jetons/{token_id}/revoquer")
def revoke_token(
    request: Request, app: Lettre, admin: Admin, user_id: int, token_id: int
) -> Response:
    with app.database.session() as session:
        store = AccountStore(session)
        found = [token for token in store.tokens(user_id) if token.id == token_id]
        if not found:
            raise NotFoundError("jeton introuvable", "il a peut-être déjà été révoqué")
        store.revoke_token(token_id)
        name = found[0].label or "sans nom"
    flash(request, f"Jeton « {name} » révoqué.", "success", "jetons")
    return _back(user_id, "titre-jetons")
