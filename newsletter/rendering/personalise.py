"""Per-recipient values, filled into a rendered edition in one cheap pass.

An edition is rendered once per variant with markers (``%%UNSUBSCRIBE_URL%%``…) where the
personal values go; the markers are plain ASCII that MJML and CSS inlining leave alone.
:class:`Fillable` cuts the rendered text at its markers once; filling it for a recipient is
a list copy and a join (microseconds), never a new rendering.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields

from markupsafe import Markup


@dataclass(frozen=True)
class PersonalValues:
    """What differs from one recipient to the next (plain text, escaped where needed)."""

    greeting: str  # "Bonjour Mme Dupont," or "Bonjour,"
    # Where the message goes, as the footer says it: ", à l’adresse claire@exemple.fr"
    # ("" on a page that belongs to nobody).
    addressed: str
    unsubscribe_url: str
    preferences_url: str
    web_url: str  # the edition's web page

    @classmethod
    def markers(cls) -> PersonalValues:
        """The values templates write: markers, trusted so that nothing escapes them."""
        return cls(**{name: Markup(marker(name)) for name in FIELDS})


FIELDS = tuple(field.name for field in fields(PersonalValues))


def marker(name: str) -> str:
    return f"%%{name.upper()}%%"


MARKERS = re.compile("|".join(re.escape(marker(name)) for name in FIELDS))
_NAMES = {marker(name): name for name in FIELDS}


def defuse(text: str) -> str:
    """Content that happens to contain ``%%`` can never be taken for a marker."""
    return text.replace("%%", "%\u200b%") if "%%" in text else text


class Fillable:
    """A rendered text cut at its markers; :meth:`fill` puts one recipient's values in."""

    __slots__ = ("_parts", "_slots")

    def __init__(self, text: str) -> None:
        parts: list[str] = []
        slots: list[tuple[int, str]] = []
        start = 0
        for found in MARKERS.finditer(text):
            parts.append(text[start : found.start()])
            slots.append((len(parts), _NAMES[found.group()]))
            parts.append("")
            start = found.end()
        parts.append(text[start:])
        self._parts = parts
        self._slots = tuple(slots)

    @property
    def markers(self) -> frozenset[str]:
        return frozenset(name for _, name in self._slots)

    def segments(self) -> Iterator[tuple[str, str | None]]:
        """The text between markers, each with the name of the marker that follows it
        (None after the last piece): what a byte-level filler prepares itself from."""
        names = dict(self._slots)
        for index in range(0, len(self._parts), 2):
            yield self._parts[index], names.get(index + 1)

    def fill(self, values: dict[str, str]) -> str:
        parts = self._parts.copy()
        for index, name in self._slots:
            parts[index] = values[name]
        return "".join(parts)


def html_values(values: PersonalValues) -> dict[str, str]:
    """Values for the HTML part: escaped for text and attributes alike."""
    return {name: html.escape(getattr(values, name)) for name in FIELDS}


def text_values(values: PersonalValues) -> dict[str, str]:
    return {name: getattr(values, name) for name in FIELDS}
