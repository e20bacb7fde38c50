"""The rate limiter, on a fake clock: messages per second and per hour, pauses reported."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from newsletter.dispatch.ratelimit import Pause, RateLimiter

START = datetime(2026, 11, 21, 13, 0, 0, tzinfo=UTC)


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

    def wall(self) -> datetime:
        return START + timedelta(seconds=self() - 1000.0)


def limiter(clock: FakeClock, per_second: float, per_hour: int, **options: object) -> RateLimiter:
    return RateLimiter(
        per_second,
        per_hour,
        clock=clock,
        sleep=clock.sleep,
        wall_clock=clock.wall,
        **options,  # type: ignore[arg-type]
    )


def acquire_times(rate: RateLimiter, clock: FakeClock, count: int) -> list[float]:
    times = []
    for _ in range(count):
        rate.acquire()
        times.append(clock() - 1000.0)
    return times


def test_per_second_rate_spreads_messages_evenly() -> None:
    """At 5 messages a second, messages leave every 0.2 s (no burst beyond one token)."""
    clock = FakeClock()
    times = acquire_times(limiter(clock, 5, 0), clock, 11)
    assert times[0] == 0
    assert [round(b - a, 6) for a, b in pairwise(times)] == [0.2] * 10


def test_per_second_burst_is_a_tenth_of_a_second() -> None:
    """At 100 a second, 10 messages may leave at once, then one every 10 ms; over 10 s of
    sending no more than rate × time + burst messages ever left."""
    clock = FakeClock()
    times = acquire_times(limiter(clock, 100, 0), clock, 1000)
    assert times[:10] == [0.0] * 10
    assert round(times[10], 6) == 0.01
    for index, moment in enumerate(times):
        assert index + 1 <= 100 * moment + 10 + 1e-6


def test_hourly_quota_pauses_until_the_window_allows() -> None:
    """With 3 messages an hour, the 4th waits until the first leaves the one-hour window;
    the pause is reported once, in French, with the time sending resumes."""
    clock = FakeClock()
    pauses: list[Pause] = []
    rate = limiter(clock, 0, 3, on_pause=pauses.append)
    times = acquire_times(rate, clock, 4)
    assert times[:3] == [0, 0, 0]
    assert 3600 <= times[3] <= 3601
    assert len(pauses) == 1
    assert pauses[0].resume_at == START + timedelta(seconds=times[3])
    paris = ZoneInfo("Europe/Paris")
    assert pauses[0].describe(paris) == "en pause : quota horaire atteint, reprise à 15:00"


def test_hourly_window_slides() -> None:
    """Messages spread over the hour free their slots one by one, an hour after each left;
    no one-hour window ever holds more than the quota."""
    clock = FakeClock()
    rate = limiter(clock, 0, 10)
    times = []
    for _ in range(10):
        rate.acquire()
        times.append(clock() - 1000.0)
        clock.sleep(300)
    times += acquire_times(rate, clock, 20)
    for index, moment in enumerate(times):
        in_window = [t for t in times[: index + 1] if t > moment - 3600]
        assert len(in_window) <= 10
    assert times[10] >= times[0] + 3600


def test_both_limits_together() -> None:
    """Per-second spacing applies within the hourly quota, and the quota still caps them."""
    clock = FakeClock()
    times = acquire_times(limiter(clock, 2, 4), clock, 5)
    assert times[:4] == [0, 0.5, 1.0, 1.5]
    assert times[4] >= 3600


def test_threads_share_one_quota() -> None:
    """Eight threads acquiring from one limiter never exceed its hourly quota together:
    400 messages at 100 an hour take at least three hours."""
    clock = FakeClock()
    rate = limiter(clock, 0, 100)
    done: list[int] = []

    def worker() -> None:
        for _ in range(50):
            rate.acquire()
            done.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(done) == 400
    assert clock() - 1000.0 >= 3 * 3600


def test_no_limits_never_waits() -> None:
    """Rates of 0 mean no limit: acquire never sleeps."""
    clock = FakeClock()
    assert acquire_times(limiter(clock, 0, 0), clock, 1000)[-1] == 0
