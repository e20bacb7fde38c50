"""Email addresses: syntax check (no network), normalised form and case-insensitive key."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from newsletter.errors import InputError


@dataclass(frozen=True)
class Address:
    email: str  # local part as typed, domain lowercased (IDN in Unicode form)
    key: str  # the whole address lowercased: one person whatever the case


def parse_address(text: str) -> Address:
    """The normalised address; ``InputError`` (French reason) when the syntax is wrong."""
    candidate = text.strip().strip("<>").strip()
    if not candidate:
        raise InputError("adresse électronique manquante")
    try:
        checked = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        raise InputError(
            f"adresse électronique invalide « {candidate} »", "vérifiez l'orthographe"
        ) from None
    return Address(checked.normalized, checked.normalized.lower())


def address_key(text: str) -> str:
    """The lookup key of an address, valid or not (used to find a person by what was typed)."""
    try:
        return parse_address(text).key
    except InputError:
        return text.strip().lower()
