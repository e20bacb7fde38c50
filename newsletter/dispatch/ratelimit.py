"""Messages per second, shared by every sending thread of a sending process.

A token bucket refilled at the process's rate, holding at most a tenth of a second's worth
(at least one), so that sends are spread evenly. The rate is read at every message: the
parent of the send changes it when senders come and go (each takes its share of
``dispatch.rate_per_second``, see dispatch.share). The hourly quota is kept by the parent,
from the ledger (see dispatch.controls).

The clock and the sleep function are injectable: the algorithm is tested with a fake clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from newsletter.dispatch.controls import SLICE

_EPSILON = 1e-9  # a token short by a rounding error is a whole token (or waits never end)


class RateLimiter:
    """``acquire()`` blocks until one more message may go; a rate of 0 means no limit."""

    def __init__(
        self,
        rate: Callable[[], float],
        *,
        stopped: Callable[[], bool] = lambda: False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._rate = rate
        self._stopped = stopped
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = float("inf")  # a full bucket at first
        self._refilled = clock()

    def acquire(self) -> bool:
        """Wait for the next message's turn; False if the send was stopped first."""
        while True:
            with self._lock:
                wait = self._reserve()
            if wait <= 0:
                return True
            if self._stopped():
                return False
            self._sleep(min(wait, SLICE))

    def _reserve(self) -> float:
        """Take a token now (0), or say how long to wait for one."""
        now = self._clock()
        per_second = self._rate()
        elapsed = max(0.0, now - self._refilled)
        self._refilled = now
        if not per_second:
            return 0.0
        capacity = max(1.0, per_second / 10)
        self._tokens = min(capacity, self._tokens + elapsed * per_second)
        missing = 1 - self._tokens
        if missing > _EPSILON:
            return missing / per_second
        self._tokens -= 1
        return 0.0
