"""The rate limiter, on a fake clock: messages per second, at the rate of the moment."""

from __future__ import annotations

import threading
from itertools import pairwise

from newsletter.dispatch.ratelimit import RateLimiter


class FakeClock:
    """Time that only moves when someone sleeps (thread-safe)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def limiter(clock: FakeClock, per_second: float) -> RateLimiter:
    return RateLimiter(lambda: per_second, clock=clock, sleep=clock.sleep)


def acquire_times(rate: RateLimiter, clock: FakeClock, count: int) -> list[float]:
    times = []
    for _ in range(count):
        rate.acquire()
        times.append(clock() - 1000.0)
    return times


def test_per_second_rate_spreads_messages_evenly() -> None:
    """At 5 messages a second, messages leave every 0.2 s (no burst beyond one token)."""
    clock = FakeClock()
    times = acquire_times(limiter(clock, 5), clock, 11)
    assert times[0] == 0
    assert [round(b - a, 6) for a, b in pairwise(times)] == [0.2] * 10


def test_per_second_burst_is_a_tenth_of_a_second() -> None:
    """At 100 a second, 10 messages may leave at once, then one every 10 ms; over 10 s of
    sending no more than rate × time + burst messages ever left."""
    clock = FakeClock()
    times = acquire_times(limiter(clock, 100), clock, 1000)
    assert times[:10] == [0.0] * 10
    assert round(times[10], 6) == 0.01
    for index, moment in enumerate(times):
        assert index + 1 <= 100 * moment + 10 + 1e-6


def test_rate_change_applies_to_the_next_message() -> None:
    """When the parent gives the process another share (a sender joined), the very next
    messages follow the new rate."""
    clock = FakeClock()
    rates = [10.0]
    rate = RateLimiter(lambda: rates[0], clock=clock, sleep=clock.sleep)
    acquire_times(rate, clock, 5)
    rates[0] = 2.0
    times = acquire_times(rate, clock, 4)
    assert [round(b - a, 6) for a, b in pairwise(times)] == [0.5] * 3


def test_stop_ends_a_wait() -> None:
    """A process told to stop does not wait for its turn (a slow rate cannot delay a
    pause): acquire returns False."""
    clock = FakeClock()
    stopped = threading.Event()

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        stopped.set()

    rate = RateLimiter(lambda: 0.01, stopped=stopped.is_set, clock=clock, sleep=sleep)
    assert rate.acquire()
    assert not rate.acquire()
    assert clock() - 1000.0 < 1


def test_no_limits_never_waits() -> None:
    """A rate of 0 means no limit: acquire never sleeps."""
    clock = FakeClock()
    assert acquire_times(limiter(clock, 0), clock, 1000)[-1] == 0
