"""Sending an edition: the application service that joins editions, rendering, subscribers
and dispatch. CLI, web app and scheduler all send through here.

``send_edition`` freezes the audience into the ledger (once), renders each variant once,
forks the sending processes and records every outcome; called again after a crash or a
pause it resumes: the ledger decides who still needs mail.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr

from sqlalchemy.orm import Session

from newsletter.app import App
from newsletter.archive.links import edition_url, sample_values, subscriber_values
from newsletter.db import utcnow
from newsletter.dispatch.dkim import dkim_signer
from newsletter.dispatch.edition_ledger import EditionLedger
from newsletter.dispatch.message import (
    EditionHeaders,
    MessageFactory,
    Recipient,
    feedback_id,
    one_click_url,
)
from newsletter.dispatch.sender import Report, Sender
from newsletter.dispatch.store import LedgerStore
from newsletter.dispatch.tasks import Outcome, Task
from newsletter.dispatch.worker import Job, Personal
from newsletter.editions.models import Edition
from newsletter.editions.store import EditionStore
from newsletter.editions.views import edition_view
from newsletter.errors import ConfigError, InputError
from newsletter.leases import new_holder
from newsletter.rendering.context import ALL_THEMES, Variant
from newsletter.rendering.renderer import Rendered
from subscribers.addresses import parse_address
from subscribers.bounces import BounceHandler
from subscribers.tokens import Tokens

STARTABLE = ("approved", "scheduled", "sending", "paused")
MAX_TEST_ADDRESSES = 10


@dataclass(frozen=True)
class SubscriberRef:
    """What tokens need of a subscriber: its id and the hash of its address."""

    id: int
    email_hash: str


def send_edition(
    app: App,
    edition_id: int,
    *,
    now: datetime | None = None,
    processes: int | None = None,
    on_progress: Callable[[dict[str, int]], None] | None = None,
    wait_deferred: float | None = None,
) -> Report:
    """Send (or resume sending) an approved edition to its frozen audience."""
    settings = app.settings.dispatch
    exclusive = app.database.dialect == "sqlite"  # PostgreSQL senders share the rows
    with app.database.session() as session:
        list_key = app.settings.newsletter(EditionStore(session).get(edition_id).newsletter).list
    ledger = EditionLedger(app.database, edition_id, list_key, new_holder(), settings,
                           _bounce_recorder(app))  # fmt: skip
    ledger.begin()
    try:
        job = _prepare(app, edition_id, now or utcnow(), exclusive)
        sender = Sender(ledger, job, settings, processes or settings.processes)
        wait = settings.retry_max_seconds if wait_deferred is None else wait_deferred
        return sender.run(on_progress, wait)
    finally:
        ledger.end()


def _prepare(app: App, edition_id: int, now: datetime, exclusive: bool) -> Job:
    """Freeze (first time), release rows a dead sender left, render every variant once."""
    settings = app.settings
    if not one_click_url(settings.organisation.public_url + "/"):
        raise ConfigError(
            "organisation.public_url doit être une adresse https:// pour envoyer "
            "(lien de désabonnement en un clic, RFC 8058)",
            "corrigez-la dans config.toml",
        )
    with app.database.session() as session:
        editions, ledger = EditionStore(session), LedgerStore(session)
        edition = editions.get(edition_id, lock=True)  # one sender freezes, the others wait
        if edition.state not in STARTABLE:
            raise InputError(
                f"l’édition {edition_id} n’est pas prête à partir (état : {edition.state})",
                "approuvez-la d’abord avec `newsletter edition approve ID`",
            )
        newsletter = settings.newsletter(edition.newsletter)
        if not ledger.frozen(edition_id):
            segment = app.segments(session).get(newsletter.segment) if newsletter.segment else None
            ledger.freeze(edition_id, newsletter.list, segment)
        if edition.state != "sending":
            editions.start_sending(edition)
        stale_before = (
            None if exclusive else now - timedelta(seconds=settings.dispatch.lease_seconds)
        )
        ledger.release_stale(edition_id, stale_before)
        renderings = _renderings(app, session, edition, ledger.variants(edition_id))
        return _job(app, edition, renderings)


def _renderings(
    app: App, session: Session, edition: Edition, variants: list[tuple[str, str]]
) -> dict[tuple[str, str], Rendered]:
    settings = app.settings
    newsletter = settings.newsletter(edition.newsletter)
    view = edition_view(edition, newsletter, settings.organisation,
                        EditionStore(session).credits(edition))  # fmt: skip
    done: dict[frozenset[str], Rendered] = {}
    for variant, _format in variants:
        themes = _themes(variant)
        if themes not in done:
            done[themes] = app.renderer.render(view, themes)
    return {(variant, format_): done[_themes(variant)] for variant, format_ in variants}


def _themes(variant: str) -> frozenset[str]:
    """The themes of a ledger variant: their keys joined by commas, in no set order."""
    return frozenset(variant.split(",")) if variant else frozenset()


def headers(app: App, edition: Edition, rendered: Rendered) -> EditionHeaders:
    """What every message of the edition shares (From, List-Id, Feedback-ID…)."""
    settings = app.settings
    newsletter = settings.newsletter(edition.newsletter)
    name, address = parseaddr(newsletter.sender)
    return EditionHeaders(
        id=edition.id,
        subject=rendered.subject,
        sender_name=name,
        sender_address=address,
        list_name=newsletter.title,
        list_id=f"{edition.newsletter}.{settings.dispatch.list_id_domain}",
        reply_to=parseaddr(newsletter.reply_to)[1] if newsletter.reply_to else "",
        archive_url=edition_url(
            settings.organisation.public_url, edition.newsletter, edition.number
        ),
        feedback_id=feedback_id(edition.id, newsletter.list, settings.dispatch.feedback_id),
    )


def _job(app: App, edition: Edition, renderings: dict[tuple[str, str], Rendered]) -> Job:
    settings = app.settings
    dispatch = settings.dispatch
    processes = dispatch.processes
    any_rendering = next(iter(renderings.values()), None)
    factory = MessageFactory(
        headers(app, edition, any_rendering) if any_rendering else _no_headers(app, edition),
        app.secrets.signing_keys[0],
    )
    return Job(
        factory=factory,
        bodies={
            (variant, format_): factory.bodies(rendered, text_only=format_ == "text")
            for (variant, format_), rendered in renderings.items()
        },
        personal=_personal(
            app.tokens(),
            settings.organisation.public_url,
            edition,
            settings.newsletter(edition.newsletter).list,
        ),
        transport=app.transport(),
        connections=max(1, math.ceil(dispatch.concurrency / processes)),
        per_second=dispatch.rate_per_second / processes,
        per_hour=math.ceil(dispatch.rate_per_hour / processes),
        signer=dkim_signer(dispatch.dkim, app.environ),
    )


def _no_headers(app: App, edition: Edition) -> EditionHeaders:
    """An edition whose audience is empty still needs a (never used) factory."""
    name, address = parseaddr(app.settings.newsletter(edition.newsletter).sender)
    return EditionHeaders(edition.id, edition.subject or "-", name, address, "-", "-")


def _personal(
    tokens: Tokens, public_url: str, edition: Edition, list_key: str
) -> Callable[[Task], Personal]:
    """Per-recipient links: signed tokens (unguessable, bound to the person) and VERP; the
    unsubscribe link leaves the list the edition went to."""

    def personal(task: Task) -> Personal:
        ref = SubscriberRef(task.subscriber_id, task.email_hash)
        unsubscribe = tokens.issue("unsubscribe", ref, [list_key])
        preferences = tokens.issue("preferences", ref)
        values = subscriber_values(public_url, edition.newsletter, edition.number,
                                   task.name, unsubscribe, preferences)  # fmt: skip
        envelope = tokens.verp_address(ref)
        recipient = Recipient(
            key=f"r{task.subscriber_id}",
            email=task.email,
            name=task.name,
            unsubscribe_url=values.unsubscribe_url,
            unsubscribe_mailto=f"mailto:{envelope}?subject=desabonnement%20{list_key}",
            envelope_sender=envelope,
        )
        return Personal(recipient, values)

    return personal


def _bounce_recorder(app: App) -> Callable[[Session, Outcome, datetime], None]:
    """A 5xx refusal of the recipient at send time counts as a hard bounce at once."""

    def record(session: Session, outcome: Outcome, now: datetime) -> None:
        handler = BounceHandler(app.subscriber_store(session), app.tokens(),
                                app.settings.subscribers)  # fmt: skip
        handler.refused(outcome.subscriber_id, outcome.code, outcome.reason,
                        f"send:{outcome.delivery_id}", now)  # fmt: skip

    return record


@dataclass(frozen=True)
class Preview:
    """An edition as an imaginary subscriber of one variant gets it."""

    rendered: Rendered
    html: str
    text: str


def render(app: App, session: Session, edition: Edition, variant: Variant = ALL_THEMES) -> Rendered:
    """The send path's rendering of one variant (previews, test sends, archive pages)."""
    key = ",".join(sorted(variant))
    return _renderings(app, session, edition, [(key, "html")])[(key, "html")]


