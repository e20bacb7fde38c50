"""What the scheduler sends, and when it holds back: the pure decision of ``send_due``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from newsletter.editions.due import Decision, due
from newsletter.editions.models import Edition
from newsletter.settings import NewsletterSettings

SEND_AT = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)  # Tuesday 5 January 2027, 09:00 in Paris
STALENESS = timedelta(hours=6)
ZONE = "Europe/Paris"


@pytest.fixture
def newsletters(make_settings: Any) -> dict[str, NewsletterSettings]:
    """The project's newsletters; the Réaap's letter made automatic."""
    declared = dict(make_settings().newsletters)
    declared["reaap"] = declared["reaap"].model_copy(update={"automatic": True})
    return declared


def edition(
    state: str,
    newsletter: str = "lettre",
    send_at: datetime = SEND_AT,
    approved_at: datetime | None = None,
    held_reason: str = "",
    id: int = 1,
) -> Edition:
    return Edition(id=id, newsletter=newsletter, number=88, state=state, send_at=send_at,
                   approved_at=approved_at, held_reason=held_reason)  # fmt: skip


def decide(
    newsletters: dict[str, NewsletterSettings], now: datetime, *editions: Edition
) -> list[Decision]:
    return due(editions, newsletters, now, STALENESS, ZONE)


def test_approved_edition_goes_when_its_time_comes(newsletters: dict[str, Any]) -> None:
    """An approved (or scheduled) edition waits until its send time, then is sent."""
    for state in ("approved", "scheduled"):
        ready = edition(state, approved_at=SEND_AT - timedelta(days=2))
        assert decide(newsletters, SEND_AT - timedelta(seconds=1), ready) == [Decision(1, "wait")]
        assert decide(newsletters, SEND_AT, ready) == [Decision(1, "send")]
        assert decide(newsletters, SEND_AT + timedelta(hours=5), ready) == [Decision(1, "send")]


def test_drafts_wait_for_approval_unless_the_newsletter_is_automatic(
    newsletters: dict[str, Any],
) -> None:
    """At its time a draft of an automatic newsletter is approved and sent; a draft of
    another one, or a special issue of any, waits for an editor."""
    later = SEND_AT + timedelta(minutes=1)
    assert decide(newsletters, later, edition("draft")) == [Decision(1, "wait")]
    automatic = edition("draft", newsletter="reaap")
    assert decide(newsletters, SEND_AT - timedelta(minutes=1), automatic) == [Decision(1, "wait")]
    assert decide(newsletters, later, automatic) == [Decision(1, "approve_and_send")]
    special = edition("draft", newsletter="reaap")
    special.special = True
    assert decide(newsletters, later, special) == [Decision(1, "wait")]


def test_after_downtime_a_late_edition_is_held_with_its_reason(
    newsletters: dict[str, Any],
) -> None:
    """Past its time by more than the staleness, an edition is held, not sent, and the
    reason names the planned hour (Paris time) and the delay."""
    expected = (
        "envoi suspendu : l’heure prévue (mardi 5 janvier 2027 à 9 h) est dépassée de 14 h ; "
        "à confirmer par un éditeur"
    )
    now = SEND_AT + timedelta(hours=14, minutes=20)
    approved = edition("approved", approved_at=SEND_AT - timedelta(days=1))
    assert decide(newsletters, now, approved) == [Decision(1, "hold", expected)]
    automatic = edition("draft", newsletter="reaap", send_at=SEND_AT + timedelta(hours=1))
    [held] = decide(newsletters, SEND_AT + timedelta(days=3, hours=2), automatic)
    assert held.action == "hold" and "(mardi 5 janvier 2027 à 10 h) est dépassée de 3 jours" in (
        held.reason
    )
    just_in_time = SEND_AT + STALENESS
    assert decide(newsletters, just_in_time, approved) == [Decision(1, "send")]


def test_held_edition_waits_for_an_editor(newsletters: dict[str, Any]) -> None:
    """An edition already held is neither sent nor held again, however late."""
    held = edition("approved", held_reason="envoi suspendu : …")
    assert decide(newsletters, SEND_AT + timedelta(days=9), held) == [
        Decision(1, "wait", "envoi suspendu : …")
    ]


def test_late_approval_is_an_editors_decision_to_send_now(newsletters: dict[str, Any]) -> None:
    """Approved after its planned hour, an edition is due from its approval: sent if the
    scheduler runs soon after, held if the scheduler was down long after the approval."""
    approved_at = SEND_AT + timedelta(days=2)
    late = edition("approved", approved_at=approved_at)
    assert decide(newsletters, approved_at + timedelta(minutes=1), late) == [Decision(1, "send")]
    [held] = decide(newsletters, approved_at + timedelta(hours=7), late)
    assert held.action == "hold" and "dépassée de 7 h" in held.reason


def test_interrupted_send_is_resumed_first_whatever_the_hour(
    newsletters: dict[str, Any],
) -> None:
    """An edition left "sending" by a crash is resumed, even days later, before the others."""
    crashed = edition("sending", send_at=SEND_AT - timedelta(days=3), id=2)
    ready = edition("approved", send_at=SEND_AT - timedelta(days=4), id=1)
    now = SEND_AT - timedelta(days=4) + timedelta(minutes=1)
    assert decide(newsletters, now, ready, crashed) == [
        Decision(2, "resume"), Decision(1, "send"),
    ]  # fmt: skip


def test_edition_of_an_undeclared_newsletter_is_held(newsletters: dict[str, Any]) -> None:
    """An approved edition whose newsletter left config.toml is held, not sent."""
    [held] = decide(newsletters, SEND_AT, edition("approved", newsletter="gazette"))
    assert held.action == "hold" and "gazette n’est plus déclarée" in held.reason
