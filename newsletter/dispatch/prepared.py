"""Statements compiled once and run on the driver's own cursor.

A send runs a handful of statements hundreds of times, each on a few dozen rows. Through
SQLAlchemy's execution layer (compiled-cache lookup, parameter and result processing, row
objects) each call cost the sending parent more CPU than the database's own work. A
``Prepared`` statement is compiled once for the dialect; a call only converts the values it
is given with their types' processors (e.g. datetimes on SQLite) and hands them, with the
statement's fixed values, to the DBAPI cursor. Rows come back as plain tuples.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.sql.compiler import SQLCompiler


class Prepared:
    def __init__(self, statement: sa.ClauseElement, dialect: Dialect) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        if compiled.post_compile_params or compiled.escaped_bind_names:
            raise ValueError(f"cannot be run without SQLAlchemy: {compiled.string}")
        self.sql = compiled.string
        self.order = compiled.positiontup  # names in placeholder order; None: by name
        self.processors: dict[str, Callable[[Any], Any]] = {}
        self.fixed: dict[str, Any] = {}
        for bind, name in compiled.bind_names.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self.processors[name] = processor
            if not bind.required:
                value = bind.effective_value
                self.fixed[name] = processor(value) if processor is not None else value

    def run(self, cursor: DBAPICursor, **values: Any) -> DBAPICursor:
        """Execute with these values for the statement's open parameters."""
        cursor.execute(self.sql, self.parameters(values))
        return cursor

    def run_many(self, cursor: DBAPICursor, rows: Sequence[Mapping[str, Any]]) -> None:
        """Execute once per row of values (the driver's executemany)."""
        many: Any = [self.parameters(values) for values in rows]  # all lists, or all dicts
        cursor.executemany(self.sql, many)

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        given = self.fixed.copy()
        for name, value in values.items():
            processor = self.processors.get(name)
            given[name] = value if processor is None or value is None else processor(value)
        return given if self.order is None else [given[name] for name in self.order]
