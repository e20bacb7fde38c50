"""Email addresses: syntax check (no network), normalised form and case-insensitive key.

The one validator of subscribers' addresses (import, form, API, editors). email-validator
is the authority on syntax, with two rules of its own on top: a local part of at most 64
octets (RFC 5321; email-validator lets longer ones through) and a top-level domain of at
least two letters (``nom@exemple.c`` is a typo, not an address). Imports check tens of
thousands of addresses sharing a few hundred domains, so a domain is validated once (cached)
and a plain ASCII local part (the RFC 5322 dot-atom, which is all email-validator checks
there) is matched by a regular expression; anything else (quoted, non-ASCII…) goes through
email-validator whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from newsletter.errors import InputError

ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
DOT_ATOM = re.compile(rf"{ATEXT}(\.{ATEXT})*")
MAX_LOCAL, MAX_ADDRESS = 64, 254
# Providers that ignore dots in the local part (one mailbox whatever the dots).
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


@dataclass(frozen=True)
class Address:
    email: str  # local part as typed, domain lowercased (IDN in Unicode form)
    key: str  # the whole address lowercased: one person whatever the case


def parse_address(text: str) -> Address:
    """The normalised address; ``InputError`` (French reason) when the syntax is wrong."""
    candidate = text.strip().strip("<>").strip()
    if not candidate:
        raise InputError("adresse électronique manquante")
    local, at, domain = candidate.rpartition("@")
    if (
        at
        and len(local) <= MAX_LOCAL
        and len(candidate) <= MAX_ADDRESS
        and DOT_ATOM.fullmatch(local)
    ):
        normalised = _domain(domain)
        email = f"{local}@{normalised}" if normalised else ""
    else:
        email = _validated(candidate)
    if not email or not _deliverable_shape(email):
        raise InputError(f"adresse électronique invalide « {candidate} »", "vérifiez l'orthographe")
    return Address(email, email.lower())


def _deliverable_shape(email: str) -> bool:
    """The two rules beyond email-validator's syntax: a local part of 64 octets at most, a
    top-level domain of two letters or more (the domain is in Unicode form here: ``.рф``)."""
    local, _, domain = email.rpartition("@")
    tld = domain.rpartition(".")[2]
    return (
        len(local.encode()) <= MAX_LOCAL
        and len(tld) >= 2
        and not any(char.isdigit() or char == "-" for char in tld)
    )


def mailbox_key(address: Address) -> str:
    """The mailbox an address reaches, for counting what is sent there: lowercase, no
    ``+tag``, and at the providers that ignore them, no dots (``Jean.Dupont+x@gmail.com``
    and ``jeandupont@googlemail.com`` are one mailbox)."""
    local, _, domain = address.key.rpartition("@")
    local = local.split("+", 1)[0] or local
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}"


def address_key(text: str) -> str:
    """The lookup key of an address, valid or not (used to find a person by what was typed)."""
    try:
        return parse_address(text).key
    except InputError:
        return text.strip().lower()


@lru_cache(maxsize=8192)
def _domain(domain: str) -> str:
    """The normalised domain, "" when email-validator refuses it."""
    email = _validated(f"a@{domain}")
    return email.rpartition("@")[2]


def _validated(candidate: str) -> str:
    # Loaded at the first address checked: email-validator brings dnspython (50 ms), which
    # commands that read no address (a send's status, the scheduler's start) need not pay.
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(candidate, check_deliverability=False).normalized
    except EmailNotValidError:
        return ""
