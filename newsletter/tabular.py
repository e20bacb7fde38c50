"""Reading the CSV files French offices produce — the one reader of items and subscribers.

``;``, ``,`` or tab separated (the most frequent in the header line wins), UTF-8 with or
without BOM, else Windows-1252 (what Excel saves in France); leading blank lines skipped;
header names matched to canonical columns ignoring case, accents and punctuation.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from newsletter.errors import InputError
from newsletter.text import words

DELIMITERS = (";", ",", "\t")


@dataclass(frozen=True)
class Row:
    line: int  # where the row starts in the file, as a text editor numbers lines
    values: dict[str, str]  # canonical column name -> cell, as written


@dataclass
class Table:
    """A file's rows keyed by canonical column names, and what was seen while reading."""

    encoding: str  # "UTF-8" or "Windows-1252"
    delimiter: str
    columns: list[str]  # canonical names found in the header, in file order
    ignored_columns: list[str]  # header names that match no column (or repeat one)
    rows: Iterator[Row]
    empty_lines: int = field(default=0)  # blank rows skipped so far (after the header)


def decode(data: bytes) -> tuple[str, str]:
    """The text and the name of its encoding: UTF-8 (BOM or not), else Windows-1252."""
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "Windows-1252"


def sniff_delimiter(header: str) -> str:
    return max(DELIMITERS, key=header.count)


def read_table(data: bytes, aliases: Mapping[str, str]) -> Table:
    """The rows of ``data``; ``aliases`` maps header names reduced with ``words`` to
    canonical column names. A file without any known column is refused."""
    text, encoding = decode(data)
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    if not header_line:
        raise InputError("le fichier est vide", "la première ligne doit nommer les colonnes")
    delimiter = sniff_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    while not any(cell.strip() for cell in header):  # leading blank lines
        header = next(reader)
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        name = aliases.get(words(title))
        if name is None or name in positions:
            if title.strip():
                ignored.append(title.strip())
            continue
        positions[name] = index
    if not positions:
        expected = ", ".join(sorted(set(aliases.values())))
        raise InputError("aucune colonne reconnue dans l'en-tête", f"colonnes : {expected}")
    table = Table(encoding, delimiter, list(positions), ignored, iter(()))
    table.rows = _rows(reader, positions, table)
    return table


def _rows(reader: Any, positions: dict[str, int], table: Table) -> Iterator[Row]:
    line = reader.line_num  # csv readers count the lines they read
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            table.empty_lines += 1
            continue
        yield Row(start, {name: cells[index].strip() if index < len(cells) else ""
                          for name, index in positions.items()})  # fmt: skip
