"""Reading subscriber CSV files as French offices produce them.

``;`` or ``,`` separated, UTF-8 with or without BOM or Windows-1252, headers in French or
English. Every row is checked; rejected rows and duplicates are reported with their line.
Cells the export neutralised (a ``'`` before ``= + - @``…) are read back as they were, so an
exported file imports again unchanged.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from newsletter.errors import InputError
from newsletter.settings import Category
from newsletter.tabular import read_table
from newsletter.text import words
from subscribers.addresses import Address, parse_address
from subscribers.details import Details, cached_words, department_from_postcode

# Field → (header written on export, headers recognised on import, compared with words()).
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "email": ("courriel", ("courriel", "email", "e mail", "mail", "mel", "adresse electronique",
                           "adresse mail", "adresse e mail", "adresse email", "email address")),
    "civility": ("civilité", ("civilite", "civility", "titre", "title")),
    "first_name": ("prénom", ("prenom", "first name", "firstname", "given name")),
    "last_name": ("nom", ("nom", "name", "last name", "lastname", "nom de famille", "surname")),
    "organisation": ("organisme", ("organisme", "structure", "organisation", "organization",
                                   "employeur", "collectivite")),
    "function": ("fonction", ("fonction", "function", "poste", "job title")),
    "profile": ("profil", ("profil", "profile", "categorie", "category")),
    "commune": ("commune", ("commune", "ville", "city", "town")),
    "department": ("département", ("departement", "department", "dept")),
    "postcode": ("code postal", ("code postal", "cp", "postcode", "postal code", "zip code")),
    "themes": ("thèmes", ("themes", "theme", "centres d interet", "interets", "topics")),
    "format": ("format", ("format",)),
}  # fmt: skip
PROFILE_WORDS = {
    "elu": ("elu", "elue", "elus", "elues", "elu e", "maire", "adjoint", "adjointe"),
    "etat": ("etat", "service de l etat", "services de l etat", "prefecture", "ddets"),
    "professionnel": ("professionnel", "professionnelle", "professionnel le", "pro"),
    "partenaire": ("partenaire", "partenaires"),
    "adherent": ("adherent", "adherente", "adherent e", "adherents"),
    "autre": ("autre", "autres", ""),
}
FORMAT_WORDS = {"html": ("html", ""), "text": ("text", "texte", "texte seul", "texte brut", "txt")}
ALIASES = {words(alias): name for name, (_, names) in COLUMNS.items() for alias in names}
THEME_SEPARATORS = re.compile(r"[,|/]")
# A cell starting with one of these would run as a formula in a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell that a spreadsheet would run as a formula is turned into plain text by a
    leading quote; so is one that only looks neutralised (``'=…``), so that ``restore``,
    which takes one quote off both, gives back every cell as it was."""
    return f"'{cell}" if cell.lstrip("'").startswith(FORMULA_STARTS) else cell


def restore(cell: str) -> str:
    """The cell before ``neutralise``: an exported file imports again unchanged."""
    if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


@dataclass(frozen=True)
class Notice:
    line: int
    message: str

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.message}"


@dataclass
class Row:
    line: int
    address: Address
    details: Details


@dataclass
class ParsedFile:
    encoding: str
    delimiter: str
    rows: list[Row] = field(default_factory=list)  # one per person, duplicates merged
    rejected: list[Notice] = field(default_factory=list)
    duplicates: list[Notice] = field(default_factory=list)
    empty_lines: int = 0
    ignored_columns: list[str] = field(default_factory=list)


def read_csv(
    data: bytes, themes: Mapping[str, Category], columns: Mapping[int, str] | None = None
) -> ParsedFile:
    """The people of the file; ``columns`` (position → field) overrides the columns found
    from the header's names (an editor's choice in the preview)."""
    unknown = sorted(set((columns or {}).values()) - set(COLUMNS))
    if unknown:
        raise InputError(f"colonne inconnue « {unknown[0]} »", f"colonnes : {', '.join(COLUMNS)}")
    table = read_table(data, ALIASES, columns)
    if "email" not in table.columns:
        raise InputError(
            "colonne de l'adresse électronique introuvable dans l'en-tête",
            "nommez-la « courriel », « e-mail » ou « adresse électronique »",
        )
    parsed = ParsedFile(table.encoding, table.delimiter, ignored_columns=table.ignored_columns)
    labels = {key: words(theme.label) for key, theme in themes.items()}
    read_themes = functools.lru_cache(maxsize=4096)(lambda text: _themes(text, labels))
    by_key: dict[str, Row] = {}
    for found in table.rows:
        values = found.values
        if any(cell[:1] == "'" for cell in values.values()):
            values = {name: restore(cell) for name, cell in values.items()}
        try:
            address = parse_address(values["email"])
            row = Row(found.line, address, _details(values, labels, read_themes))
        except InputError as exc:
            parsed.rejected.append(Notice(found.line, exc.message))
            continue
        first = by_key.get(row.address.key)
        if first is None:
            by_key[row.address.key] = row
            parsed.rows.append(row)
        else:
            first.details = first.details.filling(row.details)
            parsed.duplicates.append(
                Notice(
                    found.line, f"doublon de la ligne {first.line} ({row.address.email}), fusionné"
                )
            )
    parsed.empty_lines = table.empty_lines
    return parsed


def _details(
    values: Mapping[str, str],
    labels: Mapping[str, str],
    read_themes: Callable[[str], tuple[str, ...]],
) -> Details:
    department = values.get("department", "") or department_from_postcode(
        values.get("postcode", "")
    )
    return Details(
        civility=values.get("civility", ""),
        first_name=values.get("first_name", ""),
        last_name=values.get("last_name", ""),
        organisation=values.get("organisation", ""),
        function=values.get("function", ""),
        profile=_choice(values.get("profile", ""), PROFILE_WORDS),
        commune=values.get("commune", ""),
        department=department,
        format=_choice(values.get("format", ""), FORMAT_WORDS),
        themes=read_themes(values.get("themes", "")),
    ).checked(labels)


def _choice(value: str, choices: Mapping[str, tuple[str, ...]]) -> str:
    """The key whose words match the value; the value itself when none does (refused later)."""
    folded = cached_words(value)
    return next((key for key, names in choices.items() if folded in names), value.strip())


def _themes(value: str, labels: Mapping[str, str]) -> tuple[str, ...]:
    """Theme keys from keys or labels (or their beginning), separated by , | or /.
    ``labels`` maps each theme key to its label reduced with ``words``."""
    folded = cached_words(value)
    if not folded:
        return ()
    whole = [key for key, label in labels.items() if label == folded]
    if whole:
        return tuple(whole)
    found = []
    for part in THEME_SEPARATORS.split(value):
        token = cached_words(part)
        if token:
            match = (key for key, label in labels.items() if token in (key, label[: len(token)]))
            found.append(next(match, part.strip()))
    return tuple(found)
