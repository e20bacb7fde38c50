"""Who is asking: editors' sessions (stored in the database), roles, and API bearer tokens.

The session cookie is signed with ``NEWSLETTER_WEB_SECRET`` (Starlette's SessionMiddleware:
HttpOnly, SameSite=Lax, Secure with ``web.secure_cookies``); for an editor it holds the
random id of a session row (``web_sessions``, only its SHA-256 stored), checked at every
request: logging out, a new password, another role and disabling the account end it at
once, whatever copy of the cookie anyone kept. Logging in starts a new session: nothing
from before survives (no session fixation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from newsletter.accounts.models import User
from newsletter.accounts.permissions import Actor, check_edition
from newsletter.accounts.store import AccountStore
from newsletter.app import App
from newsletter.errors import AuthenticationError, PermissionDenied
from newsletter.vocabulary import ROLES

LOGIN_PATH = "/editeurs/connexion"
HOME_PATH = "/editeurs/"


class LoginRequired(Exception):
    """No valid session: pages redirect to the login form."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def lettre(request: Request) -> App:
    """The wired application (settings, database) the web app was created with."""
    app: App = request.app.state.lettre
    return app


def start_session(request: Request, app: App, user: User) -> None:
    """Log ``user`` in: a brand-new session (new id, new CSRF token), nothing kept."""
    with app.database.session() as session:
        session_id = AccountStore(session).open_session(user, app.settings.web.session_max_age)
    request.session.clear()
    request.session.update(sid=session_id)


def end_session(request: Request, app: App) -> None:
    """Log out: the session row is deleted, so a saved copy of the cookie is worthless."""
    session_id = request.session.get("sid")
    if isinstance(session_id, str):
        with app.database.session() as session:
            AccountStore(session).close_session(session_id)
    request.session.clear()


def client_address(request: Request) -> str:
    """The client's address: the peer's, or what a trusted proxy says (web.trusted_proxies,
    applied by the server before the app sees the request)."""
    return request.client.host if request.client else "inconnue"


def safe_next(path: str | None) -> str:
    """Where to go after login: only a path of the editors' area, never another site."""
    if path and path.startswith(HOME_PATH) and not path.startswith("//") and "\\" not in path:
        return path
    return HOME_PATH


def current_user(request: Request, app: Annotated[App, Depends(lettre)]) -> User:
    """The logged-in editor, or a redirect to the login form."""
    session_id = request.session.get("sid")
    user = None
    if isinstance(session_id, str):
        with app.database.session() as session:
            user = AccountStore(session).session_user(session_id)
    if user is None:
        if session_id is not None:
            request.session.clear()
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(path)
    request.state.user = user
    return user


def check_role(user: User, roles: tuple[str, ...]) -> None:
    if user.role not in roles:
        labels = ", ".join(ROLES[role] for role in roles)
        raise PermissionDenied("accès refusé", f"réservé aux rôles : {labels}")


def require_role(*roles: str) -> Callable[..., User]:
    """A dependency admitting only the given roles to a page (403 for the others)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {unknown}")

    def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        check_role(user, roles)
        return user

    return dependency


def authorise_newsletter(user: User, newsletter: str) -> None:
    """Refuse (403) a coordinator acting on a newsletter that is not theirs."""
    check_edition(Actor.of(user), "view", newsletter)


def require_newsletter(param: str = "newsletter") -> Callable[..., User]:
    """A dependency for routes naming a newsletter in the path parameter ``param``."""

    def dependency(request: Request, user: Annotated[User, Depends(current_user)]) -> User:
        authorise_newsletter(user, str(request.path_params.get(param, "")))
        return user

    return dependency


_bearer = HTTPBearer(auto_error=False, description="Jeton créé par `newsletter users token`")


def api_user(
    app: Annotated[App, Depends(lettre)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The account of the API token in ``Authorization: Bearer …`` (401 otherwise)."""
    user = None
    if credentials is not None:
        with app.database.session() as session:
            user = AccountStore(session).user_for_token(credentials.credentials)
    if user is None:
        raise AuthenticationError(
            "jeton d'API absent ou invalide",
            "envoyez l'en-tête « Authorization: Bearer <jeton> » (newsletter users token)",
        )
    return user


def api_role(*roles: str) -> Callable[..., User]:
    """Like ``require_role``, for the account of an API token."""

    def dependency(user: Annotated[User, Depends(api_user)]) -> User:
        check_role(user, roles)
        return user

    return dependency
