"""Database access: engine, sessions and schema migrations (SQLite or PostgreSQL)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from newsletter.direct import (
    BUSY_TIMEOUT,
    MIGRATIONS,
    as_utc,
    check_revision,
    failure,
    in_folder,
    locked,
)
from newsletter.errors import ConfigError, DatabaseError

BACKENDS = ("sqlite", "postgresql")
URL_HINT = "database.url : sqlite:///chemin/lettre.db ou postgresql://utilisateur@hôte/base"
# Taken by `newsletter init` on PostgreSQL, so that two at once migrate one after the other.
MIGRATION_LOCK = 0x4C6574747265  # "Lettre"
T = TypeVar("T")
log = logging.getLogger("lettre.db")


class Base(DeclarativeBase):
    """Declarative base shared by every domain's models."""

    __table__: ClassVar[sa.Table]  # every model is a table (for Core statements on it)


def changed_rows(result: sa.Result[Any]) -> int:
    """Rows an INSERT, UPDATE or DELETE touched (its result is a cursor's)."""
    return cast(sa.CursorResult[Any], result).rowcount


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC; SQLite's naive values come back aware."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; attach a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


def utcnow() -> datetime:
    return datetime.now(UTC)


def upsert(session: Session, table: sa.Table) -> Any:
    """An INSERT on ``table`` with ``on_conflict_do_…`` (and ``returning``), in the dialect of
    the session's database: counters and single-use marks change atomically on both."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def resolve_url(url: str, base_dir: Path) -> str:
    """Make a relative SQLite path relative to the configuration's folder; refuse a URL that
    is not one of SQLite or PostgreSQL (one French line, not SQLAlchemy's exception)."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise ConfigError(f"database.url illisible : {url!r}", URL_HINT) from None
    if parsed.get_backend_name() not in BACKENDS:
        raise ConfigError(
            f"database.url : base de données non prise en charge « {parsed.drivername} »",
            URL_HINT,
        )
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = in_folder(parsed.database, base_dir)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                f"impossible de créer le dossier de la base de données {path.parent} "
                f"({exc.strerror})",
                "vérifiez database.url et les droits sur ce dossier",
            ) from None
        return parsed.set(database=str(path)).render_as_string(hide_password=False)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")  # up to 64 MiB: big imports touch big indexes
    cursor.close()


def make_engine(url: str, echo: bool = False) -> Engine:
    parsed = make_url(url)
    waits = parsed.get_backend_name() == "sqlite" and "timeout" not in parsed.query
    try:
        # hide_parameters: errors (and their tracebacks in logs) never show the values of a
        # statement, which may be subscribers' addresses or names.
        engine = sa.create_engine(
            url, echo=echo, connect_args={"timeout": BUSY_TIMEOUT} if waits else {},
            hide_parameters=True,
        )  # fmt: skip
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        reason = str(exc).splitlines()[0]
        raise ConfigError(f"database.url inutilisable ({reason})", URL_HINT) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """An engine and its session factory; ``session()`` is one unit of work."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on any exception."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def migrate(self) -> str:
        """Create or upgrade the schema to the latest migration; return the revision."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as connection:
                if self.dialect == "postgresql":  # a second `init` waits, then finds it done
                    connection.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
            return self.revision()
        except OperationalError as exc:
            raise database_error(exc) from None

    def revision(self) -> str:
        with self.engine.connect() as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return ""
            return connection.scalar(sa.text("SELECT version_num FROM alembic_version")) or ""

    def require_schema(self) -> None:
        """Refuse to work on a database that ``newsletter init`` has not prepared."""
        try:
            current = self.revision()
        except OperationalError as exc:
            raise database_error(exc) from None
        check_revision(current)

    def dispose(self) -> None:
        self.engine.dispose()

    def retrying(self, work: Callable[[Session], T], attempts: int = 3) -> T:
        """``work`` in a transaction (``session()``), run again when the database was locked
        by another writer: past the busy timeout, or at once on SQLite when the transaction
        read before another writer committed and then wrote; the last failure is a
        ``DatabaseError``."""
        for attempt in range(1, attempts + 1):
            try:
                with self.session() as session:
                    return work(session)
            except OperationalError as exc:
                if not is_locked(exc) or attempt == attempts:
                    raise database_error(exc) from None
                log.warning("database locked, attempt %d of %d: retrying", attempt, attempts)
                time.sleep(attempt / 2)
        raise AssertionError("unreachable: the last attempt returns or raises")


@contextmanager
def stage_then_lock(session: Session, table: sa.Table) -> Iterator[None]:
    """Run the body, which writes temporary tables only (an import's staged rows), without
    holding the database's write lock; then hold it until the transaction ends, so that
    what is read next is what gets written over, and the lock lasts only that long.

    SQLite: the body's transaction is committed (it holds temporary rows only) and
    ``BEGIN IMMEDIATE`` waits its turn (busy timeout) — a deferred transaction that read
    before writing could not wait and would fail at once with "database is locked". When
    the session had already written before (its transaction holds the lock), the body runs
    inside it. PostgreSQL: ``table`` is locked against other writers (readers go on)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        yield
        name = connection.dialect.identifier_preparer.format_table(table)
        connection.exec_driver_sql(f"LOCK TABLE {name} IN SHARE ROW EXCLUSIVE MODE")
        return
    driver = connection.connection.dbapi_connection
    assert driver is not None
    writing = driver.in_transaction
    yield
    if not writing:
        driver.commit()
        driver.execute("BEGIN IMMEDIATE")


def is_locked(exc: BaseException) -> bool:
    """Another writer holds the database (``newsletter.direct.locked``)."""
    return isinstance(exc, OperationalError) and locked(str(exc.orig))


def database_error(exc: sa.exc.DBAPIError) -> DatabaseError:
    """What the database answered, as one French line with what to do."""
    return failure(str(exc.orig) if exc.orig else type(exc).__name__)


def translated(exc: BaseException) -> DatabaseError | None:
    """A database failure nobody caught, as a French error (None: not a database failure)."""
    if isinstance(exc, OperationalError) or (
        isinstance(exc, sa.exc.DBAPIError) and "read-only" in str(exc.orig).lower()
    ):
        return database_error(exc)
    return None


@contextmanager
def scratch_schema(server_url: str) -> Iterator[str]:
    """A PostgreSQL schema of its own (tests, benchmarks): its URL, dropped afterwards."""
    import secrets

    schema = f"t_{secrets.token_hex(6)}"
    admin = sa.create_engine(server_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in server_url else "?"
    try:
        yield f"{server_url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
