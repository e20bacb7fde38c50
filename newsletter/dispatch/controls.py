"""What the parent of a send and its sending processes share in memory, read before every
message: whether to stop, the rate each process may send at, and how many messages the
sender may still hand over under the hourly quota.

Shared memory (created before the fork) rather than messages on a queue: a worker reads a
flag in a fraction of a microsecond before each message, so that a pause stops it before
the next one, however many tasks it holds. Each session counts the messages the relay
answered in a slot of its own (one writer per slot, no lock); the parent sums them to see
progress and to keep to the hourly quota.
"""

from __future__ import annotations

import signal
import time
from multiprocessing.context import ForkContext

SLICE = 0.05  # seconds: a worker that waits looks at the stop flag this often
WAKE = signal.SIGUSR1  # to a sender: "the edition was paused, stop before the next message"
STOPS = (signal.SIGTERM, signal.SIGINT)  # to a sender: stop, the edition stays to resume


class Controls:
    def __init__(self, context: ForkContext, sessions: int) -> None:
        self._stop = context.RawValue("b", 0)
        self._per_second = context.RawValue("d", 0.0)  # for each process; 0: no limit
        self._allowed = context.RawValue("q", -1)  # answered messages allowed; -1: any
        self._answered = context.RawArray("q", sessions)

    # -- the parent -------------------------------------------------------------------

    def stop(self) -> None:
        """Stop before the next message (safe in a signal handler)."""
        self._stop.value = 1

    def go_on(self) -> None:
        self._stop.value = 0

    def set_share(self, per_second: float, allowed: int) -> None:
        self._per_second.value = per_second
        self._allowed.value = allowed

    def answered(self) -> int:
        """Messages the relay answered (accepted or refused) since the send began."""
        return sum(self._answered)

    # -- the sending processes --------------------------------------------------------

    @property
    def stopped(self) -> bool:
        return bool(self._stop.value)

    def per_second(self) -> float:
        return float(self._per_second.value)

    def count(self, session: int) -> None:
        self._answered[session] += 1

    def may_send(self) -> bool:
        """Within the hourly quota's share the parent granted until its next heartbeat."""
        allowed = int(self._allowed.value)
        return allowed < 0 or sum(self._answered) < allowed

    def wait(self, seconds: float) -> bool:
        """Sleep, unless told to stop meanwhile; whether to go on."""
        deadline = time.monotonic() + seconds
        while not self.stopped:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            time.sleep(min(SLICE, left))
        return False
