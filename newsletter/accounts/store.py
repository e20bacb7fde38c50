"""Account queries: users and their lifecycle (roles, newsletters, passwords, disabling),
their sessions in the web app and their API tokens.

Whatever changes what an account may do — a new password, another role or newsletters,
disabling it — ends its sessions at once; a new password and disabling also revoke its API
tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.accounts.models import ApiToken, User, WebSession
from newsletter.accounts.passwords import check_password, hash_password
from newsletter.db import changed_rows, utcnow
from newsletter.errors import InputError, NotFoundError
from newsletter.vocabulary import ROLES

TOKEN_PREFIX = "lettre_"
NEWSLETTER_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
SEEN_EVERY = timedelta(minutes=1)  # a session's last_seen_at is written at most this often


def normalise_email(text: str) -> str:
    """The form accounts are stored and looked up in: validated syntax, lowercase."""
    from email_validator import EmailNotValidError, validate_email  # 45 ms: at first use

    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InputError(f"adresse électronique invalide : {text!r}") from None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def checked_access(
    role: str, newsletters: Sequence[str], known: Collection[str] | None
) -> list[str]:
    """A role and its newsletters, validated (against the declared newsletters when
    ``known`` is given): the sorted newsletter keys."""
    if role not in ROLES:
        raise InputError(f"rôle inconnu : {role}", f"rôles : {', '.join(ROLES)}")
    wrong = [key for key in newsletters if not NEWSLETTER_KEY.match(key)]
    if wrong:
        raise InputError(f"clé de lettre invalide : {', '.join(wrong)}", "par exemple : reaap")
    unknown = sorted(set(newsletters) - set(known)) if known is not None else []
    if unknown:
        raise InputError(f"lettre inconnue : {', '.join(unknown)}",
                         f"lettres déclarées : {', '.join(sorted(known or ()))}")  # fmt: skip
    if role == "coordinator" and not newsletters:
        raise InputError("un coordinateur doit avoir au moins une lettre", "--newsletter reaap")
    return sorted(set(newsletters))


class AccountStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self,
        email: str,
        role: str,
        password: str,
        display_name: str = "",
        newsletters: Sequence[str] = (),
        known: Collection[str] | None = None,
    ) -> User:
        """A new account; ``known``: the declared newsletters it may name."""
        address = normalise_email(email)
        keys = checked_access(role, newsletters, known)
        if self.find(address) is not None:
            raise InputError(f"le compte {address} existe déjà", "newsletter users passwd")
        check_password(password, (address, display_name))
        user = User(
            email=address,
            role=role,
            display_name=display_name.strip()[:200],
            newsletters=keys,
            password_hash=hash_password(password),
            created_at=utcnow(),
        )
        self.session.add(user)
        self.session.flush()
        return user

    def find(self, email: str) -> User | None:
        return self.session.scalar(sa.select(User).where(User.email == email.strip().lower()))

    def by_email(self, email: str) -> User:
        user = self.find(email)
        if user is None:
            raise NotFoundError(f"compte {email} introuvable", "voir `newsletter users list`",
                                for_operators=True)  # fmt: skip
        return user

    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def all(self) -> list[User]:
        return list(self.session.scalars(sa.select(User).order_by(User.email)))

    # -- lifecycle ------------------------------------------------------------------------

    def set_password(self, email: str, password: str) -> User:
        """A new password: the account's sessions end and its API tokens are revoked."""
        user = self.by_email(email)
        check_password(password, (user.email, user.display_name))
        user.password_hash = hash_password(password)
        self.end_sessions(user)
        self.revoke_tokens(user.email)
        return user

    def set_access(
        self, email: str, role: str, newsletters: Sequence[str], known: Collection[str]
    ) -> User:
        """Another role or other newsletters: the account's sessions end."""
        user = self.by_email(email)
        keys = checked_access(role, newsletters, known)
        if (user.role, list(user.newsletters)) != (role, keys):
            user.role, user.newsletters = role, keys
            self.end_sessions(user)
        return user

    def disable(self, email: str, now: datetime | None = None) -> User:
        """The account can no longer log in; its sessions end, its tokens are revoked."""
        user = self.by_email(email)
        if user.disabled_at is None:
            user.disabled_at = now or utcnow()
        self.end_sessions(user)
        self.revoke_tokens(user.email)
        return user

    def enable(self, email: str) -> User:
        user = self.by_email(email)
        user.disabled_at = None
        return user

    # -- sessions of the web app ----------------------------------------------------------

    def open_session(self, user: User, max_age: int, now: datetime | None = None) -> str:
        """A new session for ``user``; its id (for the cookie) is returned once."""
        now = now or utcnow()
        session_id = secrets.token_urlsafe(32)
        self.session.add(WebSession(id_hash=token_digest(session_id), user_id=user.id,
                                    created_at=now, last_seen_at=now,
                                    expires_at=now + timedelta(seconds=max_age)))  # fmt: skip
        self.session.execute(sa.delete(WebSession).where(WebSession.expires_at <= now))
        return session_id

    def session_user(self, session_id: str, now: datetime | None = None) -> User | None:
        """The enabled account of a live session, or None."""
        now = now or utcnow()
        if not 20 <= len(session_id) <= 100:
            return None
        row = self.session.get(WebSession, token_digest(session_id))
        if row is None or row.expires_at <= now:
            return None
        user = self.session.get(User, row.user_id)
        if user is None or user.disabled_at is not None:
            return None
        if now - row.last_seen_at > SEEN_EVERY:
            row.last_seen_at = now
        return user

    def close_session(self, session_id: str) -> None:
        self.session.execute(
            sa.delete(WebSession).where(WebSession.id_hash == token_digest(session_id))
        )

    def sessions_of(self, user: User, now: datetime | None = None) -> list[WebSession]:
        """The account's live sessions, the most recently active first."""
        return list(self.session.scalars(
            sa.select(WebSession)
            .where(WebSession.user_id == user.id, WebSession.expires_at > (now or utcnow()))
            .order_by(WebSession.last_seen_at.desc())))  # fmt: skip

    def end_other_sessions(self, user: User, session_id: str) -> int:
        """Every session of the account but ``session_id`` (the one asking) ends; how many."""
        others = sa.delete(WebSession).where(
            WebSession.user_id == user.id, WebSession.id_hash != token_digest(session_id)
        )
        result = self.session.execute(others)
        return changed_rows(result)

    def end_sessions(self, user: User) -> int:
        result = self.session.execute(sa.delete(WebSession).where(WebSession.user_id == user.id))
        return changed_rows(result)

    # -- API tokens -----------------------------------------------------------------------

    def create_token(
        self, email: str, label: str = "", days: int = 365, now: datetime | None = None
    ) -> str:
        """A new token for the account, valid ``days``; returned once, only its digest is
        kept."""
        user = self.by_email(email)
        if user.disabled_at is not None:
            raise InputError(f"le compte {user.email} est désactivé", "réactivez-le d'abord")
        now = now or utcnow()
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.session.add(
            ApiToken(user_id=user.id, token_hash=token_digest(token), label=label[:200],
                     created_at=now, expires_at=now + timedelta(days=days))
        )  # fmt: skip
        return token

    def tokens(self, user_id: int | None = None) -> list[ApiToken]:
        """API tokens (of one account), newest first: name, creation, last use, expiry."""
        query = sa.select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        if user_id is not None:
            query = query.where(ApiToken.user_id == user_id)
        return list(self.session.scalars(query))

    def revoke_token(self, token_id: int) -> ApiToken:
        token = self.session.get(ApiToken, token_id)
        if token is None:
            raise NotFoundError("jeton introuvable", "il a peut-être déjà été révoqué")
        self.session.delete(token)
        self.session.flush()
        return token

    def revoke_tokens(self, email: str) -> int:
        user = self.by_email(email)
        result = self.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
        return changed_rows(result)

    def count_tokens(self) -> dict[int, int]:
        rows = self.session.execute(
            sa.select(ApiToken.user_id, sa.func.count()).group_by(ApiToken.user_id)
        )
        return {user_id: count for user_id, count in rows}

    def user_for_token(self, token: str, now: datetime | None = None) -> User | None:
        """The enabled account a live bearer token belongs to (its use is recorded), or None."""
        now = now or utcnow()
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        row = self.session.scalar(
            sa.select(ApiToken).where(ApiToken.token_hash == token_digest(token))
        )
        if row is None or (row.expires_at is not None and row.expires_at <= now):
            return None
        user = self.session.get(User, row.user_id)
        if user is None or user.disabled_at is not None:
            return None
        row.last_used_at = now
        return user