def preview(app: App, session: Session, edition: Edition, variant: Variant = ALL_THEMES) -> Preview:
    """The send path's rendering, personalised with sample values: what the preview pages
    show and what a test send carries."""
    rendered = render(app, session, edition, variant)
    public_url = app.settings.organisation.public_url
    values = sample_values(public_url, edition.newsletter, edition.number)
    html, text = rendered.personalise(values)
    return Preview(rendered, html, text)


def send_test(app: App, edition_id: int, addresses: list[str]) -> list[str]:
    """Send the edition as a sample subscriber would get it, to the given addresses only
    (no ledger, no state change): the same rendering and message path as the real send."""
    settings = app.settings
    addresses = [parse_address(address).email for address in addresses]
    if not 0 < len(addresses) <= MAX_TEST_ADDRESSES:
        raise InputError(
            f"envoi d’essai : donnez entre 1 et {MAX_TEST_ADDRESSES} adresses",
            "séparées par des virgules",
        )
    with app.database.session() as session:
        edition = EditionStore(session).get(edition_id)
        sample = preview(app, session, edition)
        factory = MessageFactory(
            headers(app, edition, sample.rendered), app.secrets.signing_keys[0]
        )
        unsubscribe = sample_values(
            settings.organisation.public_url, edition.newsletter, edition.number
        ).unsubscribe_url
    connection = app.transport().connect()
    try:
        for number, address in enumerate(addresses, 1):
            recipient = Recipient(key=f"test{number}", email=address,
                                  unsubscribe_url=unsubscribe)  # fmt: skip
            message = factory.build(recipient, sample.html, sample.text)
            connection.send(settings.subscribers.bounce_address, address, message)
    finally:
        connection.close()
    return addresses


def pause(app: App, edition_id: int, reason: str = "mise en pause par un éditeur") -> None:
    with app.database.session() as session:
        editions = EditionStore(session)
        edition = editions.get(edition_id)
        if edition.state != "sending":
            raise InputError(f"l’édition {edition_id} n’est pas en cours d’envoi")
        editions.pause(edition, reason)


def status(app: App, edition_id: int) -> tuple[Edition, dict[str, int]]:
    with app.database.session() as session:
        edition = EditionStore(session).get(edition_id)
        return edition, LedgerStore(session).counts(edition_id)
