"""Gathering while another process holds the SQLite database: waits, retries, and fails
only the source it could not store."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

from sqlalchemy.engine import make_url

from newsletter.db import Database
from newsletter.settings import Settings
from newsletter.sources.pipeline import SourceReport, gather
from tests.conftest import ON_SQLITE
from tests.test_fetch import by_key, sample_settings, samples

__all__ = ["sample_settings", "samples"]  # fixtures
pytestmark = ON_SQLITE


class Holder:
    """Another process's write transaction on the database file, taken on demand."""

    def __init__(self, database: Database) -> None:
        path = make_url(database.url).database
        assert path
        self.connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def take(self, release_after: float | None = None) -> None:
        self.connection.execute("BEGIN IMMEDIATE")
        if release_after is not None:
            threading.Timer(release_after, self.release).start()

    def release(self) -> None:
        if self.connection.in_transaction:
            self.connection.execute("ROLLBACK")


def locking_after_first(holder: Holder, release_after: float | None) -> Callable[..., None]:
    """An ``on_source`` that takes the lock once the first source is stored."""

    taken: list[bool] = []

    def on_source(report: SourceReport) -> None:
        if not taken:
            taken.append(True)
            holder.take(release_after)

    return on_source


def test_locked_database_is_retried(database: Database, sample_settings: Settings) -> None:
    """A lock released within the retries only delays the sources behind it: all stored."""
    impatient = Database(f"{database.url}?timeout=0.2")
    holder = Holder(database)
    reports = by_key(gather(sample_settings, impatient, locking_after_first(holder, 0.6)))
    holder.release()
    assert all(report.ok for report in reports.values()), reports
    assert all(report.saved.new for report in reports.values() if not report.not_modified)


def test_lock_that_stays_fails_only_the_sources_it_hit(
    database: Database, sample_settings: Settings
) -> None:
    """A lock held past the retries fails each source it kept from being stored, in French,
    and the fetch goes on: the first source is stored, the run returns every report; the
    next run stores the others."""
    impatient = Database(f"{database.url}?timeout=0.1")
    holder = Holder(database)
    reports = gather(sample_settings, impatient, locking_after_first(holder, None))
    holder.release()
    first, *others = reports
    assert first.ok and first.saved.new
    assert others and all(not report.ok for report in others)
    assert all(r.error.startswith("enregistrement impossible : base de données occupée")
               for r in others)  # fmt: skip
    again = by_key(gather(sample_settings, impatient))
    assert all(again[report.key].ok and again[report.key].saved.new for report in others)
