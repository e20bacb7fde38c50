"""Database: migrations create the schema on SQLite and PostgreSQL; stale schemas refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from newsletter.db import MIGRATIONS, Database, head_revision, resolve_url
from newsletter.errors import DatabaseError


def test_migrate_creates_every_table(database: Database) -> None:
    """`init` brings an empty database to the head revision with all model tables."""
    from newsletter.schema import metadata

    assert database.revision() == head_revision()
    tables = set(sa.inspect(database.engine).get_table_names())
    assert set(metadata.tables) <= tables


def test_migrate_is_idempotent(database: Database) -> None:
    """Running the migrations again on an up-to-date database changes nothing."""
    assert database.migrate() == head_revision()


def test_unmigrated_database_is_refused(tmp_path: Path) -> None:
    """Commands refuse a database without schema and say to run `newsletter init`."""
    database = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(DatabaseError) as caught:
        database.require_schema()
    assert "newsletter init" in caught.value.hint


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    """The embedded SQLite database uses write-ahead logging and foreign keys."""
    database = Database(f"sqlite:///{tmp_path / 'wal.db'}")
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_relative_sqlite_path_is_relative_to_config(tmp_path: Path) -> None:
    """A relative SQLite path is resolved against the configuration file's folder."""
    url = resolve_url("sqlite:///var/lettre.db", tmp_path)
    assert url == f"sqlite:///{tmp_path}/var/lettre.db"
    assert (tmp_path / "var").is_dir()


def test_unreachable_database_is_one_clear_error() -> None:
    """A database that cannot be reached gives a DatabaseError naming the setting."""
    database = Database("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    with pytest.raises(DatabaseError) as caught:
        database.migrate()
    assert "database.url" in caught.value.hint


def test_head_revision_is_alembics() -> None:
    """The head revision read from the migration files is the one Alembic finds."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head() != ""
