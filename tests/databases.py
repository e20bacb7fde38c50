"""Test databases: migrated once per session, copied for each test.

Running every migration takes 0.3–0.9 s, copying a migrated database a few milliseconds: a
SQLite test gets a copy of the session's migrated file, a PostgreSQL test a database created
from the session's migrated template (``CREATE DATABASE … TEMPLATE``), dropped afterwards.
Each session names its own databases, so runs side by side on one server never meet.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from newsletter.db import Database


def migrated(url: str) -> None:
    """Bring the database at ``url`` to the latest revision, leaving no connection open."""
    database = Database(url)
    try:
        database.migrate()
    finally:
        database.dispose()


def sqlite_template(folder: Path) -> Path:
    """A migrated SQLite file to copy (its write-ahead log checkpointed on close)."""
    path = folder / "template.db"
    migrated(f"sqlite:///{path}")
    assert not path.with_name(f"{path.name}-wal").exists(), "WAL not checkpointed"
    return path


def sqlite_copy(template: Path, folder: Path) -> str:
    """A copy of the migrated SQLite file in ``folder``; its URL."""
    path = folder / "lettre.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


class PostgresServer:
    """Creates and drops the test databases on one PostgreSQL server."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.prefix = f"lettre_test_{secrets.token_hex(4)}"  # this session's databases
        self.admin = sa.create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.connection = self.admin.connect()
        self.created = 0

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, template: str = "template0") -> str:
        """A new database, empty (``template0``) or a copy of ``template``; its name.

        The template must have no open connection while it is copied.
        """
        self.created += 1
        name = f"{self.prefix}_{self.created}"
        self.connection.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return name

    def drop(self, name: str) -> None:
        """Drop a database, ending the connections a test left to it (a killed sender's)."""
        self.connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    @contextmanager
    def database(self, template: str = "template0") -> Iterator[str]:
        """A database of its own for one test; its URL, dropped afterwards."""
        name = self.create(template)
        try:
            yield self.url_of(name)
        finally:
            self.drop(name)

    def template(self) -> str:
        """A migrated database to copy; its name."""
        name = self.create()
        migrated(self.url_of(name))
        return name

    def close(self) -> None:
        self.connection.close()
        self.admin.dispose()
