"""Sending an edition through a real SMTP server: ledger, faults, headers, pauses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsletter.app import App
from newsletter.db import utcnow
from newsletter.dispatch.edition_ledger import EditionLedger
from newsletter.dispatch.ledger import Delivery
from newsletter.dispatch.sender import UNIT, in_flight_limit
from newsletter.dispatch.store import LedgerStore
from newsletter.dispatch.tasks import Outcome, Task, TaskRow
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError
from newsletter.leases import acquire
from newsletter.services import sending
from newsletter.services.sending import status
from newsletter.settings import Settings
from subscribers.models import Subscriber
from tests.dispatching import address, configured, populate
from tests.smtp_server import SmtpTestServer

RECIPIENTS = 40


@pytest.fixture
def wired(
    app: App, make_settings: Callable[..., Settings], smtp_server: SmtpTestServer
) -> Callable[..., App]:
    """The app sending to the test SMTP server, with dispatch settings changed at will."""

    def make(**dispatch: object) -> App:
        settings = configured(make_settings, smtp_server.port, **dispatch)
        return App(settings, app.database, app.secrets, app.environ)

    return make


def received_by(server: SmtpTestServer) -> Counter[str]:
    return Counter(rcpt for message in server.messages for rcpt in message.recipients)


def deliveries(app: App, edition_id: int) -> dict[int, Delivery]:
    with app.database.session() as session:
        rows = session.scalars(sa.select(Delivery).where(Delivery.edition_id == edition_id))
        return {row.subscriber_id: row for row in rows}


def test_everyone_gets_exactly_one_message(
    wired: Callable[..., App], smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """Every recipient of the frozen audience gets one message; the edition ends sent."""
    app = wired()
    edition_id = populate(app, tmp_path, RECIPIENTS)
    report = app.sending.send(edition_id)
    assert report.state == "sent" and report.counts["sent"] == RECIPIENTS
    counts = received_by(smtp_server)
    assert set(counts) == {address(n) for n in range(RECIPIENTS)}
    assert set(counts.values()) == {1}
    ids = [message.parsed()["Message-ID"] for message in smtp_server.messages]
    assert len(set(ids)) == RECIPIENTS
    edition, _ = status(app.database, edition_id)
    assert edition.state == "sent"


def test_headers_follow_the_standards(
    wired: Callable[..., App], smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """RFC 8058/2369/5322 headers, text before HTML, VERP envelope, text-only subscribers."""
    app = wired()
    app.sending.send(populate(app, tmp_path, 10))
    by_rcpt = {m.recipients[0]: m for m in smtp_server.messages}
    html_one, text_one = by_rcpt[address(0)], by_rcpt[address(9)]
    message: EmailMessage = html_one.parsed()
    unsubscribe = str(message["List-Unsubscribe"])
    assert unsubscribe.startswith("<https://") and "/desabonnement/" in unsubscribe
    assert ", <mailto:" in unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Precedence"] == "bulk" and message["List-Id"].endswith(">")
    assert "lettre" in message["Feedback-ID"] and "personne" not in message["Feedback-ID"]
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert "Camille Martin 0" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    raw = html_one.data
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert html_one.sender.startswith("bounces+")
    with app.database.session() as session:
        subscriber = session.scalars(
            sa.select(Subscriber).where(Subscriber.email == address(0))
        ).one()
        assert app.tokens().verp_matches(html_one.sender, subscriber)
    assert text_one.parsed().get_content_type() == "text/plain"


def test_replies_decide_each_row(
    wired: Callable[..., App], smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """4xx is retried until accepted; 5xx "user unknown" on RCPT fails and bounces; a dropped
    connection is reopened; nobody is missed or sent twice outside the dropped message."""
    app = wired()
    edition_id = populate(app, tmp_path, RECIPIENTS)
    smtp_server.faults.add("RCPT", code=450, times=2, match=address(3))
    unknown = "5.1.1 Recipient address rejected: User unknown"
    smtp_server.faults.add("RCPT", code=550, text=unknown, times=None, match=address(5))
    smtp_server.faults.add("MAIL", code=421, close=True, after=10)
    smtp_server.faults.add("DATA", drop=True, after=20)
    report = app.sending.send(edition_id)
    assert report.state == "sent"
    rows = deliveries(app, edition_id)
    by_email = {}
    with app.database.session() as session:
        for subscriber in session.scalars(sa.select(Subscriber)):
            by_email[subscriber.email] = (subscriber, rows[subscriber.id])
    refused, refused_row = by_email[address(5)]
    assert refused_row.status == "failed" and refused_row.code == 550
    assert refused.status == "bounced"
    greylisted = by_email[address(3)][1]
    assert greylisted.status == "sent" and greylisted.attempts == 2
    counts = received_by(smtp_server)
    expected = {address(n) for n in range(RECIPIENTS)} - {address(5)}
    assert set(counts) == expected and max(counts.values()) == 1


def test_recipient_who_leaves_before_their_turn_is_skipped(
    wired: Callable[..., App], tmp_path: Path
) -> None:
    """The audience is frozen; someone who unsubscribes before their turn is skipped."""
    app = wired()
    edition_id = populate(app, tmp_path, 5)
    with app.database.session() as session:
        LedgerStore(session).freeze(edition_id, "lettre", None)
        store = app.subscriber_store(session)
        store.unsubscribe(store.get(address(2)), None, utcnow())
    ledger = EditionLedger(app.database, edition_id, "lettre", "me", app.settings.dispatch,
                           lambda *_: None)  # fmt: skip
    ledger.begin()
    try:
        tasks = ledger.exchange([], 10, utcnow())
    finally:
        ledger.end()
    assert {Task._make(task).email for task in tasks} == {address(n) for n in (0, 1, 3, 4)}
    skipped = [row for row in deliveries(app, edition_id).values() if row.status == "skipped"]
    assert len(skipped) == 1 and "plus destinataire" in skipped[0].reason


def test_claimed_rows_never_exceed_the_in_flight_limit(
    wired: Callable[..., App], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At no moment does a sender hold more rows claimed and not yet recorded (``sending``)
    than in_flight_limit(): all that a crash could send twice."""
    app = wired(processes=1, concurrency=1, batch_size=1000)
    limit = in_flight_limit(1, 1)
    edition_id = populate(app, tmp_path, limit + UNIT // 2)
    held: list[int] = []

    class Watched(EditionLedger):
        def exchange(self, outcomes: list[Outcome], claim: int, now: datetime) -> list[TaskRow]:
            claimed = super().exchange(outcomes, claim, now)
            held.append(self.counts()["sending"])
            return claimed

    monkeypatch.setattr(sending, "EditionLedger", Watched)
    assert app.sending.send(edition_id).state == "sent"
    assert limit - UNIT < max(held) <= limit  # the sender does fill its room, and no more


def test_high_error_rate_pauses_the_edition(
    wired: Callable[..., App], smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """When most recipients are refused, the send pauses and says why."""
    app = wired(error_window=10, error_rate_threshold=0.5, max_attempts=3)
    edition_id = populate(app, tmp_path, RECIPIENTS)
    smtp_server.faults.add("RCPT", code=451, times=None)
    report = app.sending.send(edition_id)
    assert report.state == "paused" and "taux d'erreur" in report.reason
    edition, counts = status(app.database, edition_id)
    assert edition.state == "paused" and "taux d'erreur" in edition.held_reason
    assert counts["sent"] == 0 and counts["deferred"] > 0
    smtp_server.faults.clear()
    resumed = app.sending.send(edition_id)
    assert resumed.state == "sent"
    assert resumed.counts["sent"] + resumed.counts["failed"] == RECIPIENTS


def test_second_sender_refused_on_sqlite_shared_on_postgresql(
    wired: Callable[..., App], tmp_path: Path
) -> None:
    """On SQLite a lease keeps a second sender out; PostgreSQL senders share the rows."""
    app = wired()
    edition_id = populate(app, tmp_path, 3)
    assert acquire(app.database, f"edition:{edition_id}", "someone-else", 60)
    if app.database.dialect == "sqlite":
        with pytest.raises(InputError) as caught:
            app.sending.send(edition_id)
        assert "déjà en cours d’envoi" in caught.value.message
    else:
        assert app.sending.send(edition_id).state == "sent"


def test_test_send_touches_nothing(
    wired: Callable[..., App], smtp_server: SmtpTestServer, tmp_path: Path
) -> None:
    """A test send goes only to the given addresses; the ledger and the state stay as is."""
    app = wired()
    edition_id = populate(app, tmp_path, 3)
    app.sending.send_test(edition_id, ["relecture@professionbanlieue.org"])
    assert [m.recipients for m in smtp_server.messages] == [("relecture@professionbanlieue.org",)]
    edition, counts = status(app.database, edition_id)
    assert edition.state == "approved" and sum(counts.values()) == 0
    with app.database.session() as session:
        assert EditionStore(session).get(edition_id).state == "approved"
