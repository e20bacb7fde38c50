"""CSV files of sample people, written as French offices export them from a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterable

from newsletter.demo.people import Person
from subscribers.profiles import PROFILES

HEADER = (
    "Civilité", "Prénom", "Nom", "Adresse électronique", "Organisme", "Fonction", "Catégorie",
    "Ville", "Code postal", "Thèmes", "Format",
)  # fmt: skip


def row(person: Person, email: str | None = None, **changes: str) -> list[str]:
    values = {
        "Civilité": person.civility, "Prénom": person.first_name, "Nom": person.last_name,
        "Adresse électronique": person.email if email is None else email,
        "Organisme": person.organisation, "Fonction": person.function,
        "Catégorie": PROFILES[person.profile], "Ville": person.commune,
        "Code postal": person.postcode,
        "Thèmes": ", ".join(theme.capitalize() for theme in person.themes),
        "Format": "Texte" if person.format == "text" else "HTML",
    } | changes  # fmt: skip
    return [values[name] for name in HEADER]


def csv_text(rows: Iterable[list[str] | None], delimiter: str = ";") -> str:
    """CRLF lines, like Excel; ``None`` is an empty line. No quoting needed in samples."""
    lines = [delimiter.join(HEADER)]
    lines += ["" if cells is None else delimiter.join(cells) for cells in rows]
    return "\r\n".join(lines) + "\r\n"
