"""The tables as CSV files for spreadsheets (like the subscribers' export: UTF-8 with a BOM,
semicolons, French decimal commas), one file per table."""

from __future__ import annotations

import csv
from pathlib import Path

from newsletter.statistics.tables import Table, Value
from newsletter.text import decimal


def cell(value: Value) -> str:
    if isinstance(value, float):
        return decimal(value, 1)
    return str(value)


def write_table(table: Table, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, delimiter=";", lineterminator="\r\n")
        writer.writerow([table.label, *table.columns])
        for label, values in table.rows:
            writer.writerow([label, *(cell(value) for value in values)])


def write_tables(tables: list[Table], folder: Path, prefix: str) -> list[Path]:
    """``folder/{prefix}-{table id}.csv`` for each table; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tables:
        path = folder / f"{prefix}-{table.id}.csv"
        write_table(table, path)
        written.append(path)
    return written
