"""Lists of ids as a single statement parameter, ``:ids``: the text of an integer array on
PostgreSQL (``{1,2,3}``), of a JSON list on SQLite (``[1,2,3]``).

A statement built with ``IdList.among`` is the same whatever the number of ids, so it is
built and compiled once, and binding the ids costs no per-id work in SQLAlchemy or in the
driver (an expanding ``IN`` renders and processes one parameter per id on every call, and
psycopg dumps a Python list element by element).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute


class IdList:
    def __init__(self, dialect: str) -> None:
        self.postgresql = dialect == "postgresql"

    def among(
        self, column: sa.ColumnElement[int] | InstrumentedAttribute[int]
    ) -> sa.ColumnElement[bool]:
        """``column IN :ids``."""
        ids = sa.bindparam("ids", type_=sa.String)
        if self.postgresql:
            return column == sa.any_(sa.cast(ids, sa.ARRAY(sa.Integer)))
        return column.in_(
            sa.select(sa.column("value", sa.Integer)).select_from(sa.func.json_each(ids))
        )

    def bind(self, ids: Iterable[int]) -> str:
        """The value of ``:ids`` for these ids."""
        listed = ",".join(map(str, ids))
        return f"{{{listed}}}" if self.postgresql else f"[{listed}]"
