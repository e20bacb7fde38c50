"""Password hashing with Argon2id (memory-hard), bounded in parallel, and the rules a new
password follows.

Each hash takes ``web.password_memory_mib`` (64 MiB) for a moment: at most
``web.password_checks`` run at once, others wait their turn, so a burst of logins keeps memory
flat. The composition root sets both, and the passes, with ``configure``. A new
password needs 12 characters and a strength that zxcvbn (a well-kept estimator, offline,
with its dictionaries of common passwords, names and keyboard patterns) rates 3 of 4 or
better, the account's own address and name counting as known words.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from newsletter.errors import InputError

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from newsletter.settings.operations import WebSettings

MIN_LENGTH = 12
MAX_LENGTH = 1024
MIN_STRENGTH = 3  # zxcvbn's score, 0 to 4: 3 is "safely unguessable" against online attacks
SCORED = 100  # characters zxcvbn looks at (beyond, length is strength enough)
# Words of this place and French passwords zxcvbn's (English) lists lack.
KNOWN_WORDS = ("lettre", "profession", "banlieue", "reaap", "clas", "newsletter", "motdepasse",
               "azerty", "bonjour", "soleil", "marseille", "paris", "france", "bobigny",
               "seinesaintdenis", "saintdenis", "jetaime", "chouchou", "doudou")  # fmt: skip
# Argon2id's cost, in MiB of memory and passes: RFC 9106's second recommended profile
# unless the settings say otherwise (web.password_memory_mib, web.password_passes).
_cost = (64, 3)
_AT_ONCE = threading.BoundedSemaphore(2)


def configure(web: WebSettings) -> None:
    """This process's hashes: how many may run at the same time (``web.password_checks``)
    and what each costs. Hashes made at another cost still verify, and are made again at
    this one at the next login (``needs_rehash``)."""
    global _AT_ONCE, _cost
    _AT_ONCE = threading.BoundedSemaphore(web.password_checks)
    if (web.password_memory_mib, web.password_passes) != _cost:
        _cost = (web.password_memory_mib, web.password_passes)
        _hasher.cache_clear()
        _decoy.cache_clear()


@cache
def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher  # loaded by the commands that hash, not by the others

    memory_mib, passes = _cost
    return PasswordHasher(time_cost=passes, memory_cost=memory_mib * 1024, parallelism=4)


@cache
def _decoy() -> str:
    """Verified when an address is unknown, so that the answer takes as long as for a real
    one (made at the first such login, not when the module loads: 0.2 s of processor)."""
    return _hasher().hash("leurre-pour-adresse-inconnue")


def check_password(password: str, known: Sequence[str] = ()) -> None:
    """Refuse a password too short, too long, common or trivial (``known``: the account's
    address and name, which a password must not be made of)."""
    if len(password) < MIN_LENGTH:
        raise InputError(
            f"mot de passe trop court ({MIN_LENGTH} caractères au moins)",
            "une phrase de quelques mots est facile à retenir et difficile à deviner",
        )
    if len(password) > MAX_LENGTH:
        raise InputError(f"mot de passe trop long ({MAX_LENGTH} caractères au plus)")
    from zxcvbn import zxcvbn  # its dictionaries load in 80 ms: only when a password is set

    words = [*KNOWN_WORDS, *known]
    words += [part for text in known for part in re.split(r"[^\w]+", text) if part]
    if zxcvbn(password[:SCORED], user_inputs=words)["score"] < MIN_STRENGTH:
        raise InputError(
            "mot de passe trop facile à deviner (mot courant, répétition, suite du clavier "
            "ou nom du compte)",
            "choisissez une phrase de quelques mots sans rapport entre eux",
        )


def require_same(password: str, confirmation: str) -> None:
    """A password typed twice in a form must be the same both times."""
    if password != confirmation:
        raise InputError("les deux mots de passe diffèrent", "retapez la confirmation")


def hash_password(password: str) -> str:
    """The Argon2id hash (the rules are ``check_password``'s, applied before)."""
    with _AT_ONCE:
        return _hasher().hash(password[:MAX_LENGTH])


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; an unknown account (None) costs the same time."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        with _AT_ONCE:
            matched = _hasher().verify(password_hash or _decoy(), password[:MAX_LENGTH])
    except (VerificationError, InvalidHashError):
        return False
    return matched and bool(password_hash)


def needs_rehash(password_hash: str) -> bool:
    """The hash was made at another cost than today's: rehash at next login."""
    return _hasher().check_needs_rehash(password_hash)
