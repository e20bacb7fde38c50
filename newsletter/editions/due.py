"""Which editions go out now: the scheduler's decision, as a pure function.

An edition is due once its send time has come, or once it was approved if that was later
(an editor approving after the planned hour means "send it now"). Then:

- an approved or scheduled edition is sent;
- a draft of an automatic newsletter is approved, then sent;
- a draft of another newsletter, or a special issue, waits for an editor's approval;
- an edition already being sent (the process died mid-send) is resumed: the deliveries
  ledger says who still needs it, whatever the hour;
- but an edition due for longer than the staleness (the scheduler was down) is not sent
  blindly: it is held, with a reason shown to editors, until one of them confirms it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from newsletter.editions.models import Edition
from newsletter.rendering.dates import day_and_hour
from newsletter.settings import NewsletterSettings

Action = Literal["send", "approve_and_send", "resume", "hold", "wait"]
SENDING: frozenset[Action] = frozenset({"send", "approve_and_send", "resume"})
READY = frozenset({"approved", "scheduled"})


@dataclass(frozen=True)
class Decision:
    edition_id: int
    action: Action
    reason: str = ""


def due(
    editions: Iterable[Edition],
    newsletters: Mapping[str, NewsletterSettings],
    now: datetime,
    staleness: timedelta,
    zone: str,
) -> list[Decision]:
    """A decision for each edition: interrupted sends first, then oldest first."""
    ordered = sorted(editions, key=lambda edition: (edition.state != "sending", edition.send_at))
    return [_decide(edition, newsletters, now, staleness, zone) for edition in ordered]


def _decide(
    edition: Edition,
    newsletters: Mapping[str, NewsletterSettings],
    now: datetime,
    staleness: timedelta,
    zone: str,
) -> Decision:
    if edition.state == "sending":
        return Decision(edition.id, "resume")
    if edition.held_reason:
        return Decision(edition.id, "wait", edition.held_reason)
    newsletter = newsletters.get(edition.newsletter)
    if edition.state in READY:
        action: Action = "send"
    elif (
        edition.state == "draft"
        and newsletter is not None
        and newsletter.automatic
        and (not edition.special)
    ):
        action = "approve_and_send"
    else:
        return Decision(edition.id, "wait")
    since = max(edition.send_at, edition.approved_at or edition.send_at)
    if since > now:
        return Decision(edition.id, "wait")
    if newsletter is None:
        return Decision(edition.id, "hold", _unknown(edition))
    late = now - since
    if late > staleness:
        return Decision(edition.id, "hold", _stale(since, late, zone))
    return Decision(edition.id, action)


def _stale(since: datetime, late: timedelta, zone: str) -> str:
    hours = int(late.total_seconds() // 3600)
    delay = f"{hours} h" if hours < 48 else f"{hours // 24} jours"
    return (
        f"envoi suspendu : l’heure prévue ({day_and_hour(since, zone)}) "
        f"est dépassée de {delay} ; à confirmer par un éditeur"
    )


def _unknown(edition: Edition) -> str:
    return (
        f"envoi suspendu : la lettre {edition.newsletter} n’est plus déclarée "
        "dans config.toml ; à confirmer par un éditeur"
    )
