"""Each sender's share of the relay's limits, recomputed at every heartbeat (pure).

``dispatch.rate_per_second`` and ``dispatch.rate_per_hour`` are the relay's limits for all
senders together, whatever edition or machine they work for. At each heartbeat a sender
counts the live senders that are sending (dispatch.senders) and takes:

- per second: the rate divided by those senders, then among its sending processes;
- per hour: of what the last hour left (the ledger's sent messages, all editions, and its
  own messages not recorded yet), its equal part, as a number of messages it may hand over
  until its next heartbeat. Messages the other senders have in flight and not yet recorded
  are not seen: the quota holds within a few dozen messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from newsletter.settings import DispatchSettings


@dataclass(frozen=True)
class HourUse:
    """Messages the ledger records as sent in the last hour, all editions together, and when
    the oldest of them leaves that window."""

    sent: int
    frees_at: datetime | None


@dataclass(frozen=True)
class Share:
    per_second: float  # for each sending process; 0: no limit
    allowed: int  # relay answers this sender may have reached by its next heartbeat; -1: any
    note: str = ""  # why it waits, for editors


def share(
    settings: DispatchSettings,
    senders: int,
    processes: int,
    hour: HourUse | None,
    answered: int,
    unrecorded: int,
    zone: tzinfo,
) -> Share:
    """The share of one sender among ``senders`` (itself included); ``answered`` messages
    so far, ``unrecorded`` of them not in the ledger yet."""
    senders = max(1, senders)
    per_second = settings.rate_per_second / senders / processes
    if not settings.rate_per_hour or hour is None:
        return Share(per_second, -1)
    left = settings.rate_per_hour - hour.sent - unrecorded
    mine = max(0, left // senders)
    note = ""
    if not mine and hour.frees_at is not None:
        note = f"en pause : quota horaire atteint, reprise à {hour.frees_at.astimezone(zone):%H:%M}"
    return Share(per_second, answered + mine, note)
