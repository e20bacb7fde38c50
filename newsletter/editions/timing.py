"""When an edition goes out: an editor moves its send time, and a past time cannot be
programmed.

The send day is part of what readers get (the letter is dated): moving an approved or
scheduled edition to another day sends it back to draft, to approve again; a new hour on
the same day keeps its approval. A new time to come lifts a hold (the scheduler held the
edition because its time had long passed: the editor has now said when).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from newsletter.editions.lifecycle import EDITABLE, require_editable
from newsletter.editions.models import Edition
from newsletter.errors import InputError
from newsletter.rendering.dates import day_and_hour

EXAMPLE = "par exemple 2026-12-09 09:00"


def read_send_time(text: str, zone: str) -> datetime:
    """A date and hour as typed (``2026-12-09 09:00``, a date field's ``2026-12-09T09:00``),
    in ``zone``; a French error when it cannot be read."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"date et heure illisibles « {text.strip()[:40]} »", EXAMPLE) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value


def reschedule(edition: Edition, send_at: datetime, zone: str, now: datetime) -> str:
    """Move the send time of an edition not sent yet; what was done, in French."""
    if send_at <= now:
        raise InputError(f"le {day_and_hour(send_at, zone)} est passé",
                         "choisissez une date et une heure à venir")  # fmt: skip
    if send_at >= edition.next_send_at:
        raise InputError(
            f"l’édition suivante part le {day_and_hour(edition.next_send_at, zone)}",
            "choisissez une date avant celle-ci",
        )
    local = ZoneInfo(zone)
    same_day = send_at.astimezone(local).date() == edition.send_at.astimezone(local).date()
    if edition.state not in EDITABLE or not same_day:
        require_editable(edition)  # another day: the dated letter changes
    edition.send_at = send_at
    edition.held_reason = ""
    return f"envoi prévu le {day_and_hour(send_at, zone)}"


def require_future(edition: Edition, zone: str, now: datetime) -> None:
    """An edition is programmed for a time to come: a past one is refused, with the way out."""
    if edition.send_at <= now:
        raise InputError(
            f"sa date d’envoi, le {day_and_hour(edition.send_at, zone)}, est passée",
            "choisissez une nouvelle date, ou envoyez-la maintenant",
        )
