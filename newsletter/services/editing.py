"""What editors do to an edition — change it, approve it (freezing what goes out), abandon
changes made since, schedule, cancel, start a send — with the permission rules
(accounts.permissions) and the audit trail. The web pages, the command line and the
scheduler all go through here, so that each rule holds whoever acts.

Before a send starts, :meth:`Editing.confirmation` says what will happen: recipients by list
or segment and by variant, subject and sender, and checks — blocking ones refuse the send,
warnings must be acknowledged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from newsletter.accounts.permissions import Actor, check_edition
from newsletter.audit.models import AuditEntry
from newsletter.audit.store import AuditStore
from newsletter.db import Database, utcnow
from newsletter.dispatch.store import LedgerStore
from newsletter.editions.lifecycle import STATES, segment_of
from newsletter.editions.models import Edition
from newsletter.editions.snapshots import content_hash
from newsletter.editions.store import EditionStore
from newsletter.editions.timing import read_send_time, require_future, reschedule
from newsletter.errors import InputError
from newsletter.rendering.context import EditionView
from newsletter.services.publishing import Publishing
from newsletter.settings import Settings
from subscribers.audience import audience_by_variant, left_out
from subscribers.profiles import FORMATS
from subscribers.segments import Segments

STARTABLE = ("approved", "scheduled")
RESUMABLE = ("sending", "paused")
LEFT_OUT = {
    "bounced": "adresses en erreur (rebonds)",
    "complained": "plaintes pour indésirable",
    "blocked": "adresses bloquées",
    "suppressed": "adresses sur la liste d’exclusion",
}


@dataclass(frozen=True)
class Check:
    message: str
    blocking: bool = False


@dataclass(frozen=True)
class Confirmation:
    """What a send will do, for an editor to confirm."""

    edition_id: int
    subject: str
    sender: str
    list_label: str
    segment_label: str
    recipients: int
    by_variant: list[tuple[str, str, int]]  # format label, themes label, recipients
    left_out: list[tuple[str, int]]  # reason label, addresses
    checks: list[Check] = field(default_factory=list)

    @property
    def blocking(self) -> list[Check]:
        return [check for check in self.checks if check.blocking]

    @property
    def warnings(self) -> list[Check]:
        return [check for check in self.checks if not check.blocking]


class Editing:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        publishing: Publishing,
        segments: Callable[[Session], Segments],
    ) -> None:
        self.settings = settings
        self.database = database
        self.publishing = publishing
        self.segments = segments

    # -- changes --------------------------------------------------------------------------

    def change(
        self, actor: Actor, edition_id: int, act: Callable[[EditionStore, Edition], str]
    ) -> str:
        """An editor's change (items, texts) in one transaction: ``act`` returns what it did,
        in French; it is recorded in the trail. An approved edition goes back to draft."""
        with self.database.session() as session:
            store, edition = self._edition(session, actor, "edit", edition_id)
            was = edition.state
            done = act(store, edition)
            self._record(session, actor, "edit", edition, done)
            if was != "draft" and edition.state == "draft":
                done += " L’édition repasse en brouillon : à approuver de nouveau."
            return done

    def approve(self, actor: Actor, edition_id: int, now: datetime | None = None) -> Edition:
        """Approve: what the edition is now is frozen, and is what will go out."""
        with self.database.session() as session:
            store, edition = self._edition(session, actor, "approve", edition_id)
            if edition.state in STARTABLE and not self.publishing.changes(session, edition):
                raise InputError("l’édition est déjà approuvée et n’a pas changé depuis")
            store.approve(edition, self.publishing.live_view(session, edition), actor.label, now)
            self._record(
                session, actor, "approve", edition, f"empreinte {edition.snapshot_hash[:12]}"
            )
            return edition

    def discard(self, actor: Actor, edition_id: int) -> list[str]:
        """Abandon the changes made since the approval: the edition's texts and items as
        approved, approved again; changes of the items themselves (a source updated one)
        are left out of this edition. Returns what was abandoned."""
        with self.database.session() as session:
            store, edition = self._edition(session, actor, "discard", edition_id)
            abandoned = self.publishing.changes(session, edition)
            if not abandoned and edition.state != "draft":
                raise InputError("rien n’a changé depuis l’approbation")
            store.restore_approved(edition)
            edition.accepted_hash = content_hash(self.publishing.live_view(session, edition))
            self._record(session, actor, "discard", edition, "; ".join(abandoned)[:500])
            return abandoned

    def reschedule(
        self, actor: Actor, edition_id: int, typed: str, now: datetime | None = None
    ) -> str:
        """A new send time, as typed, in the organisation's zone (editions.timing's rules);
        what was done, in French."""
        zone = self.settings.organisation.timezone
        send_at, moment = read_send_time(typed, zone), now or utcnow()
        return self.change(
            actor, edition_id, lambda _, edition: reschedule(edition, send_at, zone, moment)
        )

    def schedule(
        self, actor: Actor, edition_id: int, accept_warnings: bool = False,
        now: datetime | None = None,
    ) -> None:  # fmt: skip
        """Programmed: it goes out by itself at its date, a date to come (after the same
        checks as a send)."""
        self._confirmed(edition_id, accept_warnings)
        with self.database.session() as session:
            store, edition = self._edition(session, actor, "schedule", edition_id)
            require_future(edition, self.settings.organisation.timezone, now or utcnow())
            store.schedule(edition)
            self._record(session, actor, "schedule", edition)

    def cancel(self, actor: Actor, edition_id: int) -> None:
        with self.database.session() as session:
            store, edition = self._edition(session, actor, "cancel", edition_id)
            store.cancel(edition)
            self._record(session, actor, "cancel", edition)

    def start(self, actor: Actor, edition_id: int, accept_warnings: bool = False) -> bool:
        """Checks before a send starts (or resumes), recorded in the trail; whether it is a
        resume. Blocking checks refuse; warnings must be accepted."""
        with self.database.session() as session:
            _, edition = self._edition(session, actor, "send", edition_id)
            resume = edition.state in RESUMABLE
            if edition.state == "sent":  # another sender finished it: nothing to start
                return True
        if not resume:
            self._confirmed(edition_id, accept_warnings)
        with self.database.session() as session:
            _, edition = self._edition(session, actor, "send", edition_id)
            self._record(session, actor, "resume" if resume else "send", edition)
        return resume

    def hold(self, actor: Actor, edition_id: int, reason: str) -> None:
        """The scheduler will not send it until an editor acts (``reason`` says why)."""
        with self.database.session() as session:
            store, edition = self._edition(session, actor, "send", edition_id)
            store.hold(edition, reason)
            self._record(session, actor, "hold", edition, reason)

    def record(self, actor: Actor, action: str, edition_id: int, detail: str = "") -> None:
        """An action done elsewhere (a pause, a test send), in the trail."""
        with self.database.session() as session:
            _, edition = self._edition(session, actor, "view", edition_id)
            self._record(session, actor, action, edition, detail)

    def check(self, actor: Actor, action: str, edition_id: int) -> Edition:
        """The edition, if ``actor`` may do ``action`` to it."""
        with self.database.session() as session:
            return self._edition(session, actor, action, edition_id)[1]

    def history(self, edition_id: int) -> list[AuditEntry]:
        with self.database.session() as session:
            return AuditStore(session).entries(edition_id=edition_id)

    # -- before a send --------------------------------------------------------------------

    def confirmation(self, edition_id: int, now: datetime | None = None) -> Confirmation:
        now = now or utcnow()
        settings = self.settings
        with self.database.session() as session:
            edition = EditionStore(session).get(edition_id)
            newsletter = settings.newsletter(edition.newsletter)
            name = segment_of(edition, newsletter)
            segment = self.segments(session).get(name) if name else None
            counts = audience_by_variant(session, newsletter.list, segment)
            excluded = left_out(session, newsletter.list)
            view = self.publishing.view(session, edition)
            changes = self.publishing.changes(session, edition)
            frozen = LedgerStore(session).frozen(edition_id)
        themes = settings.classification.themes
        by_variant = [
            (FORMATS.get(format_, format_),
             ", ".join(themes[key].label for key in chosen if key in themes) or "tous les thèmes",
             count)
            for (format_, chosen), count in sorted(counts.items(), key=lambda pair: -pair[1])
        ]  # fmt: skip
        recipients = sum(counts.values())
        checks = _checks(edition, view, newsletter.min_items, recipients, changes, frozen, now)
        return Confirmation(
            edition_id=edition.id,
            subject=view.subject,
            sender=newsletter.sender,
            list_label=settings.subscribers.lists[newsletter.list].label
            if newsletter.list in settings.subscribers.lists
            else newsletter.list,
            segment_label=(segment.label or name) if segment else "",
            recipients=recipients,
            by_variant=by_variant,
            left_out=[(LEFT_OUT.get(key, key), count) for key, count in excluded.items()],
            checks=checks,
        )

    def _confirmed(self, edition_id: int, accept_warnings: bool) -> None:
        confirmation = self.confirmation(edition_id)
        if confirmation.blocking:
            raise InputError(
                "envoi impossible : "
                + " ; ".join(check.message for check in confirmation.blocking),
                "corrigez l’édition, puis recommencez",
            )
        if confirmation.warnings and not accept_warnings:
            raise InputError(
                "à confirmer : " + " ; ".join(check.message for check in confirmation.warnings),
                "cochez les avertissements pour confirmer l’envoi",
            )

    # -- shared ---------------------------------------------------------------------------

    def _edition(
        self, session: Session, actor: Actor, action: str, edition_id: int
    ) -> tuple[EditionStore, Edition]:
        store = EditionStore(session)
        edition = store.get(edition_id)
        check_edition(actor, action, edition.newsletter)
        return store, edition

    @staticmethod
    def _record(
        session: Session, actor: Actor, action: str, edition: Edition, detail: str = ""
    ) -> None:
        AuditStore(session).record(actor.label, action, user_id=actor.user_id,
                                   edition_id=edition.id, detail=detail)  # fmt: skip


def _checks(
    edition: Edition,
    view: EditionView,
    min_items: int,
    recipients: int,
    changes: list[str],
    frozen: bool,
    now: datetime,
) -> list[Check]:
    """Blocking: not approved, empty, nobody to send to, changed since the approval.
    Warnings: thin, agenda dates already past."""
    checks = []
    if edition.state not in (*STARTABLE, *RESUMABLE):
        checks.append(Check(f"l’édition est {STATES[edition.state]} : approuvez-la d’abord", True))
    items = [item for section in view.sections for item in section.items]
    texts = any(section.text for section in view.sections)
    if not items and not texts:
        checks.append(Check("l’édition est vide (aucun élément, aucun texte)", True))
    elif not items:
        checks.append(Check("aucun élément : l’édition n’a que ses textes"))
    elif len(items) < min_items:
        checks.append(Check(f"édition mince : {len(items)} élément(s), moins de {min_items}"))
    if recipients == 0 and not frozen:
        checks.append(Check("aucun destinataire : la liste (ou le segment) est vide", True))
    if changes:
        checks.append(Check("modifiée depuis l’approbation : " + " ; ".join(changes), True))
    past = [item.title for item in items if item.starts_at is not None and item.starts_at < now]
    if past:
        checks.append(Check(f"rendez-vous déjà passé(s) : {', '.join(past[:5])}"))
    return checks
