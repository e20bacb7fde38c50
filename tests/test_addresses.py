"""Addresses: one person whatever the case; the import's fast path agrees with email-validator."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email

from newsletter.errors import InputError
from subscribers.addresses import parse_address

CASES = [
    "Marie.Dupont@Mairie-Bobigny.FR", "jean+lettre@cs-pantin.fr", "o'brien@est-ensemble.fr",
    "a..b@ville-sevran.fr", ".a@ville-sevran.fr", "a.@ville-sevran.fr", "jean@localhost",
    "jean@exemple", "jean@exemple.test", "jean@-ville.fr", "jean@ville-.fr", "jean@ville..fr",
    "jean@ville.fr.", "jean@xn--bcher-kva.de", "jean@bücher.de", "élodie@ville-bondy.fr",
    '"jean martin"@ville.fr', "a" * 65 + "@ville.fr", "a@" + "b" * 250 + ".fr",
    "jean@[192.0.2.1]", "jean@@ville.fr", "jean@ville.123", "jean martin@ville.fr",
]  # fmt: skip


def reference(text: str) -> str | None:
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


@pytest.mark.parametrize("text", CASES)
def test_fast_path_agrees_with_email_validator(text: str) -> None:
    """Every address is accepted, normalised or refused exactly as email-validator does."""
    try:
        found: str | None = parse_address(text).email
    except InputError:
        found = None
    assert found == reference(text)


def test_same_person_whatever_the_case() -> None:
    """Addresses differing only in case share one key; the local part keeps its case."""
    one = parse_address(" Marie.Dupont@Mairie-Bobigny.fr ")
    two = parse_address("marie.dupont@MAIRIE-BOBIGNY.FR")
    assert one.key == two.key == "marie.dupont@mairie-bobigny.fr"
    assert one.email == "Marie.Dupont@mairie-bobigny.fr"
