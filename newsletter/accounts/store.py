"""Account queries: users, their passwords and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from newsletter.accounts.models import ApiToken, User
from newsletter.accounts.passwords import hash_password
from newsletter.db import changed_rows, utcnow
from newsletter.errors import InputError, NotFoundError
from newsletter.vocabulary import ROLES

TOKEN_PREFIX = "lettre_"
NEWSLETTER_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def normalise_email(text: str) -> str:
    """The form accounts are stored and looked up in: validated syntax, lowercase."""
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InputError(f"adresse électronique invalide : {text!r}") from None


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
    ) -> User:
        address = normalise_email(email)
        if role not in ROLES:
            raise InputError(f"rôle inconnu : {role}", f"rôles : {', '.join(ROLES)}")
        wrong = [key for key in newsletters if not NEWSLETTER_KEY.match(key)]
        if wrong:
            raise InputError(f"clé de lettre invalide : {', '.join(wrong)}", "par exemple : reaap")
        if role == "coordinator" and not newsletters:
            raise InputError("un coordinateur doit avoir au moins une lettre", "--newsletter reaap")
        if self.find(address) is not None:
            raise InputError(f"le compte {address} existe déjà", "newsletter users passwd")
        user = User(
            email=address,
            role=role,
            display_name=display_name.strip()[:200],
            newsletters=sorted(set(newsletters)),
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
            raise NotFoundError(f"compte {email} introuvable", "voir `newsletter users list`")
        return user

    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def all(self) -> list[User]:
        return list(self.session.scalars(sa.select(User).order_by(User.email)))

    def set_password(self, email: str, password: str) -> User:
        user = self.by_email(email)
        user.password_hash = hash_password(password)
        return user

    # -- API tokens -----------------------------------------------------------------------

    def create_token(self, email: str, label: str = "") -> str:
        """A new token for the account; returned once, only its digest is kept."""
        user = self.by_email(email)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.session.add(
            ApiToken(user_id=user.id, token_hash=token_digest(token), label=label[:200],
                     created_at=utcnow())
        )  # fmt: skip
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

    def user_for_token(self, token: str) -> User | None:
        """The account a bearer token belongs to (its use is recorded), or None."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        row = self.session.scalar(
            sa.select(ApiToken).where(ApiToken.token_hash == token_digest(token))
        )
        if row is None:
            return None
        row.last_used_at = utcnow()
        return self.session.get(User, row.user_id)
