"""The states of an edition and the moves between them.

``draft → approved → scheduled → sending → sent``, and ``cancelled`` from any state before
sending; a send can be ``paused`` (by an editor, or by itself on too many errors) and
resumed. Editing an approved (or scheduled) edition sends it back to draft: what was
approved is what goes out.
"""

from __future__ import annotations

from newsletter.editions.models import Edition
from newsletter.errors import InputError
from newsletter.settings import NewsletterSettings

STATES: dict[str, str] = {
    "draft": "brouillon",
    "approved": "approuvée",
    "scheduled": "programmée",
    "sending": "en cours d’envoi",
    "paused": "en pause",
    "sent": "envoyée",
    "cancelled": "annulée",
}
MOVES: dict[str, frozenset[str]] = {
    "draft": frozenset({"approved", "cancelled"}),
    "approved": frozenset({"draft", "scheduled", "sending", "cancelled"}),
    "scheduled": frozenset({"draft", "sending", "cancelled"}),
    "sending": frozenset({"sent", "paused"}),
    "paused": frozenset({"sending", "cancelled"}),
    "sent": frozenset(),
    "cancelled": frozenset(),
}
EDITABLE = frozenset({"draft", "approved", "scheduled"})
# Editions whose items count as announced: they went out, or are going out.
PUBLISHED = ("sending", "paused", "sent")
# What editors still act on, and what is behind them.
UPCOMING = ("draft", "approved", "scheduled", "sending", "paused")
DONE = ("sent", "cancelled")


def move(edition: Edition, state: str) -> None:
    """Change the state, or say in French why that move is not possible."""
    if state not in MOVES[edition.state]:
        raise InputError(
            f"l’édition {edition.id} est {STATES[edition.state]} : "
            f"impossible de la passer à l’état {STATES[state]}",
        )
    edition.state = state


def segment_of(edition: Edition, newsletter: NewsletterSettings) -> str:
    """The segment the edition goes to: the one an editor chose, else the newsletter's."""
    return edition.segment or newsletter.segment


def require_editable(edition: Edition) -> None:
    """Only an edition not yet sent can change; an approved one goes back to draft."""
    if edition.state not in EDITABLE:
        raise InputError(
            f"l’édition {edition.id} est {STATES[edition.state]} : elle ne peut plus changer",
            "préparez l’édition suivante",
        )
    if edition.state != "draft":
        edition.state = "draft"
        edition.approved_at = None
