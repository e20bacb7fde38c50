"""Database access: engine, sessions and schema migrations (SQLite or PostgreSQL)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from newsletter.errors import DatabaseError

MIGRATIONS = Path(__file__).with_name("migrations")


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
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def resolve_url(url: str, base_dir: Path) -> str:
    """Make a relative SQLite path relative to the configuration's folder."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.is_absolute():
            path = base_dir / path
        path.parent.mkdir(parents=True, exist_ok=True)
        return parsed.set(database=str(path)).render_as_string(hide_password=False)
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str, echo: bool = False) -> Engine:
    engine = sa.create_engine(url, echo=echo, future=True)
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
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except OperationalError as exc:
            raise unreachable(exc) from None
        return self.revision()

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
            raise unreachable(exc) from None
        if not current:
            raise DatabaseError(
                "la base de données n’est pas initialisée", "lancez `newsletter init`"
            )
        if current != head_revision():
            raise DatabaseError(
                "la base de données n’est pas à jour pour cette version de Lettre",
                "lancez `newsletter init` pour la mettre à jour",
            )

    def dispose(self) -> None:
        self.engine.dispose()


def unreachable(exc: OperationalError) -> DatabaseError:
    """The database server refused or could not be reached: one French line."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
    return DatabaseError(
        f"base de données injoignable ({reason})", "vérifiez database.url dans config.toml"
    )


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


_REVISION = re.compile(r"""^(down_)?revision\s*=\s*['"]?(\w+)""", re.MULTILINE)


@functools.cache
def head_revision() -> str:
    """The newest migration: the revision no other names as its parent. Read from the files
    without loading Alembic, since every command checks it (tests compare with Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for down, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (parents if down else revisions).add(value)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else ""
