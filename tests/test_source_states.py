"""The sources' state is read the same way everywhere: one query on any DB-API connection,
SQLite's own or PostgreSQL's through the engine, times in UTC; `newsletter sources` reads a
plain SQLite file without loading SQLAlchemy, and refuses, in French, a database not
prepared, not current or not reachable, without ever creating the file."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.app import App
from newsletter.cli import cli
from newsletter.direct import BUSY_TIMEOUT, sqlite_file, sqlite_reader
from newsletter.errors import DatabaseError
from newsletter.sources.http import Validators
from newsletter.sources.states import source_states
from newsletter.sources.store import SourceStore
from tests.databases import PostgresServer

UNREACHABLE = {"key": "partenaire", "name": "Partenaire hors ligne", "kind": "agenda",
               "url": "http://127.0.0.1:9/agenda.ics"}  # fmt: skip


def record_fetches(app: App) -> None:
    with app.database.session() as session:
        store = SourceStore(session)
        rows = store.sync(app.settings.sources)
        first, second = sorted(rows)[:2]
        store.record_success(
            rows[first], Validators(etag='"v1"', last_modified=""), 4, "flux réparé"
        )
        store.record_failure(rows[second], "connexion impossible")
        store.record_failure(rows[second], "délai dépassé")


def test_states_read_on_either_engine(app: App) -> None:
    """Through the session's connection (the dashboard's way), on SQLite and PostgreSQL: by
    key, aware times (SQLite's, stored without a zone, are UTC), the streak and the last
    error and warning."""
    fetched = datetime.now(UTC)
    record_fetches(app)
    with app.database.session() as session:
        states = source_states(session.connection().connection)
    assert [state.key for state in states] == sorted(s.key for s in app.settings.sources)
    succeeded, failed = states[0], states[1]
    assert succeeded.items_total == 4 and succeeded.last_warning == "flux réparé"
    assert succeeded.last_success_at is not None
    assert abs(succeeded.last_success_at - fetched) < timedelta(minutes=1)
    assert succeeded.failure_streak == 0 and succeeded.last_error_at is None
    assert failed.failure_streak == 2 and failed.failing(2) and not failed.failing(3)
    assert failed.last_error == "délai dépassé" and failed.last_success_at is None
    assert failed.last_error_at is not None
    assert abs(failed.last_error_at - fetched) < timedelta(minutes=1)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_sqlite_file_is_read_directly_the_same(app: App) -> None:
    """The standard library's connection to the file gives what the engine's gives."""
    record_fetches(app)
    found = sqlite_file(app.database.url, Path("/"))
    assert found is not None
    with sqlite_reader(*found) as connection:
        direct = source_states(connection)
    with app.database.session() as session:
        assert direct == source_states(session.connection().connection)


def test_which_urls_are_read_directly(tmp_path: Path) -> None:
    """A plain sqlite:/// URL, with at most its busy timeout, names a file (relative to the
    configuration's folder); a driver, other options or PostgreSQL go through SQLAlchemy."""
    assert sqlite_file("sqlite:///var/lettre.db", tmp_path) == (tmp_path / "var/lettre.db",
                                                               BUSY_TIMEOUT)  # fmt: skip
    assert sqlite_file("sqlite:////srv/a%20b.db?timeout=2", tmp_path) == (Path("/srv/a b.db"), 2)
    others = ("sqlite+pysqlite:///x.db", "sqlite:///x.db?mode=ro", "sqlite:///:memory:",
              "sqlite://", "sqlite:///x.db?timeout=bientôt", "postgresql://u@h/lettre")  # fmt: skip
    for url in others:
        assert sqlite_file(url, tmp_path) is None, url


def test_a_database_not_prepared_or_not_current_is_refused(tmp_path: Path) -> None:
    """No file (not created), an empty file, an old revision: the French errors of every
    command, with what to run."""
    missing = tmp_path / "var" / "lettre.db"
    with pytest.raises(DatabaseError, match="n’est pas initialisée"), sqlite_reader(missing):
        pass
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(DatabaseError, match="n’est pas initialisée"), sqlite_reader(empty):
        pass
    old = sqlite3.connect(empty)
    old.executescript("CREATE TABLE alembic_version (version_num TEXT); "
                      "INSERT INTO alembic_version VALUES ('0001');")  # fmt: skip
    old.close()
    with pytest.raises(DatabaseError, match="pas à jour") as refused, sqlite_reader(empty):
        pass
    assert refused.value.hint == "lancez `newsletter init` pour la mettre à jour"


def test_a_file_that_is_no_database_is_one_french_line(
    write_config: Callable[..., Path],
) -> None:
    """Whatever SQLite answers while reading is the one-line French error of the database."""
    config = write_config()
    (config.parent / "var").mkdir(exist_ok=True)
    (config.parent / "var" / "lettre.db").write_bytes(b"pas une base SQLite" * 100)
    result = CliRunner().invoke(cli, ["--config", str(config), "sources"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Erreur : base de données injoignable (file is not a database)")
    assert result.stderr.count("\n") == 1


def test_sources_does_not_load_sqlalchemy(write_config: Callable[..., Path]) -> None:
    """`newsletter sources` on a plain SQLite URL answers without importing SQLAlchemy (or
    the web app), which is what lets it answer at once (benchmarks/bench_cli.py)."""
    config = write_config()
    assert CliRunner().invoke(cli, ["--config", str(config), "init"]).exit_code == 0
    command = [sys.executable, "-X", "importtime", "-m", "newsletter", "--config", str(config)]
    shown = subprocess.run([*command, "sources"], capture_output=True, text=True, timeout=60,
                           env={"COLUMNS": "200", "PATH": "/usr/bin"})  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "Sources" in shown.stdout
    imported = {line.split("|")[-1].strip() for line in shown.stderr.splitlines()}
    assert "newsletter.sources.states" in imported and "newsletter.settings" in imported
    assert not {name for name in imported if name.split(".")[0] in ("sqlalchemy", "fastapi")}


def test_sources_on_postgresql_goes_through_the_engine(
    write_config: Callable[..., Path], postgres_server: PostgresServer
) -> None:
    """On a database SQLAlchemy reads (PostgreSQL here), `newsletter sources` lists the
    same table through the application's engine: each declared source after a fetch."""
    with postgres_server.schema(migrated=True) as url:
        config = write_config(database={"url": url}, sources=[UNREACHABLE])
        listed = ["--config", str(config)]
        assert CliRunner().invoke(cli, [*listed, "fetch"]).exit_code == 1  # its one source failed
        shown = CliRunner().invoke(cli, [*listed, "sources"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.stderr
    row = next(line for line in shown.stdout.splitlines() if "partenaire" in line)
    assert "Partenaire hors ligne" in row and "│ 1 " in row and "connexion impossible" in row
