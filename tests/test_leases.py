"""Leases: one holder at a time, renewal by the holder, takeover after expiry."""

from __future__ import annotations

from datetime import timedelta

from newsletter.db import Database, utcnow
from newsletter.leases import acquire, holder_of, release


def test_one_holder_at_a_time(database: Database) -> None:
    """While A holds a live lease, B cannot take it; A can renew it."""
    now = utcnow()
    assert acquire(database, "scheduler", "A", 30, now)
    assert not acquire(database, "scheduler", "B", 30, now + timedelta(seconds=10))
    assert acquire(database, "scheduler", "A", 30, now + timedelta(seconds=20))
    assert holder_of(database, "scheduler", now + timedelta(seconds=21)) == "A"


def test_expired_lease_is_taken_over(database: Database) -> None:
    """When the holder stops renewing, another process takes the lease after expiry."""
    now = utcnow()
    assert acquire(database, "scheduler", "A", 30, now)
    later = now + timedelta(seconds=31)
    assert acquire(database, "scheduler", "B", 30, later)
    assert not acquire(database, "scheduler", "A", 30, later)


def test_release_frees_at_once(database: Database) -> None:
    """A released lease can be taken immediately; releasing another's lease does nothing."""
    assert acquire(database, "edition:1", "A", 30)
    release(database, "edition:1", "B")
    assert not acquire(database, "edition:1", "B", 30)
    release(database, "edition:1", "A")
    assert acquire(database, "edition:1", "B", 30)


def test_leases_are_independent(database: Database) -> None:
    """Different names are different leases."""
    assert acquire(database, "edition:1", "A", 30)
    assert acquire(database, "edition:2", "B", 30)
