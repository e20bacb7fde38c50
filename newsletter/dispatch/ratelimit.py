"""Messages per second and per hour, shared by every sending thread of a send process.

- per second: a token bucket refilled at ``per_second`` tokens a second, holding at most a
  tenth of a second's worth (at least one), so that sends are spread evenly;
- per hour: a sliding window of one hour, counted per second of the clock (memory bounded
  by 3,600 counters whatever the quota); when the quota is used up ``acquire`` waits until
  the oldest second leaves the window, and reports the pause once through ``on_pause``.

The clock and the sleep function are injectable: the algorithm is tested with a fake clock.
Limits hold per process: several send processes sharing one relay quota must split it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from newsletter.db import utcnow

HOUR = 3600.0
_EPSILON = 1e-9  # a token short by a rounding error is a whole token (or waits never end)


@dataclass(frozen=True)
class Pause:
    """Sending stopped until ``resume_at`` (aware datetime) because of ``reason``."""

    reason: str
    resume_at: datetime

    def describe(self, zone: tzinfo) -> str:
        """French, for editors: ``en pause : quota horaire atteint, reprise à 14:05``."""
        return f"en pause : {self.reason}, reprise à {self.resume_at.astimezone(zone):%H:%M}"


class RateLimiter:
    """``acquire()`` blocks until one more message may go; 0 means no limit."""

    def __init__(
        self,
        per_second: float,
        per_hour: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        wall_clock: Callable[[], datetime] = utcnow,
        on_pause: Callable[[Pause], None] | None = None,
    ) -> None:
        self.per_second = per_second
        self.per_hour = per_hour
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._on_pause = on_pause
        self._lock = threading.Lock()
        self._capacity = max(1.0, per_second / 10)
        self._tokens = self._capacity
        self._refilled = clock()
        self._seconds: deque[list[int]] = deque()  # [second of the clock, messages sent]
        self._in_window = 0
        self._paused_until = float("-inf")

    def acquire(self) -> None:
        while True:
            with self._lock:
                wait, pause = self._reserve()
            if wait <= 0:
                return
            if pause is not None and self._on_pause is not None:
                self._on_pause(pause)
            self._sleep(wait)

    def _reserve(self) -> tuple[float, Pause | None]:
        """Take a slot now (wait 0), or say how long to wait (and whether a pause begins)."""
        now = self._clock()
        hour_wait = self._hour_wait(now)
        second_wait = self._second_wait(now)
        if hour_wait > 0:
            pause = None
            if now >= self._paused_until:
                self._paused_until = now + hour_wait
                resume_at = self._wall_clock() + timedelta(seconds=hour_wait)
                pause = Pause("quota horaire atteint", resume_at)
            return max(hour_wait, second_wait), pause
        if second_wait > 0:
            return second_wait, None
        if self.per_second:
            self._tokens -= 1
        if self.per_hour:
            self._count(now)
        return 0.0, None

    def _second_wait(self, now: float) -> float:
        if not self.per_second:
            return 0.0
        elapsed = max(0.0, now - self._refilled)
        self._tokens = min(self._capacity, self._tokens + elapsed * self.per_second)
        self._refilled = now
        missing = 1 - self._tokens
        return 0.0 if missing <= _EPSILON else missing / self.per_second

    def _hour_wait(self, now: float) -> float:
        if not self.per_hour:
            return 0.0
        seconds = self._seconds
        # a second's messages may have been sent at its very end: they leave one second late
        while seconds and seconds[0][0] + 1 + HOUR <= now:
            self._in_window -= seconds.popleft()[1]
        if self._in_window < self.per_hour:
            return 0.0
        return seconds[0][0] + 1 + HOUR - now

    def _count(self, now: float) -> None:
        second = int(now // 1)
        if self._seconds and self._seconds[-1][0] == second:
            self._seconds[-1][1] += 1
        else:
            self._seconds.append([second, 1])
        self._in_window += 1
