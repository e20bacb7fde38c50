"""Reading the CSV files French offices produce: `;` or `,`, UTF-8 (BOM or not) or
Windows-1252, header names in French or English."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from newsletter.content.text import words
from newsletter.errors import InputError


@dataclass(frozen=True)
class Row:
    line: int  # line number in the file, as a spreadsheet shows it
    values: dict[str, str]  # canonical column name -> stripped text


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (what Excel saves in France)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(header: str) -> str:
    return ";" if header.count(";") >= header.count(",") else ","


def read_rows(data: bytes, aliases: dict[str, str]) -> Iterator[Row]:
    """Rows keyed by canonical column names; ``aliases`` maps folded header names to them.

    Blank lines are skipped; unknown columns are ignored; a file without any known column
    is refused with the list of expected names.
    """
    text = decode(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(first_line))
    header = next(reader, None)
    if header is None:
        raise InputError("fichier vide", "la première ligne doit nommer les colonnes")
    columns = [aliases.get(words(name)) for name in header]
    if not any(columns):
        expected = ", ".join(sorted(set(aliases.values())))
        raise InputError("aucune colonne reconnue dans l'en-tête", f"colonnes : {expected}")
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        values = {
            column: cell.strip()
            for column, cell in zip(columns, record, strict=False)
            if column is not None
        }
        yield Row(reader.line_num, values)
