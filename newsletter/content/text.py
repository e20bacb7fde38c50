"""Accent-insensitive text normalisation shared by classification and dedup."""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = (("œ", "oe"), ("æ", "ae"), ("ß", "ss"))
# Letters and digits, with their combining accents (still attached after NFKD).
_NOT_WORD = re.compile(r"[^a-z0-9\u0300-\u036f]+")


def words(text: str) -> str:
    """Folded text reduced to words separated by single spaces (``l’École`` → ``l ecole``)."""
    decomposed = unicodedata.normalize("NFKD", _expand(text.lower()))
    spaced = _NOT_WORD.sub(" ", decomposed)
    return spaced.encode("ascii", "ignore").decode("ascii").strip()


def fold(text: str) -> str:
    """Lowercase text without accents, punctuation kept (``ANNULÉ :`` → ``annule :``)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _expand(text: str) -> str:
    for ligature, letters in _LIGATURES:
        if ligature in text:
            text = text.replace(ligature, letters)
    return text
