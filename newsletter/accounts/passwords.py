"""Password hashing with Argon2id (memory-hard), and the rules a new password follows."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from newsletter.errors import InputError

MIN_LENGTH = 12
MAX_LENGTH = 1024
# RFC 9106's second recommended profile: 64 MiB of memory, 3 passes.
_HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)
# Verified when an address is unknown, so that the answer takes as long as for a real one.
_DECOY = _HASHER.hash("leurre-pour-adresse-inconnue")


def hash_password(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise InputError(
            f"mot de passe trop court ({MIN_LENGTH} caractères au moins)",
            "une phrase de quelques mots est facile à retenir et difficile à deviner",
        )
    if len(password) > MAX_LENGTH:
        raise InputError(f"mot de passe trop long ({MAX_LENGTH} caractères au plus)")
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; an unknown account (None) costs the same time."""
    try:
        matched = _HASHER.verify(password_hash or _DECOY, password[:MAX_LENGTH])
    except (VerificationError, InvalidHashError):
        return False
    return matched and bool(password_hash)


def needs_rehash(password_hash: str) -> bool:
    """The hash was made with weaker parameters than today's: rehash at next login."""
    return _HASHER.check_needs_rehash(password_hash)
