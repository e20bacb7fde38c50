"""What the parent of a send watches besides the ledger: signals and the relay.

- ``Signals``: while a send runs in a process's main thread, SIGUSR1 (an editor is pausing
  the edition: dispatch.senders.wake) and SIGTERM or SIGINT (stop) each stop the sending
  processes at once, through the shared controls, and tell the parent why.
- ``RelayWatch``: since when no session could hand a message to the relay. It starts at
  the first connection failure (refused, dropped, timed out) and is reset by any answer of
  the relay to a message; past ``dispatch.relay_down_seconds`` the send ends.
"""

from __future__ import annotations

import math
import signal
import threading
import time
from types import FrameType, TracebackType
from typing import Any

from newsletter.dispatch.controls import STOPS, WAKE, Controls
from newsletter.dispatch.worker import Trouble


class Signals:
    def __init__(self, controls: Controls) -> None:
        self.controls = controls
        self.woken = False  # an editor is pausing the edition: look at its state now
        self.woken_at = 0.0
        self.interrupted = ""  # why the send must stop, leaving the edition to resume
        self.installed = False  # only the main thread of a process receives signals
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Signals:
        if threading.current_thread() is threading.main_thread():
            for number in (WAKE, *STOPS):
                self._previous[number] = signal.signal(number, self._receive)
            self.installed = True
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for number, previous in self._previous.items():
            signal.signal(number, previous)

    def _receive(self, number: int, _frame: FrameType | None) -> None:
        self.controls.stop()
        if number == WAKE:
            self.woken, self.woken_at = True, time.monotonic()
        else:
            self.interrupted = f"arrêt demandé ({signal.Signals(number).name})"


class RelayWatch:
    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.since: float | None = None
        self.reason = ""
        self.retry_at = 0.0
        self._answered = 0

    def trouble(self, notice: Trouble, now: float) -> None:
        if self.since is None:
            self.since = now
        self.reason = notice.reason
        self.retry_at = now + notice.retry_in

    def answered(self, count: int) -> None:
        """The relay's answers so far: any new one means it is reachable."""
        if count != self._answered:
            self._answered = count
            self.since = None

    def down(self, now: float) -> bool:
        return self.since is not None and now - self.since >= self.limit

    def note(self, now: float) -> str:
        if self.since is None:
            return ""
        wait = math.ceil(max(0.0, self.retry_at - now))
        return f"relais injoignable, nouvel essai dans {wait} s"
