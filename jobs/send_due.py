"""Job: send what is due now (every minute).

The decisions are :func:`newsletter.editions.due.due`'s; this job records them — a draft of
an automatic newsletter approved, a late edition held with its reason — each in the same
transaction, then sends the editions due (``newsletter.services.sending``), oldest
first, interrupted sends first. One edition failing does not stop the others. An edition
the sending service declines for now (another process is sending it — a CLI send —, it is
not startable) is an informational skip, retried at the next run, not a failure.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from newsletter.accounts.permissions import SCHEDULER
from newsletter.app import App
from newsletter.editions.due import SENDING, Decision, due
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError, NewsletterError

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
    decisions = settle(app, now)
    done: list[str] = []
    failed: list[str] = []
    for decision in decisions:
        if decision.action not in SENDING:
            done.append(f"édition {decision.edition_id} suspendue")
            continue
        try:
            action = "resume" if decision.action == "resume" else "send"
            app.editing.record(SCHEDULER, action, decision.edition_id)
            # Deferred messages are not waited for here: the next run resumes the edition.
            report = app.sending.send(decision.edition_id, now=now, wait_deferred=0)
        except InputError as exc:  # e.g. "déjà en cours d’envoi par un autre processus"
            log.info("edition=%s skipped: %s", decision.edition_id, exc.message)
            done.append(f"édition {decision.edition_id} ignorée : {exc.message}")
        except Exception as exc:  # one edition's failure must not stop the others
            log.exception("edition=%s send failed", decision.edition_id)
            failed.append(f"édition {decision.edition_id} : échec ({type(exc).__name__}: {exc})")
        else:
            done.append(f"édition {decision.edition_id} : {report.describe()}")
    if failed:
        raise NewsletterError(" ; ".join(failed + done), "voir le journal du planificateur")
    return " ; ".join(done) or "rien à envoyer"
