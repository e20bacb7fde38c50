"""Applying bounces and complaints to subscribers.

A report is matched to a subscriber by its signed VERP address (it cannot be forged), then
by the Message-ID of our message that it returns (signed too, and checked against the
deliveries ledger: how a complaint with a redacted recipient is matched), then by the
bounced address. A complaint matched by nothing but its Feedback-ID is reported with its
edition and changes nobody. A hard bounce or a complaint marks the person bounced
or complained and suppresses the address at once; a soft bounce adds 1 to a score that
halves every ``soft_bounce_half_life_days``; at ``soft_bounce_threshold`` the person is
marked bounced. A message already handled (same Message-ID) is not counted twice.
"""

from __future__ import annotations

import email
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from email.header import decode_header, make_header
from typing import Protocol

import sqlalchemy as sa

from newsletter.settings import SubscriberSettings
from newsletter.text import decimal
from subscribers.delivery_reports import DeliveryReport, Failure, read_report, refusal_kind
from subscribers.mailboxes import Incoming
from subscribers.models import BounceEvent, Subscriber
from subscribers.store import SubscriberStore
from subscribers.tokens import Tokens

UNSUBSCRIBE_WORD = "desabonnement"  # the subject of every List-Unsubscribe mailto: link
# What a bounce or complaint did to the address, as editors read it.
EFFECTS = {
    "bounced": "adresse mise en erreur, exclue de tous les envois",
    "complained": "plainte : adresse exclue de tous les envois",
}


class OurSends(Protocol):
    """Our own sends as the deliveries ledger knows them (``dispatch.sent``)."""

    def recipient(self, message_id: str) -> int | None: ...

    def edition(self, feedback_id: str) -> int | None: ...


@dataclass(frozen=True)
class Outcome:
    """What was understood about one recipient of one message (``--dry-run --json``)."""

    message: str
    message_id: str
    kind: str  # hard, soft, complaint, ignored
    address: str = ""
    status: str = ""
    subscriber: str | None = None
    matched_by: str = ""  # verp, message-id, address
    effect: str = ""

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


