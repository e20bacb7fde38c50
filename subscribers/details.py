"""What is known about a person besides the address, checked and normalised."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import Any

from newsletter.errors import InputError
from newsletter.text import words
from newsletter.vocabulary import PROFILES
from subscribers.profiles import FORMATS

DEPARTMENT = re.compile(r"^(0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6])$")
# Communes, profiles, themes… repeat on every row of an import: fold each once.
cached_words = lru_cache(maxsize=8192)(words)


@dataclass(frozen=True)
class Details:
    civility: str = ""
    first_name: str = ""
    last_name: str = ""
    organisation: str = ""
    function: str = ""
    profile: str = "autre"
    commune: str = ""
    department: str = ""
    format: str = "html"
    themes: tuple[str, ...] = field(default_factory=tuple)

    def checked(self, known_themes: Collection[str]) -> Details:
        """Stripped values; an unknown profile, format, theme or department is refused."""
        if self.profile not in PROFILES:
            raise InputError(
                f"profil inconnu « {self.profile} »", f"profils : {', '.join(PROFILES)}"
            )
        if self.format not in FORMATS:
            raise InputError(f"format inconnu « {self.format} »", "html ou text")
        unknown = [theme for theme in self.themes if theme not in known_themes]
        if unknown:
            raise InputError(
                f"thème inconnu « {unknown[0]} »", f"thèmes : {', '.join(known_themes)}"
            )
        department = self.department.strip().upper()
        if department and not DEPARTMENT.match(department):
            raise InputError(f"département invalide « {self.department} »", "par exemple 93")
        stripped = {name: getattr(self, name).strip() for name in TEXT_FIELDS}
        themes = tuple(sorted(set(self.themes)))
        return Details(**stripped | {"department": department, "themes": themes})

    def columns(self) -> dict[str, Any]:
        """The subscriber table's columns (themes live in their own table)."""
        values = {name: getattr(self, name) for name in TEXT_FIELDS}
        return values | {key: cached_words(getattr(self, name)) for name, key in KEYS.items()}

    def filling(self, other: Details) -> Details:
        """These details with blanks filled from ``other`` (themes are merged)."""
        defaults = Details()
        merged = {
            f.name: getattr(other, f.name)
            for f in fields(self)
            if f.name != "themes"
            and getattr(self, f.name) in ("", getattr(defaults, f.name))
            and getattr(other, f.name) not in ("", getattr(defaults, f.name))
        }
        themes = tuple(sorted({*self.themes, *other.themes}))
        return replace(self, **merged | {"themes": themes})


def department_from_postcode(postcode: str) -> str:
    """``93200`` → ``93``; Corsica and overseas departments handled; "" when not a postcode."""
    code = postcode.strip().replace(" ", "")
    if not re.fullmatch(r"\d{5}", code):
        return ""
    if code.startswith("97"):
        return code[:3]
    if code.startswith("20"):
        return "2A" if code < "20200" else "2B"
    return code[:2]


TEXT_FIELDS = tuple(f.name for f in fields(Details) if f.name != "themes")
# Fields also stored folded (``words``), for segments and the editors' search: field → column.
KEYS = {"first_name": "first_name_key", "last_name": "last_name_key",
        "organisation": "organisation_key", "commune": "commune_key"}  # fmt: skip
