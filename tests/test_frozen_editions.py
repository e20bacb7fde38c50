"""What is approved is what goes out: approval freezes the edition; later changes show as
differences, hold the send until an editor acts, and never reach a send that has begun."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsletter.accounts.permissions import OPERATOR
from newsletter.app import App
from newsletter.content.store import ItemStore
from newsletter.dispatch.bodies import finished_texts
from newsletter.dispatch.ledger import Delivery
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError
from newsletter.settings import Settings
from newsletter.sources.editorial import parse_record, save_editorial
from subscribers.models import Subscriber
from tests.dispatching import address, configured, populate
from tests.smtp_server import SmtpTestServer

PERSONAL = (
    (re.compile(r"Bonjour [^,<\n]*,"), "Bonjour X,"),
    (re.compile(r"/(desabonnement|preferences)/[A-Za-z0-9._~-]+"), r"/\1/JETON"),
    (re.compile(r"l’adresse [^ <\n]+@[^ <\n]+\."), "l’adresse X."),
)


def impersonal(text: str) -> str:
    """A message's text without what is personal (greeting, address, signed links), lines ending
    in LF."""
    text = text.replace("\r\n", "\n")
    for pattern, replacement in PERSONAL:
        text = pattern.sub(replacement, text)
    return text


def parts(message: EmailMessage) -> dict[str, str]:
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            found[part.get_content_subtype()] = impersonal(part.get_content())
    return found


@pytest.fixture
def wired(app: App, make_settings: Callable[..., Settings], smtp_server: SmtpTestServer) -> App:
    """The app sending to the test SMTP server; a deferred message waits 2 s."""
    settings = configured(make_settings, smtp_server.port, retry_base_seconds=2,
                          retry_max_seconds=2)  # fmt: skip
    return App(settings, app.database, app.secrets)


def expected_parts(app: App, edition_id: int) -> dict[tuple[str, str], dict[str, str]]:
    """What each (variant, format) of the edition's audience should receive, from its
    snapshot as it is now, personal values taken out."""
    with app.database.session() as session:
        edition = EditionStore(session).get(edition_id)
        keys = ["", "education", "egalite,participation"]
        renderings = app.publishing.renderings(session, edition, keys)
        values = app.publishing.sample_values(edition)
    expected = {}
    for key, rendered in renderings.items():
        html, text = finished_texts(rendered, values)
        expected[key, "html"] = {"plain": impersonal(text), "html": impersonal(html)}
        expected[key, "text"] = {"plain": impersonal(text)}
    return expected


def change_an_item_and_a_source(app: App, edition_id: int) -> None:
    """An editor corrects an item's title; the editorial source changes another's summary."""
    with app.database.session() as session:
        first, second = [entry.item for entry in EditionStore(session).get(edition_id).entries][:2]
        ItemStore(session).override(first.id, app.settings.classification, title="Corrigé")
        guid = second.sources[0].guid.removeprefix("editorial:")
        changed = {"id": guid, "kind": second.kind, "title": second.title,
                   "summary": "Résumé réécrit par la source.", "url": second.url}  # fmt: skip
        settings = app.settings
        entry = parse_record(changed, settings.classification, settings.fetch.timezone)
        save_editorial(session, settings, [entry], "tests")


def received_by_variant(
    app: App, edition_id: int, server: SmtpTestServer
) -> list[tuple[tuple[str, str], dict[str, str]]]:
    with app.database.session() as session:
        rows = session.execute(
            sa.select(Subscriber.email, Delivery.variant, Delivery.format)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Delivery.edition_id == edition_id)
        ).all()  # fmt: skip
    variant_of = {email: (",".join(sorted(filter(None, variant.split(",")))), format_)
                  for email, variant, format_ in rows}  # fmt: skip
    return [(variant_of[message.recipients[0]], parts(message.parsed()))
            for message in server.messages]  # fmt: skip


def test_changes_after_approval_never_reach_the_messages(
    wired: App, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """After approval, an editor's correction and a source's update show as differences and
    hold the send; once the editor abandons them, every message is the approved snapshot's,
    byte for byte apart from the recipient's greeting and signed links."""
    app = wired
    edition_id = populate(app, tmp_path, 20)
    expected = expected_parts(app, edition_id)
    change_an_item_and_a_source(app, edition_id)

    with app.database.session() as session:
        changes = app.publishing.changes(session, EditionStore(session).get(edition_id))
    assert any("« Corrigé » — titre modifié(s)" in line for line in changes)
    assert any("résumé modifié(s)" in line for line in changes)
    blocking = app.editing.confirmation(edition_id).blocking
    assert any("modifiée depuis l’approbation" in check.message for check in blocking)
    with pytest.raises(InputError, match="modifiée depuis son approbation"):
        app.sending.send(edition_id)
    assert smtp_server.messages == []

    app.editing.discard(OPERATOR, edition_id)
    assert app.editing.confirmation(edition_id).blocking == []
    app.editing.start(OPERATOR, edition_id, accept_warnings=True)
    assert app.sending.send(edition_id).state == "sent"
    received = received_by_variant(app, edition_id, smtp_server)
    assert len(received) == 20
    for variant, got in received:
        assert got == expected[variant]
        assert "Corrigé" not in got["plain"] and "réécrit" not in got["plain"]


def test_a_resume_after_a_change_sends_the_snapshot(
    wired: App, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """A send that has begun finishes with the content it began with: messages deferred at
    first and sent after an item changed carry the approved version."""
    app = wired
    edition_id = populate(app, tmp_path, 12)
    expected = expected_parts(app, edition_id)
    for number in (3, 7):
        smtp_server.faults.add("RCPT", code=450, times=1, match=address(number))
    app.editing.start(OPERATOR, edition_id, accept_warnings=True)
    first = app.sending.send(edition_id, wait_deferred=0)
    assert first.state == "waiting" and first.counts["deferred"] == 2
    change_an_item_and_a_source(app, edition_id)
    assert app.sending.send(edition_id, wait_deferred=10).state == "sent"
    received = received_by_variant(app, edition_id, smtp_server)
    assert len(received) == 12
    late = [message for message in smtp_server.messages
            if message.recipients[0] in (address(3), address(7))]  # fmt: skip
    assert len(late) == 2 and smtp_server.messages[-2:] == late
    for variant, got in received:
        assert got == expected[variant]


def test_archive_and_feed_show_the_approved_version(
    wired: App, smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """The archive page and the Atom feed of a sent edition read its snapshot, not the items
    as they are now."""
    app = wired
    edition_id = populate(app, tmp_path, 3)
    app.editing.start(OPERATOR, edition_id, accept_warnings=True)
    app.sending.send(edition_id)
    change_an_item_and_a_source(app, edition_id)
    with app.database.session() as session:
        edition = EditionStore(session).get(edition_id)
        view = app.publishing.archive(session, edition)
        feed = app.publishing.feed(session, edition.newsletter, datetime.now(UTC))
    page = repr(view)
    assert "Des jardins partagés à Sevran" in page and "Corrigé" not in page
    assert "réécrit" not in page and edition.subject in feed
