"""Login throttling: attempts are counted before the password is checked, atomically, per
account and client pair and per client; past the limit, logins from there are refused for
a lockout that doubles each time (up to a day). Counters live in the database, so a
restart does not reset them.

Counting first (an upsert returning the new count, committed before the password is
checked) means parallel guesses cannot outrun it: of 30 at once, only ``max_failures``
reach the password. The account alone is never locked: someone elsewhere cannot lock an
editor out; the client key stops one address spraying guesses over many accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.accounts.models import LoginThrottle
from newsletter.db import upsert
from newsletter.settings import WebSettings

LONGEST = timedelta(days=1)  # the longest lockout; lockouts are forgotten after a quiet day


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    lockout: timedelta

    @classmethod
    def of(cls, settings: WebSettings) -> ThrottlePolicy:
        """The policy the settings give (``web.login_max_failures``, ``login_lockout_minutes``)."""
        return cls(settings.login_max_failures, timedelta(minutes=settings.login_lockout_minutes))


def pair_key(email: str, address: str) -> str:
    return f"compte:{email}|ip:{address}"


def address_key(address: str) -> str:
    return f"ip:{address}"


class Throttle:
    def __init__(self, session: Session, policy: ThrottlePolicy) -> None:
        self.session = session
        self.policy = policy

    def attempt(self, keys: list[str], now: datetime) -> bool:
        """Count one attempt for each key; False when any of them is locked or goes past
        ``max_failures`` (which locks it)."""
        allowed = True
        for key in keys:
            failures, locked_until = self._count(key, now)
            if locked_until is not None and locked_until > now:
                allowed = False
            elif failures > self.policy.max_failures:
                self._lock(key, now)
                allowed = False
        return allowed

    def succeeded(self, pair: str, address: str) -> None:
        """The password was right: the pair starts afresh; the attempt counted for the
        client is taken back (only failures weigh there)."""
        self.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == pair))
        self.session.execute(
            sa.update(LoginThrottle)
            .where(LoginThrottle.key == address, LoginThrottle.failures > 0)
            .values(failures=LoginThrottle.failures - 1)
        )

    def _count(self, key: str, now: datetime) -> tuple[int, datetime | None]:
        table = LoginThrottle.__table__
        c = table.c
        expired = sa.or_(c.last_failure_at <= now - self.policy.lockout,
                         sa.and_(c.locked_until.is_not(None), c.locked_until <= now))  # fmt: skip
        statement = upsert(self.session, table).values(
            key=key, failures=1, last_failure_at=now, lockouts=0
        )
        statement = statement.on_conflict_do_update(
            index_elements=[c.key],
            set_={
                "failures": sa.case((expired, 1), else_=c.failures + 1),
                "locked_until": sa.case((c.locked_until <= now, None), else_=c.locked_until),
                "lockouts": sa.case((c.last_failure_at <= now - LONGEST, 0), else_=c.lockouts),
                "last_failure_at": now,
            },
        ).returning(c.failures, c.locked_until)
        failures, locked_until = self.session.execute(statement).one()
        return int(failures), locked_until

    def _lock(self, key: str, now: datetime) -> None:
        """Lock the key for the lockout, doubled by each lockout before (up to a day);
        only the first of parallel attempts past the limit sets it."""
        row = self.session.get(LoginThrottle, key)
        if row is None or (row.locked_until is not None and row.locked_until > now):
            return
        row.locked_until = now + min(self.policy.lockout * 2 ** min(row.lockouts, 10), LONGEST)
        row.lockouts += 1
        self.session.flush()
