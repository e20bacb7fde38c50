"""Logging in: a password checked under throttling, with one neutral outcome on failure."""

from __future__ import annotations

from sqlalchemy.orm import Session

from newsletter.accounts.models import User
from newsletter.accounts.passwords import hash_password, needs_rehash, verify_password
from newsletter.accounts.store import AccountStore, normalise_email
from newsletter.accounts.throttle import Throttle, ThrottlePolicy, account_key, address_key
from newsletter.db import utcnow
from newsletter.errors import InputError

REFUSED = "Connexion refusée : adresse ou mot de passe incorrect, ou trop de tentatives."
REFUSED_HINT = "Vérifiez vos identifiants ; après plusieurs échecs, attendez quelques minutes."


def authenticate(
    session: Session, email: str, password: str, address: str, policy: ThrottlePolicy
) -> User | None:
    """The account when the password is right and neither it nor the address is locked.

    On failure the counters are updated in ``session`` (commit it) and None is returned:
    callers show the same message whatever went wrong, so that nobody learns whether an
    account exists or is locked.
    """
    now = utcnow()
    try:
        login = normalise_email(email[:320])
    except InputError:
        login = email.strip().lower()[:320]
    keys = [account_key(login), address_key(address)]
    throttle = Throttle(session, policy)
    user = AccountStore(session).find(login)
    if throttle.locked(keys, now):
        return None
    if not verify_password(user.password_hash if user else None, password) or user is None:
        throttle.fail(keys, now)
        if user is not None:
            user.failed_attempts += 1
        return None
    throttle.clear(keys[0])
    user.failed_attempts = 0
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user
