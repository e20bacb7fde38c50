"""Shared fixtures: real databases (SQLite and PostgreSQL), settings, local feed servers,
a local SMTP server with fault injection.

A component the tests need but cannot find (PostgreSQL, Chromium, smtp-sink) is a skip on a
laptop and a failure in CI (``CI`` set), so CI never passes by skipping.
"""

from __future__ import annotations

import gc
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
import sqlalchemy as sa
import tomli_w

from newsletter.accounts import passwords
from newsletter.app import App
from newsletter.db import Database
from newsletter.secrets import ENV_PEPPER, ENV_SECRET_KEYS, Secrets
from newsletter.settings import Settings, validate_settings
from newsletter.settings.operations import WebSettings
from tests.databases import PostgresServer, sqlite_copy
from tests.smtp_server import SmtpTestServer

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "LETTRE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = bool(os.environ.get("CI"))
# For tests whose subject is not the database (the web layer, which has no SQL of its own; a
# relay or a signal met by a send's processes): SQLite only, the stores they go through
# being tested on both databases.
ON_SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


# Password hashes at the lowest cost the settings accept (OWASP's 19 MiB and 2 passes), a
# sixth of the default's processor time: the tests check what hashing decides, not its cost
# (test_accounts.py checks the default profile and a change of cost).
HASHING = {"password_memory_mib": 19, "password_passes": 2}


@pytest.fixture(autouse=True)
def cheap_hashing() -> None:
    """Each test starts at that cost, whatever App a test before it built in this process
    (an App sets the process's cost from its settings)."""
    passwords.configure(WebSettings(**HASHING))


def missing(component: str, hint: str) -> NoReturn:
    """Skip locally, fail in CI: a missing component must never pass CI silently."""
    message = f"{component} unavailable: {hint}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def pytest_collection_finish(session: pytest.Session) -> None:
    """What is loaded once collected (libraries, test modules) lives as long as the process:
    frozen out of the collector's way, and the collector run less often. A test process
    makes many short-lived objects (ORM rows, requests), and the default thresholds had it
    spend an eighth of its processor time collecting."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 50)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: nothing may pass by not running.

    What the tests left is frozen too: pytest collects the garbage once more as it ends,
    3.4 s of processor per test process over everything a run left in memory, when the
    process is about to exit."""
    gc.freeze()
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if IN_CI and skipped and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The PostgreSQL server, where this session creates and drops its schemas."""
    try:
        server = PostgresServer(POSTGRES_URL)
    except sa.exc.OperationalError as exc:
        missing("PostgreSQL", f"{POSTGRES_URL}: {exc.orig}")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """The database engine: a database test runs once on each."""
    return str(request.param)


@pytest.fixture
def empty_db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.schema(migrated=False) as url:
        yield url


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the latest revision, a copy of the one migrated once per session
    (tests/databases.py): a SQLite file, or a PostgreSQL schema of its own."""
    if backend == "sqlite":
        yield sqlite_copy(tmp_path)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.schema(migrated=True) as url:
        yield url


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """A migrated database on each backend."""
    db = Database(db_url)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def project_config() -> dict[str, Any]:
    project = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    return merged(project, {"web": HASHING})


def merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides`` merged in, tables recursively."""
    result = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


@pytest.fixture
def write_config(project_config: dict[str, Any], tmp_path: Path) -> Any:
    """Write the project's config.toml with some values changed into a fresh folder."""

    def write(**overrides: Any) -> Path:
        path = tmp_path / "config.toml"
        templates = str(ROOT / project_config["rendering"]["templates"])
        data = merged(merged(project_config, {"rendering": {"templates": templates}}), overrides)
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
        return path

    return write


@pytest.fixture
def make_settings(project_config: dict[str, Any], tmp_path: Path) -> Any:
    """Settings from the project's config.toml with some sections replaced."""

    rendering = project_config["rendering"]
    templates = {**rendering, "templates": str(ROOT / rendering["templates"])}

    def make(**sections: Any) -> Settings:
        data = {**project_config, "rendering": templates, **sections}
        return validate_settings(data, tmp_path / "config.toml")

    return make


@pytest.fixture
def smtp_server() -> Iterator[SmtpTestServer]:
    """A real SMTP server (aiosmtpd) on a free loopback port; ``.faults`` scripts failures."""
    with SmtpTestServer() as server:
        yield server


SIGNING_KEYS = ("n" * 40, "o" * 40)  # newest first
PEPPER = "p" * 40


@pytest.fixture
def app_secrets(monkeypatch: pytest.MonkeyPatch) -> Secrets:
    """Link-signing keys and suppression pepper, in the environment and as an object."""
    monkeypatch.setenv(ENV_SECRET_KEYS, ",".join(SIGNING_KEYS))
    monkeypatch.setenv(ENV_PEPPER, PEPPER)
    return Secrets(SIGNING_KEYS, PEPPER)


@pytest.fixture
def app(database: Database, make_settings: Any, app_secrets: Secrets) -> App:
    """The wired application on the test database (both backends), secrets set."""
    return App(make_settings(), database, app_secrets)
