"""Reading the CSV files French offices produce — the one reader of items and subscribers.

``;``, ``,`` or tab separated (the most frequent in the header line wins), UTF-8 with or
without BOM, else Windows-1252 (what Excel saves in France); leading blank lines skipped;
header names matched to canonical columns ignoring case, accents and punctuation.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
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
    header: list[str]  # the header line's cells, as written
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


def _reader(data: bytes) -> tuple[Any, list[str], str, str]:
    """A CSV reader past the header line; the header, the encoding and the delimiter."""
    text, encoding = decode(data)
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    if not header_line:
        raise InputError("le fichier est vide", "la première ligne doit nommer les colonnes")
    delimiter = sniff_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    while not any(cell.strip() for cell in header):  # leading blank lines
        header = next(reader)
    return reader, header, encoding, delimiter


def guess_columns(header: Sequence[str], aliases: Mapping[str, str]) -> dict[int, str]:
    """Position → canonical name of the header cells ``aliases`` knows (the first of two
    cells naming the same column wins)."""
    found: dict[int, str] = {}
    for index, title in enumerate(header):
        name = aliases.get(words(title))
        if name is not None and name not in found.values():
            found[index] = name
    return found


def peek(data: bytes, count: int) -> tuple[Table, list[list[str]]]:
    """The file's shape (encoding, delimiter, header) and its first ``count`` rows of cells,
    as written, for an editor to check the columns."""
    reader, header, encoding, delimiter = _reader(data)
    rows: list[list[str]] = []
    for cells in reader:
        if len(rows) == count:
            break
        if any(cell.strip() for cell in cells):
            rows.append(cells)
    return Table(encoding, delimiter, header, [], [], iter(())), rows


def read_table(
    data: bytes, aliases: Mapping[str, str], columns: Mapping[int, str] | None = None
) -> Table:
    """The rows of ``data``; ``aliases`` maps header names reduced with ``words`` to
    canonical column names, unless ``columns`` says which position holds which column.
    A file without any known column is refused."""
    reader, header, encoding, delimiter = _reader(data)
    chosen = guess_columns(header, aliases) if columns is None else columns
    positions: dict[str, int] = {}
    for index, name in sorted(chosen.items()):
        if index < len(header) and name not in positions:
            positions[name] = index
    ignored = [title.strip() for index, title in enumerate(header)
               if title.strip() and positions.get(chosen.get(index, "")) != index]  # fmt: skip
    if not positions:
        expected = ", ".join(sorted(set(aliases.values())))
        raise InputError("aucune colonne reconnue dans l'en-tête", f"colonnes : {expected}")
    table = Table(encoding, delimiter, header, list(positions), ignored, iter(()))
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
