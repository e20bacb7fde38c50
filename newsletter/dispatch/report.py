"""How a run of a send ended, in French for editors, and the error rate it watched."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from newsletter.dispatch.ledger import STATUSES
from newsletter.dispatch.tasks import Outcome


@dataclass
class Report:
    """How a run ended: ``sent`` (nothing left), ``paused``, ``waiting`` (deferred left) or
    ``interrupted`` (relay unreachable, a process died, told to stop: resumable)."""

    state: str
    counts: dict[str, int]
    reason: str = ""

    def describe(self) -> str:
        """In French, for editors: how it ended, why, and the counts."""
        outcome = {"sent": "envoi terminé", "paused": "envoi en pause",
                   "waiting": "messages différés en attente",
                   "interrupted": "envoi interrompu"}[self.state]  # fmt: skip
        reason = f" ({self.reason})" if self.reason else ""
        return f"{outcome}{reason} : {counts_text(self.counts)}"


def counts_text(counts: dict[str, int]) -> str:
    shown = ("sent", "deferred", "failed", "skipped")
    return ", ".join(f"{counts.get(key, 0)} {STATUSES[key]}" for key in shown)


class ErrorWindow:
    """Outcomes of the last ``size`` messages, for the error rate."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.failures: deque[bool] = deque(maxlen=size)

    def add(self, outcomes: list[Outcome]) -> float:
        """Count these outcomes; the share of failures once ``size`` are known, else 0."""
        self.failures.extend(outcome.status in ("failed", "deferred") for outcome in outcomes)
        return sum(self.failures) / self.size if len(self.failures) == self.size else 0.0
