"""Database: migrations create the schema on SQLite and PostgreSQL; stale schemas refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.db import Database, resolve_url
from newsletter.direct import MIGRATIONS, head_revision
from newsletter.errors import DatabaseError
from tests.databases import PostgresServer


def test_migrate_creates_every_table(empty_db_url: str) -> None:
    """`init` brings an empty database to the head revision with all model tables (the
    other tests copy a database migrated once per session)."""
    from newsletter.schema import metadata

    database = Database(empty_db_url)
    try:
        assert database.revision() == ""
        assert database.migrate() == head_revision()
        tables = set(sa.inspect(database.engine).get_table_names())
        assert set(metadata.tables) <= tables
    finally:
        database.dispose()


def described(database: Database) -> dict[str, Any]:
    """Every table's columns, keys, indexes and constraints, and the revision."""
    inspector = sa.inspect(database.engine)
    tables: dict[str, Any] = {"revision": database.revision()}
    for table in inspector.get_table_names():
        tables[table] = (
            [(c["name"], str(c["type"]), c["nullable"], c["default"])
             for c in inspector.get_columns(table)],
            inspector.get_pk_constraint(table),
            inspector.get_foreign_keys(table),
            inspector.get_indexes(table),
            inspector.get_unique_constraints(table),
            inspector.get_check_constraints(table),
        )  # fmt: skip
    return tables


def test_test_databases_are_migrated_ones(database: Database, empty_db_url: str) -> None:
    """The copy each test gets (tests/databases.py) is what the migrations make of an
    empty database, to the last index and constraint."""
    migrated = Database(empty_db_url)
    try:
        migrated.migrate()
        assert described(database) == described(migrated)
    finally:
        migrated.dispose()


AUDITED = sa.text(
    "INSERT INTO audit_entries (at, actor, action, detail) "
    "VALUES (now(), :actor, 'essai', '') RETURNING id"
)


def test_a_postgresql_schema_is_handed_on_empty(postgres_server: PostgresServer) -> None:
    """A migrated PostgreSQL schema a test is done with reaches the next test with no rows,
    its sequences restarted; one whose structure a test changed is dropped, not handed on."""
    with postgres_server.schema(migrated=True) as url:
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            for actor in ("Marie", "Karim"):
                connection.execute(AUDITED, {"actor": actor})
        engine.dispose()
    with postgres_server.schema(migrated=True) as again:
        assert again == url
        engine = sa.create_engine(again)
        with engine.begin() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM audit_entries")).scalar() == 0
            assert connection.execute(AUDITED, {"actor": "Nadia"}).scalar() == 1
            connection.execute(sa.text("ALTER TABLE audit_entries ADD COLUMN extra text"))
        engine.dispose()
    with postgres_server.schema(migrated=True) as third:
        assert third != url


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


def test_a_write_after_a_stale_read_is_run_again(tmp_path: Path) -> None:
    """On SQLite, a transaction that read, then writes after another writer committed, is
    refused at once ("database is locked", the busy timeout does not help); `retrying` runs
    it again on fresh data, so the other writer's change is kept (the figures counted at
    the end of a send, while another sender writes)."""
    database = Database(f"sqlite:///{tmp_path / 'stale.db'}")
    with database.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        connection.exec_driver_sql("INSERT INTO counter VALUES (0)")
    seen: list[int] = []

    def add_one(session: Session) -> None:
        with session.begin_nested():  # as the figures are kept (statistics.keeping)
            n = session.execute(sa.text("SELECT n FROM counter")).scalar_one()
            if not seen:  # another writer commits between this read and the write
                with database.engine.begin() as other:
                    other.exec_driver_sql("UPDATE counter SET n = n + 10")
            seen.append(n)
            session.execute(sa.text("UPDATE counter SET n = :n"), {"n": n + 1})

    with (
        pytest.raises(sa.exc.OperationalError, match="database is locked"),
        database.session() as session,
    ):
        add_one(session)
    seen.clear()
    database.retrying(add_one)
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT n FROM counter").scalar() == 21
    assert seen == [10, 20]
    database.dispose()


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
