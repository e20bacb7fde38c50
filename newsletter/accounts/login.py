"""Logging in: the attempt counted first, then the password checked, with one neutral
outcome on failure.

Three short steps, so that no transaction is held while Argon2 works: (1) count the
attempt for the account and client pair and for the client (``Throttle.attempt``,
committed), and read the account; (2) check the password (``verify_password``: an
unknown account costs the same, and at most ``web.password_checks`` run at once); (3)
record the outcome. A disabled account is refused like a wrong password.
"""

from __future__ import annotations

import sqlalchemy as sa

from newsletter.accounts.models import User
from newsletter.accounts.passwords import hash_password, needs_rehash, verify_password
from newsletter.accounts.store import AccountStore, normalise_email
from newsletter.accounts.throttle import Throttle, ThrottlePolicy, address_key, pair_key
from newsletter.db import Database, utcnow
from newsletter.errors import InputError

REFUSED = "Connexion refusée : adresse ou mot de passe incorrect, ou trop de tentatives."
REFUSED_HINT = "Vérifiez vos identifiants ; après plusieurs échecs, attendez quelques minutes."


def login_of(email: str) -> str:
    try:
        return normalise_email(email[:320])
    except InputError:
        return email.strip().lower()[:320]


def authenticate(
    database: Database, email: str, password: str, address: str, policy: ThrottlePolicy
) -> User | None:
    """The account when the password is right, the account enabled, and neither the pair
    nor the address locked; None otherwise (callers show the same message whatever went
    wrong, so that nobody learns whether an account exists or is locked)."""
    login = login_of(email)
    pair, client = pair_key(login, address[:100]), address_key(address[:100])
    with database.session() as session:
        allowed = Throttle(session, policy).attempt([pair, client], utcnow())
        user = AccountStore(session).find(login)
        known = user.password_hash if user is not None else None
    right = allowed and verify_password(known, password)
    with database.session() as session:
        user = AccountStore(session).find(login)
        if user is None or not right:
            if user is not None and allowed:  # one UPDATE: parallel failures all count
                session.execute(sa.update(User).where(User.id == user.id)
                                .values(failed_attempts=User.failed_attempts + 1))  # fmt: skip
            return None
        if user.disabled_at is not None:
            return None
        Throttle(session, policy).succeeded(pair, client)
        user.failed_attempts = 0
        user.last_login_at = utcnow()
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return user
