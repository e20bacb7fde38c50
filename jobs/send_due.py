"""Job: send what is due now (every minute).

The decisions are :func:`newsletter.editions.due.due`'s; this job records them — a draft of
an automatic newsletter approved, a late edition held with its reason — each in the same
transaction, then starts the sends of the editions due in the background
(``services.background``: ``newsletter edition send ID --no-wait``, each in its own
processes, never forked from the scheduler's threads), oldest first, interrupted sends
first, and returns at once. An edition already being sent (a live sender in the database,
from here, the command line or another machine) is left to it: an information, not an
error. How each send ended is in the scheduler's log and in ``web.send_logs``.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from newsletter.accounts.permissions import SCHEDULER
from newsletter.app import App
from newsletter.dispatch.senders import SenderStore
from newsletter.editions.due import SENDING, Decision, due
from newsletter.editions.store import EditionStore

log = logging.getLogger("lettre.jobs.send_due")


def settle(app: App, now: datetime) -> list[Decision]:
    """Decide, record approvals and holds; the decisions that are not "wait". An edition
    due to start whose send checks fail (changed since its approval, empty, nobody to send
    to) is held with the reason, for an editor to act."""
    settings = app.settings
    staleness = timedelta(hours=settings.scheduler.staleness_hours)
    with app.database.session() as session:
        decisions = due(EditionStore(session).awaiting_send(now), settings.newsletters, now,
                        staleness, settings.organisation.timezone)  # fmt: skip
    settled = []
    for decision in decisions:
        if decision.action == "approve_and_send":
            app.editing.approve(SCHEDULER, decision.edition_id, now)
        if decision.action in ("send", "approve_and_send"):
            blocking = app.editing.confirmation(decision.edition_id, now).blocking
            if blocking:
                reason = "envoi suspendu : " + " ; ".join(check.message for check in blocking)
                decision = Decision(decision.edition_id, "hold", reason)
        if decision.action == "hold":
            app.editing.hold(SCHEDULER, decision.edition_id, decision.reason)
            log.warning("edition=%s held reason=%r", decision.edition_id, decision.reason)
        if decision.action != "wait":
            settled.append(decision)
    return settled


def run(app: App, now: datetime) -> str:
    done: list[str] = []
    for decision in settle(app, now):
        if decision.action in SENDING:
            done.append(f"édition {decision.edition_id} : {start(app, decision)}")
        else:
            done.append(f"édition {decision.edition_id} suspendue")
    return " ; ".join(done) or "rien à envoyer"


def start(app: App, decision: Decision) -> str:
    """Start the edition's send in the background (recorded in its history), unless it is
    being sent already."""
    edition_id, sends = decision.edition_id, app.background_sends
    with app.database.session() as session:
        senders = SenderStore(session, app.settings.dispatch.lease_seconds).live(edition_id)
    if senders or sends.running(edition_id):
        where = f" ({', '.join(sender.holder for sender in senders)})" if senders else ""
        return f"envoi déjà en cours{where}"
    # Deferred messages are not waited for there: a later run resumes the edition.
    if not sends.start(edition_id, wait_deferred=False):
        return "envoi non lancé : arrêt du planificateur"
    app.editing.record(SCHEDULER, "resume" if decision.action == "resume" else "send", edition_id)
    return f"envoi lancé (journal : {sends.log(edition_id)})"
