"""Where an item happens, as the territories rubriques are limited to (vocabulary.TERRITORIES).

An item's territory is read from what its source declares (``territory``: a territory's
name such as ``Seine-Saint-Denis``, or a place) and from its place: a postal code
(``93200 Saint-Denis``) or a department number in brackets (``Bordeaux (33)``). A department of
Île-de-France gives its name and the region; any other department gives « Ailleurs en
France »; a webconference gives « En ligne ». Nothing recognisable gives no territory.
"""

from __future__ import annotations

import re

from newsletter.text import words
from newsletter.vocabulary import DEPARTMENTS, ELSEWHERE, ONLINE, REGION, territory_label

_POSTAL_CODE = re.compile(r"(?<!\d)((?:0[1-9]|[1-8]\d|9[0-5])\d{3}|97[1-6]\d{2})(?!\d)")
_BRACKETED = re.compile(r"\((\d{2,3}|2[ab])\)", re.IGNORECASE)
_ONLINE = ("en ligne", "webconference", "webinaire", "webinar", "visioconference", "distanciel")


def territories_of(territory: str, place: str) -> frozenset[str]:
    """The territories of an item declared in ``territory`` and held at ``place``."""
    found: set[str] = set()
    named = territory_label(territory)
    if named is not None:
        found.add(named)
    for text in (territory, place):
        folded = f" {words(text)} "
        if any(f" {key} " in folded for key in _ONLINE):
            found.add(ONLINE)
        for code in _departments(text):
            found.add(DEPARTMENTS.get(code, ELSEWHERE))
    if found & set(DEPARTMENTS.values()):
        found.add(REGION)
    return frozenset(found)


def _departments(text: str) -> list[str]:
    codes = [match[:2] for match in _POSTAL_CODE.findall(text)]
    return codes + [match.lower() for match in _BRACKETED.findall(text)]
