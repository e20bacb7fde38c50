"""Sending an edition: the application service that joins editions, rendering, subscribers
and dispatch. CLI, web app and scheduler all send through here.

``Sending.send`` freezes the audience into the ledger (once), renders each variant once
(:class:`~newsletter.services.publishing.Publishing`), forks the sending processes and records
every outcome; called again after a crash or a pause it resumes: the ledger decides who
still needs mail. Its collaborators (tokens, transport, signer, the rate each sending process
takes) are built by the composition root, ``newsletter.app``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from newsletter.archive.links import subscriber_values
from newsletter.db import Database, utcnow
from newsletter.dispatch.bodies import finished_texts
from newsletter.dispatch.edition_ledger import EditionLedger
from newsletter.dispatch.message import (
    MessageFactory,
    Recipient,
    one_click_url,
    subscriber_key,
)
from newsletter.dispatch.report import Report
from newsletter.dispatch.sender import Progress, Sender
from newsletter.dispatch.senders import SenderStore, wake, wakeable_here
from newsletter.dispatch.store import LedgerStore
from newsletter.dispatch.tasks import Outcome, Task
from newsletter.dispatch.transports import Transport
from newsletter.dispatch.worker import Job, Personal
from newsletter.editions.lifecycle import STATES, segment_of
from newsletter.editions.models import Edition
from newsletter.editions.store import EditionStore
from newsletter.errors import ConfigError, InputError
from newsletter.leases import new_holder
from newsletter.services.publishing import Publishing
from newsletter.settings import Settings
from newsletter.statistics.editions import record as record_figures
from subscribers.addresses import parse_address
from subscribers.bounces import BounceHandler
from subscribers.segments import Segments
from subscribers.tokens import Tokens

if TYPE_CHECKING:  # dkimpy loads only when signing is configured (App.signer)
    from newsletter.dispatch.dkim import DkimSigner

STARTABLE = ("approved", "scheduled", "sending", "paused")
MAX_TEST_ADDRESSES = 10
TEST_MARK = "[ESSAI]"


@dataclass(frozen=True)
class SubscriberRef:
    """What tokens need of a subscriber: its id and the hash of its address."""

    id: int
    email_hash: str


@dataclass(frozen=True)
class Throughput:
    """The sending processes of a send, and the SMTP connections each one keeps (the rates
    are shared out at run time among all live senders: dispatch.share)."""

    processes: int
    connections: int


class Sending:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        publishing: Publishing,
        tokens: Tokens,
        transport: Transport,
        signer: DkimSigner | None,
        throughput: Callable[[int | None], Throughput],
        segments: Callable[[Session], Segments],
        bounces: Callable[[Session], BounceHandler],
    ) -> None:
        if not one_click_url(settings.organisation.public_url + "/"):
            raise ConfigError(
                "organisation.public_url doit être une adresse https:// pour envoyer "
                "(lien de désabonnement en un clic, RFC 8058)",
                "corrigez-la dans config.toml",
            )
        self.settings = settings
        self.database = database
        self.publishing = publishing
        self.tokens = tokens
        self.transport = transport
        self.signer = signer
        self.throughput = throughput
        self.segments = segments
        self.bounces = bounces
        self.id_key = tokens.keys[0]  # Message-IDs: stable per installation, not guessable

    def send(
        self,
        edition_id: int,
        *,
        processes: int | None = None,
        on_progress: Progress | None = None,
        wait_deferred: float | None = None,
    ) -> Report:
        """Send (or resume sending) an approved edition to its frozen audience."""
        settings = self.settings.dispatch
        with self.database.session() as session:
            newsletter = EditionStore(session).get(edition_id).newsletter
        ledger = EditionLedger(self.database, edition_id, self.settings.newsletter(newsletter).list,
                               new_holder(), settings, self._record_refusal)  # fmt: skip
        ledger.begin()
        try:
            share = self.throughput(processes)
            job = self._prepare(edition_id, share)
            if job is None:  # another sender finished it meanwhile: nothing left to do
                return Report("sent", ledger.counts(), "déjà envoyée")
            zone = ZoneInfo(self.settings.organisation.timezone)
            sender = Sender(ledger, job, settings, share.processes, zone)
            wait = settings.retry_max_seconds if wait_deferred is None else wait_deferred
            report = sender.run(on_progress, wait)
        finally:
            ledger.end()
        if report.state == "sent":  # its figures, counted once (statistics.editions)
            # Counted, then written: on SQLite another sender's commit in between makes the
            # write fail at once ("database is locked"), and counting again is the answer.
            self.database.retrying(lambda session: record_figures(session, edition_id, utcnow()))
        return report

    def _prepare(self, edition_id: int, share: Throughput) -> Job | None:
        """Freeze (first time), release rows a dead sender left, render every variant once;
        None when the edition is already sent (by another sender)."""
        settings = self.settings
        with self.database.session() as session:
            editions, ledger = EditionStore(session), LedgerStore(session)
            edition = editions.get(edition_id, lock=True)  # one sender freezes, the others wait
            if edition.state == "sent":
                return None
            if edition.state not in STARTABLE:
                raise InputError(
                    f"l’édition {edition_id} n’est pas prête à partir : elle est "
                    f"{STATES[edition.state]}",
                    "approuvez-la d’abord",
                )
            changes = [] if ledger.frozen(edition_id) else self.publishing.changes(session, edition)
            if changes:
                raise InputError(
                    f"l’édition {edition_id} a été modifiée depuis son approbation : "
                    + " ; ".join(changes),
                    "approuvez-la de nouveau, ou abandonnez les modifications",
                )
            newsletter = settings.newsletter(edition.newsletter)
            if not ledger.frozen(edition_id):
                name = segment_of(edition, newsletter)
                segment = self.segments(session).get(name) if name else None
                ledger.freeze(edition_id, newsletter.list, segment)
            if edition.state != "sending":
                editions.start_sending(edition)
            live = SenderStore(session, settings.dispatch.lease_seconds).live()
            ledger.release_orphans(edition_id, [sender.holder for sender in live])
            variants = ledger.variants(edition_id)
            renderings = self.publishing.renderings(session, edition, {key for key, _ in variants})
        subject = next(iter(renderings.values())).subject if renderings else edition.subject
        factory = MessageFactory(self.publishing.headers(edition, subject or "-"), self.id_key)
        return Job(
            factory=factory,
            bodies={
                (key, format_): factory.bodies(renderings[key], text_only=format_ == "text")
                for key, format_ in variants
            },
            personal=self._personal(edition, settings.newsletter(edition.newsletter).list),
            transport=self.transport,
            connections=share.connections,
            signer=self.signer,
        )

    def _personal(self, edition: Edition, list_key: str) -> Callable[[Task], Personal]:
        """Per-recipient links: signed tokens (unguessable, bound to the person) and VERP; the
        unsubscribe link leaves the list the edition went to."""
        tokens, public_url = self.tokens, self.settings.organisation.public_url

        def personal(task: Task) -> Personal:
            ref = SubscriberRef(task.subscriber_id, task.email_hash)
            unsubscribe = tokens.issue("unsubscribe", ref, [list_key])
            preferences = tokens.issue("preferences", ref)
            values = subscriber_values(public_url, edition.newsletter, edition.number,
                                       task.name, task.email, unsubscribe,
                                       preferences)  # fmt: skip
            envelope = tokens.verp_address(ref)
            recipient = Recipient(
                key=subscriber_key(task.subscriber_id),
                email=task.email,
                name=task.name,
                unsubscribe_url=values.unsubscribe_url,
                unsubscribe_mailto=f"mailto:{envelope}?subject=desabonnement%20{list_key}",
                envelope_sender=envelope,
            )
            return Personal(recipient, values)

        return personal

    def _record_refusal(self, session: Session, outcome: Outcome, now: datetime) -> None:
        """A 5xx refusal of the recipient at send time counts as a hard bounce at once."""
        self.bounces(session).refused(outcome.subscriber_id, outcome.code, outcome.reason,
                                      f"send:{outcome.delivery_id}", now)  # fmt: skip

    def send_test(self, edition_id: int, addresses: list[str]) -> list[str]:
        """Send the edition as a sample subscriber would get it, to the given addresses only
        (no ledger, no state change): the same rendering and message path as the real send,
        DKIM included, the subject marked ``[ESSAI]``."""
        addresses = [parse_address(address).email for address in addresses]
        if not 0 < len(addresses) <= MAX_TEST_ADDRESSES:
            raise InputError(
                f"envoi d’essai : donnez entre 1 et {MAX_TEST_ADDRESSES} adresses",
                "séparées par des virgules",
            )
        with self.database.session() as session:
            edition = EditionStore(session).get(edition_id)
            rendered = self.publishing.render(session, edition)
        values = self.publishing.sample_values(edition)
        texts = finished_texts(rendered, values)
        subject = f"{TEST_MARK} {rendered.subject}"
        factory = MessageFactory(self.publishing.headers(edition, subject), self.id_key)
        connection = self.transport.connect()
        try:
            for number, address in enumerate(addresses, 1):
                recipient = Recipient(key=f"test{number}", email=address,
                                      unsubscribe_url=values.unsubscribe_url)  # fmt: skip
                message = factory.build(recipient, *texts)
                if self.signer is not None:
                    message = self.signer.sign(message)
                connection.send(self.settings.subscribers.bounce_address, address, message)
        finally:
            connection.close()
        return addresses


def pause(
    database: Database, edition_id: int, reason: str = "mise en pause par un éditeur"
) -> None:
    """Pause the send; its senders on this machine stop at once (dispatch.senders): woken
    first, they wait for the pause to be committed (only an edition being sent has any)."""
    with database.session() as session:
        wake(wakeable_here(session, edition_id))
        editions = EditionStore(session)
        edition = editions.get(edition_id)
        if edition.state != "sending":
            raise InputError(f"l’édition {edition_id} n’est pas en cours d’envoi")
        editions.pause(edition, reason)


def status(database: Database, edition_id: int) -> tuple[Edition, dict[str, int]]:
    with database.session() as session:
        edition = EditionStore(session).get(edition_id)
        return edition, LedgerStore(session).counts(edition_id)
