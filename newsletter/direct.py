"""The database through its driver alone, for what must answer at once: importing SQLAlchemy
takes longer than `newsletter sources` may take in all (benchmarks/bench_cli.py). A SQLite
database named by a plain ``sqlite:///PATH`` URL is read here with the standard library.

The rules both ways of reaching the database share live here, and ``newsletter.db`` (the
SQLAlchemy side) uses them: which schema revision is current, what a database failure
says in French, that stored times are UTC.
"""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, unquote

from newsletter.errors import DatabaseError

MIGRATIONS = Path(__file__).with_name("migrations")
# SQLite: seconds a writer waits for another's transaction before "database is locked"
# (the driver's busy timeout; ``?timeout=SECONDS`` in database.url changes it).
BUSY_TIMEOUT = 30.0
_REVISION = re.compile(r"""^(down_)?revision\s*=\s*['"]?(\w+)""", re.MULTILINE)
_LOCKED = ("database is locked", "lock timeout", "deadlock")


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


def check_revision(current: str) -> None:
    """Refuse a database that ``newsletter init`` has not prepared, or not for this version
    (``current``: the revision it records, empty if none)."""
    if not current:
        raise DatabaseError("la base de données n’est pas initialisée", "lancez `newsletter init`")
    if current != head_revision():
        raise DatabaseError(
            "la base de données n’est pas à jour pour cette version de Lettre",
            "lancez `newsletter init` pour la mettre à jour",
        )


def as_utc(value: datetime) -> datetime:
    """A stored time, aware: SQLite keeps UTC times without their zone."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def locked(reason: str) -> bool:
    """The driver's message says another writer holds the database: SQLite's busy timeout
    passed, or PostgreSQL gave up waiting for a lock or broke a deadlock."""
    return any(words in reason.lower() for words in _LOCKED)


def failure(reason: str) -> DatabaseError:
    """What the database answered (the driver's message), as one French line with what to
    do."""
    reason = reason.strip().splitlines()[0] if reason.strip() else "erreur inconnue"
    text = reason.lower()
    if locked(reason):
        return DatabaseError(
            f"base de données occupée par une autre opération ({reason})",
            "réessayez dans un instant (un import ou un envoi est peut-être en cours)",
        )
    if "readonly" in text or "read-only" in text:
        return DatabaseError(
            f"base de données en lecture seule ({reason})",
            "donnez à Lettre le droit d'écrire le fichier de la base et son dossier",
        )
    if "unable to open" in text:
        return DatabaseError(
            f"impossible d'ouvrir la base de données ({reason})",
            "vérifiez database.url et les droits sur le fichier et son dossier",
        )
    return DatabaseError(
        f"base de données injoignable ({reason})", "vérifiez database.url dans config.toml"
    )


def in_folder(path: str, base_dir: Path) -> Path:
    """A database file named in the settings: a relative path is the configuration folder's."""
    file = Path(path)
    return file if file.is_absolute() else base_dir / file


def sqlite_file(url: str, base_dir: Path) -> tuple[Path, float] | None:
    """The file and busy timeout of a plain ``sqlite:///PATH[?timeout=SECONDS]`` URL; None for
    any other database URL (a driver, other options, PostgreSQL), which SQLAlchemy reads."""
    scheme, slashes, rest = url.partition(":///")
    path, _, query = rest.partition("?")
    options = dict(parse_qsl(query, keep_blank_values=True))
    if scheme != "sqlite" or not slashes or path in ("", ":memory:") or set(options) - {"timeout"}:
        return None
    try:
        timeout = float(options.get("timeout", BUSY_TIMEOUT))
    except ValueError:
        return None
    return in_folder(unquote(path), base_dir), timeout


@contextmanager
def sqlite_reader(path: Path, timeout: float = BUSY_TIMEOUT) -> Iterator[sqlite3.Connection]:
    """A connection to a SQLite file whose schema is current (the French error of a database
    not prepared, or of any failure while it is used); never creates the file."""
    if not path.exists():
        check_revision("")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True,
                                     timeout=timeout)  # fmt: skip
    except sqlite3.Error as exc:
        raise failure(str(exc)) from None
    try:
        known = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
        current = ""
        if connection.execute(known, ("alembic_version",)).fetchone()[0]:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            current = row[0] if row else ""
        check_revision(current)
        yield connection
    except sqlite3.Error as exc:
        raise failure(str(exc)) from None
    finally:
        connection.close()
