"""Accent-insensitive text normalisation shared by classification and dedup; numbers written
the French way."""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = (("œ", "oe"), ("æ", "ae"), ("ß", "ss"))
# Letters and digits, with their combining accents (still attached after NFKD).
_NOT_WORD = re.compile(r"[^a-z0-9\u0300-\u036f]+")
# Combining marks (accents…) as NFKD leaves them: the Unicode blocks of combining marks.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def words(text: str) -> str:
    """Folded text reduced to words separated by single spaces (``l’École`` → ``l ecole``)."""
    decomposed = unicodedata.normalize("NFKD", _expand(text.lower()))
    spaced = _NOT_WORD.sub(" ", decomposed)
    return spaced.encode("ascii", "ignore").decode("ascii").strip()


def fold(text: str) -> str:
    """Lowercase text without accents, punctuation kept (``ANNULÉ :`` → ``annule :``)."""
    if text.isascii():
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.lower()))


def _expand(text: str) -> str:
    for ligature, letters in _LIGATURES:
        if ligature in text:
            text = text.replace(ligature, letters)
    return text


_ELIDING = frozenset("aàâäeéèêëiîïoôöuùûüyÿæœh")


def of_name(name: str) -> str:
    """« de » before a name, elided before a vowel or an h: ``d'Amina Diallo``, ``de Léa``."""
    return ("d'" if name[:1].lower() in _ELIDING else "de ") + name


def decimal(value: float, places: int) -> str:
    """``value`` with ``places`` decimals and a decimal comma (``1,00``, ``10,5``)."""
    return f"{value:.{places}f}".replace(".", ",")
