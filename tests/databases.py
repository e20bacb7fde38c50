"""Test databases: migrated once per session, copied for each test.

Running every migration through Alembic takes 0.3–0.9 s a database; a copy takes a few
milliseconds. SQLite: each test gets a copy of the session's migrated file. PostgreSQL: each
test gets a schema of its own in which the SQL that the migrations sent to an empty schema,
recorded once per session, is sent again in one transaction. Schemas rather than ``CREATE
DATABASE … TEMPLATE``: dropping a database forces a checkpoint of the whole server, seconds
(or a minute) when other suites write to it.

Making a schema that way and dropping it still cost the server 0.18 s of processor time
(the catalog rows of 32 tables and their indexes, written then deleted), a tenth of the
suite's: a migrated schema a test is done with is emptied instead — the tables it wrote to
truncated, its sequences restarted — and handed to the next test, unless the test changed
its structure (then it is dropped, as before).
"""

from __future__ import annotations

import atexit
import functools
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import NullPool

from newsletter.db import Database


@functools.cache
def _migrated_sqlite() -> Path:
    """The test process's migrated SQLite file, made at its first use (its write-ahead log
    checkpointed on close), removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="lettre-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "template.db"
    database = Database(f"sqlite:///{path}")
    try:
        database.migrate()
    finally:
        database.dispose()
    assert not path.with_name(f"{path.name}-wal").exists(), "WAL not checkpointed"
    return path


def sqlite_copy(folder: Path) -> str:
    """A copy of the process's migrated SQLite file in ``folder``; its URL."""
    path = folder / "lettre.db"
    shutil.copyfile(_migrated_sqlite(), path)
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: Any
    many: bool


_TABLES = """
SELECT tablename FROM pg_tables
WHERE schemaname = current_schema() AND tablename <> 'alembic_version'
"""
_RESTART_SEQUENCES = """
SELECT setval(format('%I.%I', schemaname, sequencename), 1, false) FROM pg_sequences
WHERE schemaname = current_schema() AND last_value IS NOT NULL
"""
_SHAPE = """
SELECT md5(coalesce(string_agg(part, ',' ORDER BY part), '')) FROM (
  SELECT concat_ws(':', c.relname, c.relkind, a.attname, a.atttypid, a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid)) AS part
  FROM pg_class c
  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
  WHERE c.relnamespace = current_schema()::regnamespace
  UNION ALL
  SELECT concat_ws(':', conname, pg_get_constraintdef(oid)) FROM pg_constraint
  WHERE connamespace = current_schema()::regnamespace
) AS parts
"""


class PostgresServer:
    """Creates and drops this session's schemas on one PostgreSQL server (each session
    names its own, so runs side by side on one server never meet)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.prefix = f"t_{secrets.token_hex(4)}"
        self.admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.connection = self.admin.connect()
        # Test schemas need not survive a crash of the server: no waiting for the disk.
        self._execute("SET synchronous_commit TO OFF")
        self.created = 0
        self.migration: list[Statement] = []
        self.shape = ""  # the structure of a migrated schema (_shape_of)
        self.holding = ""  # the query naming a migrated schema's tables that hold rows
        self.emptied: list[str] = []  # migrated schemas with no rows, for the next tests

    @contextmanager
    def schema(self, migrated: bool) -> Iterator[str]:
        """An empty schema of its own, or one at the latest revision holding no rows; its
        URL. Afterwards it is dropped, or emptied for the next test if it was migrated."""
        if migrated and self.emptied:
            name = self.emptied.pop()
        else:
            name = self._create()
            if migrated:
                self._replay(name)
                if not self.shape:
                    self._learn(name)
        try:
            yield self._url_of(name)
        finally:
            if migrated and self._emptied(name):
                self.emptied.append(name)
            else:
                self._execute(f'DROP SCHEMA "{name}" CASCADE')

    def _create(self) -> str:
        self.created += 1
        name = f"{self.prefix}_{self.created}"
        self._execute(f'CREATE SCHEMA "{name}"')
        return name

    def _url_of(self, schema: str) -> str:
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}options=-csearch_path%3D{schema}"

    @contextmanager
    def _inside(self, schema: str) -> Iterator[Any]:
        """A cursor in ``schema``, in one transaction."""
        driver = self.connection.connection.driver_connection
        assert driver is not None
        with driver.transaction(), driver.cursor() as cursor:
            cursor.execute(f'SET LOCAL search_path TO "{schema}"')
            yield cursor

    def _replay(self, schema: str) -> None:
        """Send the recorded migration again, in ``schema`` and in one transaction."""
        if not self.migration:
            self.migration = self._record()
        with self._inside(schema) as cursor:
            for statement in self.migration:
                if statement.many:
                    cursor.executemany(statement.sql, statement.parameters)
                else:
                    cursor.execute(statement.sql, statement.parameters)

    def _emptied(self, schema: str) -> bool:
        """Give a migrated schema back the state the replay left it in: the tables holding
        rows truncated (the migrations' version row kept), every sequence restarted. False,
        and nothing done, when the test changed its structure."""
        if self._shape_of(schema) != self.shape:
            return False
        with self._inside(schema) as cursor:
            written = [f'"{table}"' for (table,) in cursor.execute(self.holding).fetchall()]
            if written:
                cursor.execute(f"TRUNCATE {', '.join(written)} CASCADE")
            cursor.execute(_RESTART_SEQUENCES)
        return True

    def _learn(self, schema: str) -> None:
        """What every migrated schema shares, read from the first: its structure and the
        query naming its tables that hold rows (the migrations' version row aside)."""
        self.shape = self._shape_of(schema)
        with self._inside(schema) as cursor:
            tables = [table for (table,) in cursor.execute(_TABLES).fetchall()]
        self.holding = " UNION ALL ".join(
            f"SELECT '{table}' WHERE EXISTS (SELECT FROM \"{table}\")" for table in tables
        )

    def _shape_of(self, schema: str) -> str:
        """The schema's tables, columns, indexes and constraints, and its revision."""
        with self._inside(schema) as cursor:
            (digest,) = cursor.execute(_SHAPE).fetchone()
            (revision,) = cursor.execute("SELECT version_num FROM alembic_version").fetchone()
        return f"{digest} {revision}"

    def _record(self) -> list[Statement]:
        """The statements that migrating an empty schema sends, as the driver got them."""
        recorded: list[Statement] = []

        def record(*args: Any) -> None:
            _connection, _cursor, sql, parameters, _context, many = args
            recorded.append(Statement(sql, parameters or None, many))

        name = self._create()
        database = Database(self._url_of(name))
        event.listen(database.engine, "before_cursor_execute", record)
        try:
            database.migrate()
        finally:
            database.dispose()
            self._execute(f'DROP SCHEMA "{name}" CASCADE')
        assert recorded and not any(name in f"{s.sql}{s.parameters}" for s in recorded), (
            "the migrations name their schema: they cannot be replayed in another"
        )
        return recorded

    def _execute(self, sql: str) -> None:
        self.connection.execute(sa.text(sql))

    def close(self) -> None:
        self.connection.close()
        self.admin.dispose()
