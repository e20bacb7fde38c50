"""« Mon compte »: every editor changes their own password and sees, and ends, their open
sessions — without asking an administrator or an operator.

The current password is checked like a login (``accounts.login.authenticate``: counted by
the login throttle first, so a session left open on a shared computer cannot be used to
guess it). A new password follows the accounts' one rule (``AccountStore.set_password``):
every session of the account ends and its API tokens are revoked; the editor who changed
it goes on in a brand-new session.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from newsletter.accounts.login import authenticate
from newsletter.accounts.models import User
from newsletter.accounts.passwords import require_same
from newsletter.accounts.store import AccountStore, token_digest
from newsletter.accounts.throttle import ThrottlePolicy
from newsletter.app import App
from newsletter.errors import InputError
from newsletter.web.auth import client_address, current_user, lettre, start_session
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages, flash, flash_error

PATH = "/editeurs/mon-compte"
router = site_router(include_in_schema=False)
Editor = Annotated[User, Depends(current_user)]
Lettre = Annotated[App, Depends(lettre)]
Secret = Annotated[str, Form(max_length=1024)]


@router.get(PATH)
def my_account(request: Request, app: Lettre, user: Editor) -> Response:
    with app.database.session() as session:
        store = AccountStore(session)
        sessions = store.sessions_of(user)
    current = token_digest(str(request.session.get("sid", "")))
    context = {"account": user, "sessions": sessions, "current": current}
    pages: Pages = request.app.state.pages
    return pages.render(request, "my_account.html", context)


@router.post(PATH + "/mot-de-passe")
def change_password(
    request: Request, app: Lettre, user: Editor,
    actuel: Secret = "", nouveau: Secret = "", confirmation: Secret = "",
) -> Response:  # fmt: skip
    policy = ThrottlePolicy.of(app.settings.web)
    try:
        if authenticate(app.database, user.email, actuel, client_address(request), policy) is None:
            raise InputError("mot de passe actuel incorrect",
                             "après plusieurs essais, attendez quelques minutes")  # fmt: skip
        require_same(nouveau, confirmation)
        with app.database.session() as session:
            changed = AccountStore(session).set_password(user.email, nouveau)
    except InputError as exc:
        flash_error(request, exc, "mot-de-passe")
        return RedirectResponse(f"{PATH}#titre-mot-de-passe", status_code=303)
    start_session(request, app, changed)  # the old sessions all ended: this one is new
    flash(request, "Mot de passe changé. Vos autres sessions sont fermées et vos jetons "
          "d'API révoqués.", "success", "mot-de-passe")  # fmt: skip
    return RedirectResponse(f"{PATH}#titre-mot-de-passe", status_code=303)


@router.post(PATH + "/sessions")
def end_other_sessions(request: Request, app: Lettre, user: Editor) -> Response:
    with app.database.session() as session:
        ended = AccountStore(session).end_other_sessions(user, str(request.session["sid"]))
    said = f"{ended} autre(s) session(s) fermée(s)." if ended else "Aucune autre session ouverte."
    flash(request, said, "success", "sessions")
    return RedirectResponse(f"{PATH}#titre-sessions", status_code=303)
