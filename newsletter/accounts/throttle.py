"""Login throttling: after too many failures for an account or an address, logins are
refused for a while. Counters live in the database, so a restart does not reset them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from newsletter.accounts.models import LoginThrottle


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    lockout: timedelta


def account_key(email: str) -> str:
    return f"compte:{email}"


def address_key(address: str) -> str:
    return f"ip:{address}"


class Throttle:
    """Failures counted per key within a window; ``max_failures`` of them lock the key
    until ``lockout`` after the last one."""

    def __init__(self, session: Session, policy: ThrottlePolicy) -> None:
        self.session = session
        self.policy = policy

    def locked(self, keys: Sequence[str], now: datetime) -> bool:
        since = now - self.policy.lockout
        found = self.session.scalar(
            sa.select(sa.func.count())
            .select_from(LoginThrottle)
            .where(LoginThrottle.key.in_(keys))
            .where(LoginThrottle.failures >= self.policy.max_failures)
            .where(LoginThrottle.last_failure_at > since)
        )
        return bool(found)

    def fail(self, keys: Sequence[str], now: datetime) -> None:
        """Count one failure for each key, atomically (an upsert on either database)."""
        window_start = now - self.policy.lockout
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = LoginThrottle.__table__
        for key in keys:
            statement = insert(table).values(key=key, failures=1, last_failure_at=now)
            statement = statement.on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "failures": sa.case(
                        (table.c.last_failure_at <= window_start, 1),
                        else_=table.c.failures + 1,
                    ),
                    "last_failure_at": now,
                },
            )
            self.session.execute(statement)

    def clear(self, key: str) -> None:
        self.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == key))