class BounceHandler:
    def __init__(
        self, store: SubscriberStore, tokens: Tokens, settings: SubscriberSettings,
        sends: OurSends | None = None,
    ) -> None:  # fmt: skip
        self.store = store
        self.tokens = tokens
        self.settings = settings
        self.sends = sends

    def handle(
        self, name: str, report: DeliveryReport, now: datetime, dry_run: bool = False
    ) -> list[Outcome]:
        if not report.failures:
            return [Outcome(name, report.message_id, "ignored")]
        outcomes = []
        single = len(report.failures) == 1
        sender = (self._verp_subscriber(report), "verp")
        if sender[0] is None and single:
            sender = (self._sent_subscriber(report), "message-id")
        for failure in report.failures:
            subscriber, matched_by = self._match(failure, sender, single)
            effect = self._unmatched(report)
            if subscriber is not None:
                effect = self._effect(subscriber, failure, report.message_id, now, dry_run)
            outcomes.append(
                Outcome(name, report.message_id, failure.kind, failure.address, failure.status,
                        subscriber.email if subscriber else None, matched_by, effect)
            )  # fmt: skip
        return outcomes

    def unsubscribe_by_mail(
        self, name: str, report: DeliveryReport, subject: str, now: datetime, dry_run: bool
    ) -> Outcome | None:
        """The List-Unsubscribe ``mailto:`` of a newsletter: subject ``desabonnement LIST``
        sent to a subscriber's signed VERP address; that person leaves the list. None for
        any other message (a plain "unsubscribe" mail is not a request)."""
        words = subject.lower().split()
        if len(words) != 2 or words[0] != UNSUBSCRIBE_WORD or words[1] not in self.store.lists:
            return None
        subscriber = self._verp_subscriber(report)
        if subscriber is None:
            return Outcome(name, report.message_id, "unsubscribe", effect="adresse non signée")
        effect = f"désabonné de {words[1]}"
        if not dry_run:
            self.store.leave(subscriber, [words[1]], now)
        return Outcome(name, report.message_id, "unsubscribe", subscriber.email,
                       subscriber=subscriber.email, matched_by="verp", effect=effect)  # fmt: skip

    def refused(
        self, subscriber_id: int, code: int | None, reply: str, message_id: str, now: datetime
    ) -> str:
        """The relay refused the recipient at send time (5xx): hard or soft by its reply."""
        subscriber = self.store.session.get(Subscriber, subscriber_id)
        if subscriber is None:
            return "aucun abonné"
        failure = Failure(subscriber.email, refusal_kind(code, reply), str(code or ""), reply)
        return self._effect(subscriber, failure, message_id, now, dry_run=False)

    def _verp_subscriber(self, report: DeliveryReport) -> Subscriber | None:
        for address in report.verp_candidates:
            subscriber_id = self.tokens.verp_subscriber_id(address)
            if subscriber_id is None:
                continue
            subscriber = self.store.session.get(Subscriber, subscriber_id)
            if subscriber is not None and self.tokens.verp_matches(address, subscriber):
                return subscriber
        return None

    def _sent_subscriber(self, report: DeliveryReport) -> Subscriber | None:
        """The recipient named by the returned Message-ID of one of our sends."""
        if self.sends is None or not report.original_message_id:
            return None
        subscriber_id = self.sends.recipient(report.original_message_id)
        return None if subscriber_id is None else self.store.session.get(Subscriber, subscriber_id)

    def _match(
        self, failure: Failure, sender: tuple[Subscriber | None, str], single: bool
    ) -> tuple[Subscriber | None, str]:
        """A signed VERP address or Message-ID names the recipient of a single-recipient
        report; otherwise the bounced address (never a redacted one: it is empty)."""
        known, how = sender
        if known is not None and (single or known.email_key == failure.address.lower()):
            return known, how
        found = self.store.find(failure.address) if failure.address else None
        return found, "address" if found else ""

    def _unmatched(self, report: DeliveryReport) -> str:
        """What is known of a report that names none of our subscribers."""
        edition = self.sends.edition(report.feedback_id) if self.sends else None
        if report.kind == "complaint" and edition is not None:
            return f"aucun abonné (édition {edition}, destinataire masqué)"
        return "aucun abonné"

    def _effect(
        self, subscriber: Subscriber, failure: Failure, message_id: str, now: datetime,
        dry_run: bool,
    ) -> str:  # fmt: skip
        seen = self.store.session.scalar(
            sa.select(BounceEvent.id).where(
                BounceEvent.subscriber_id == subscriber.id, BounceEvent.message_id == message_id
            )
        )
        if seen is not None:
            return "déjà traité"
        status = {"hard": "bounced", "complaint": "complained"}.get(failure.kind)
        score = subscriber.bounce_score
        if failure.kind == "soft":
            score = self._decayed(subscriber, now) + 1
            if score >= self.settings.soft_bounce_threshold:
                status = "bounced"
        effect = f"score {decimal(score, 2)}"
        if status:
            effect += f" ; {EFFECTS[status]}"
        if dry_run:
            return effect
        self.store.session.add(
            BounceEvent(subscriber_id=subscriber.id, kind=failure.kind, status_code=failure.status,
                        diagnostic=failure.diagnostic[:500], message_id=message_id[:500],
                        received_at=now, score=score, effect=effect[:200])
        )  # fmt: skip
        subscriber.bounce_score, subscriber.bounce_scored_at = score, now
        if status and subscriber.status in ("active", "bounced"):
            self.store.set_status(subscriber, status, now)
        self.store.session.flush()
        return effect

    def _decayed(self, subscriber: Subscriber, now: datetime) -> float:
        if subscriber.bounce_scored_at is None:
            return subscriber.bounce_score
        days = max((now - subscriber.bounce_scored_at).total_seconds() / 86400, 0)
        return float(
            subscriber.bounce_score * 0.5 ** (days / self.settings.soft_bounce_half_life_days)
        )


def process_messages(
    handler: BounceHandler, messages: Iterable[Incoming], now: datetime, dry_run: bool = False
) -> tuple[list[Outcome], list[Incoming]]:
    """Every message read, understood and (unless ``dry_run``) applied; the messages to
    mark as seen once the transaction is committed."""
    outcomes: list[Outcome] = []
    handled: list[Incoming] = []
    for incoming in messages:
        message = email.message_from_bytes(incoming.raw)
        report = read_report(message, incoming.raw)
        request = None
        if report.kind == "ignored":
            subject = str(make_header(decode_header(message.get("Subject", ""))))
            request = handler.unsubscribe_by_mail(incoming.name, report, subject, now, dry_run)
        outcomes += [request] if request else handler.handle(incoming.name, report, now, dry_run)
        handled.append(incoming)
    return outcomes, handled


def summary(outcomes: Sequence[Outcome], messages: int) -> str:
    """One French line: messages read, what kind of failures, people recognised."""
    kinds = Counter(outcome.kind for outcome in outcomes)
    matched = sum(1 for outcome in outcomes if outcome.subscriber)
    return (
        f"{messages} message(s) : {kinds['hard']} erreur(s) définitive(s), "
        f"{kinds['soft']} temporaire(s), {kinds['complaint']} plainte(s), "
        f"{kinds['ignored']} ignoré(s) ; {matched} abonné(s) reconnu(s)."
    )
