"""Bounces and complaints: flufl.bounce's corpus, DSN codes, ARF, VERP, scores, the CLI."""

from __future__ import annotations

import email
import json
import mailbox
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from newsletter.app import App
from newsletter.dispatch.ledger import Delivery
from newsletter.dispatch.message import EditionHeaders, MessageFactory, Recipient, feedback_id
from newsletter.editions.models import Edition
from subscribers.addresses import parse_address
from subscribers.audience import count_audience
from subscribers.bounces import Outcome, process_messages
from subscribers.consent import Consent
from subscribers.delivery_reports import read_report
from subscribers.details import Details
from subscribers.mailboxes import Incoming, read_messages
from subscribers.models import BounceEvent, Subscriber, SuppressionEntry
from subscribers.tokens import VERP_TAG
from tests.bounce_corpus import samples

DATA = Path(__file__).parent / "data" / "bounces"
CORPUS = json.loads((DATA / "flufl" / "expected.json").read_text())
LABELS = {sample.file: sample.expected for sample in samples()}
NOW = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
PEOPLE = {
    "jean.martin@orange.fr": "professionnel",
    "nadia.benali@cs-montreuil.fr": "professionnel",
    "sophie.garnier@laposte.net": "partenaire",
    "helene.ferrand@ville-stains.fr": "elu",
}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_flufl_sample_bounces_name_their_addresses(name: str) -> None:
    """Each failure of flufl.bounce's corpus names the addresses flufl.bounce's tests expect
    (delay warnings, auto-replies and messages labelled ignore name none)."""
    raw = (DATA / "flufl" / name).read_bytes()
    report = read_report(email.message_from_bytes(raw), raw)
    expected = CORPUS[name]["addresses"] if LABELS[f"flufl/{name}"] in ("hard", "soft") else []
    found = [failure.address.lower() for failure in report.failures]
    assert set(found) <= {address.lower() for address in expected}
    assert bool(found) == bool(expected) or report.verdict == "ignore"


@pytest.fixture
def people(app: App) -> dict[str, str]:
    """The sample people, subscribed to the Lettre; their VERP addresses by email."""
    with app.database.session() as session:
        store = app.subscriber_store(session)
        consent = Consent("admin", "2026-01", "colloque")
        verp = {}
        for address, profile in PEOPLE.items():
            subscriber = store.admin_add(address, Details(profile=profile), ["lettre"], consent)
            verp[address] = app.tokens().verp_address(subscriber)
    return verp


def sample(name: str, verp: str = "bounces@lettre.professionbanlieue.org") -> bytes:
    text = (DATA / name).read_text(encoding="utf-8")
    return text.replace("bounces+VERP@lettre.professionbanlieue.org", verp).encode()


def run(app: App, *raws: bytes, now: datetime = NOW, dry_run: bool = False) -> list[Outcome]:
    with app.database.session() as session:
        handler = app.bounce_handler(session)
        incoming = [Incoming(f"m{index}", raw) for index, raw in enumerate(raws)]
        return process_messages(handler, incoming, now, dry_run)[0]


def status_of(app: App, address: str) -> str:
    with app.database.session() as session:
        return app.subscriber_store(session).get(address).status


def test_hard_bounce_matched_by_verp_suppresses_at_once(app: App, people: dict[str, str]) -> None:
    """A 5.1.1 DSN sent to the signed VERP address marks the person bounced and suppressed."""
    verp = people["jean.martin@orange.fr"]
    [outcome] = run(app, sample("orange_550_user_unknown.eml", verp))
    assert (outcome.kind, outcome.status, outcome.matched_by) == ("hard", "5.1.1", "verp")
    assert outcome.subscriber == "jean.martin@orange.fr"
    assert status_of(app, "jean.martin@orange.fr") == "bounced"
    with app.database.session() as session:
        assert count_audience(session, "lettre") == 3
        reasons = session.scalars(sa.select(SuppressionEntry.reason))
        assert list(reasons) == ["bounced"]


def test_forged_verp_is_not_trusted(app: App, people: dict[str, str]) -> None:
    """A VERP address with another subscriber's id but a wrong signature matches nobody by
    VERP; the bounce falls back to the bounced address."""
    sophie = people["sophie.garnier@laposte.net"]
    forged = sophie.rpartition("-")[0] + "-aaaaaaaaaaaaaaaa@lettre.professionbanlieue.org"
    [outcome] = run(app, sample("orange_550_user_unknown.eml", forged))
    assert (outcome.subscriber, outcome.matched_by) == ("jean.martin@orange.fr", "address")
    assert status_of(app, "sophie.garnier@laposte.net") == "active"


def test_complaint_suppresses_at_once(app: App, people: dict[str, str]) -> None:
    """An ARF abuse report marks the recipient complained and suppressed."""
    verp = people["sophie.garnier@laposte.net"]
    [outcome] = run(app, sample("arf_complaint.eml", verp))
    assert (outcome.kind, outcome.subscriber, outcome.matched_by) == (
        "complaint", "sophie.garnier@laposte.net", "verp",
    )  # fmt: skip
    assert status_of(app, "sophie.garnier@laposte.net") == "complained"
    with app.database.session() as session:
        assert count_audience(session, "lettre") == 3


def test_auto_reply_is_ignored(app: App, people: dict[str, str]) -> None:
    """An out-of-office reply changes nothing and is not counted."""
    [outcome] = run(app, sample("absence.eml", people["helene.ferrand@ville-stains.fr"]))
    assert outcome.kind == "ignored"
    with app.database.session() as session:
        assert session.scalar(sa.select(sa.func.count(BounceEvent.id))) == 0
        assert session.scalar(sa.select(sa.func.max(Subscriber.bounce_score))) == 0


def test_soft_bounces_add_up_and_decay(app: App, people: dict[str, str]) -> None:
    """Soft bounces add to a score halving every 15 days: two far apart leave the person
    active; several on consecutive days reach the threshold (3) → bounced."""
    raw = sample("mailbox_full_422.eml")
    for day in (0, 60):
        run(app, raw.replace(b"7F00AA@", f"{day}@".encode()), now=NOW + timedelta(days=day))
    with app.database.session() as session:
        nadia = app.subscriber_store(session).get("nadia.benali@cs-montreuil.fr")
        assert nadia.status == "active"
        assert nadia.bounce_score == pytest.approx(1 + 0.5**4)
    for day in (61, 62):
        run(app, raw.replace(b"7F00AA@", f"{day}@".encode()), now=NOW + timedelta(days=day))
    assert status_of(app, "nadia.benali@cs-montreuil.fr") == "active"  # score 2.92
    run(app, raw.replace(b"7F00AA@", b"63@"), now=NOW + timedelta(days=63))
    assert status_of(app, "nadia.benali@cs-montreuil.fr") == "bounced"


def test_same_message_is_not_counted_twice(app: App, people: dict[str, str]) -> None:
    """Processing a mailbox again does not add the same bounce twice."""
    raw = sample("mailbox_full_422.eml")
    run(app, raw)
    [again] = run(app, raw)
    assert again.effect == "déjà traité"
    with app.database.session() as session:
        assert session.scalar(sa.select(sa.func.count(BounceEvent.id))) == 1


def test_dry_run_changes_nothing(app: App, people: dict[str, str]) -> None:
    """--dry-run says what would happen and writes nothing."""
    [outcome] = run(app, sample("orange_550_user_unknown.eml"), dry_run=True)
    assert outcome.effect == "score 0,00 ; adresse mise en erreur, exclue de tous les envois"
    assert status_of(app, "jean.martin@orange.fr") == "active"


def test_unknown_recipient_matches_nobody(app: App) -> None:
    """A bounce for an address we do not know is understood and matched to nobody."""
    [outcome] = run(app, sample("orange_550_user_unknown.eml"))
    assert (outcome.kind, outcome.subscriber, outcome.effect) == ("hard", None, "aucun abonné")


def test_mailboxes_maildir_mbox_file_and_stdin(tmp_path: Path) -> None:
    """Messages are read from a Maildir, an mbox, a single file and standard input."""
    raw = sample("absence.eml")
    maildir = mailbox.Maildir(tmp_path / "Maildir")
    maildir.add(raw)
    box = mailbox.mbox(tmp_path / "bounces.mbox")
    box.add(raw)
    box.add(sample("arf_complaint.eml"))
    box.close()
    shutil.copy(DATA / "arf_complaint.eml", tmp_path / "one.eml")
    counts = {
        path.name: len(list(read_messages(str(path), None)))  # type: ignore[arg-type]
        for path in (tmp_path / "Maildir", tmp_path / "bounces.mbox", tmp_path / "one.eml")
    }
    assert counts == {"Maildir": 1, "bounces.mbox": 2, "one.eml": 1}

    class Stdin:
        def read(self) -> bytes:
            return raw

    [message] = read_messages("-", Stdin())  # type: ignore[arg-type]
    assert message.raw == raw


def test_person_with_verp_but_erased_is_matched_to_nobody(app: App, people: dict[str, str]) -> None:
    """After erasure, an old VERP address no longer points at anyone."""
    verp = people["jean.martin@orange.fr"]
    with app.database.session() as session:
        store = app.subscriber_store(session)
        session.delete(store.get("jean.martin@orange.fr"))
        store.create(parse_address("autre@exemple.fr"), Details(), NOW)
    [outcome] = run(app, sample("orange_550_user_unknown.eml", verp))
    assert outcome.subscriber is None


def unsubscribe_mail(to: str, subject: str) -> bytes:
    return (f"From: jean.martin@orange.fr\r\nTo: {to}\r\nSubject: {subject}\r\n"
            "Message-ID: <u1@orange.fr>\r\n\r\n\r\n").encode()  # fmt: skip


def test_list_unsubscribe_mailto_unsubscribes(app: App, people: dict[str, str]) -> None:
    """A mail to the signed VERP address with the List-Unsubscribe subject leaves the list;
    the same subject to an unsigned address changes nothing."""
    verp = people["jean.martin@orange.fr"]
    forged_address = f"bounces+1-{'a' * VERP_TAG}@lettre.professionbanlieue.org"
    [forged] = run(app, unsubscribe_mail(forged_address, "desabonnement lettre"))
    assert forged.effect == "adresse non signée"
    with app.database.session() as session:
        assert count_audience(session, "lettre") == 4
    [outcome] = run(app, unsubscribe_mail(verp, "desabonnement lettre"))
    assert (outcome.kind, outcome.subscriber) == ("unsubscribe", "jean.martin@orange.fr")
    with app.database.session() as session:
        assert count_audience(session, "lettre") == 3


def test_plain_unsubscribe_mail_is_not_a_request(app: App, people: dict[str, str]) -> None:
    """A mail saying "unsubscribe" (even to the signed VERP address) unsubscribes nobody: only
    the List-Unsubscribe form we emit ("desabonnement LIST") does."""
    verp = people["jean.martin@orange.fr"]
    for subject in ("unsubscribe", "Désabonnement", "desabonnement", "desabonnement svp merci"):
        [outcome] = run(
            app, unsubscribe_mail(verp, subject).replace(b"u1@", subject[:4].encode() + b"@")
        )
        assert outcome.kind == "ignored"
    with app.database.session() as session:
        assert count_audience(session, "lettre") == 4


def redacted_complaint(message_id: str, feedback_id: str = "") -> bytes:
    feedback = f"Feedback-ID: {feedback_id}\r\n" if feedback_id else ""
    return (
        "From: fbl@fai.example.net\r\nTo: bounces@lettre.professionbanlieue.org\r\n"
        f"Subject: Abuse report\r\nMessage-ID: <fbl.{abs(hash(message_id))}@fai.example.net>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=feedback-report; "
        'boundary="F"\r\n\r\n--F\r\nContent-Type: text/plain\r\n\r\nAbuse report.\r\n'
        "--F\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n"
        "Version: 1\r\n\r\n--F\r\nContent-Type: message/rfc822\r\n\r\n"
        "From: La Lettre <lettre@professionbanlieue.org>\r\nTo: redacted@orange.fr\r\n"
        f"Message-ID: {message_id}\r\n{feedback}\r\nLa Lettre\r\n--F--\r\n"
    ).encode()


def test_redacted_complaint_matched_by_message_id(app: App, people: dict[str, str]) -> None:
    """A complaint whose recipient is redacted is matched by the signed Message-ID of our send
    that it returns, checked against the ledger; a forged Message-ID, or one of an edition
    not sent to that person, names nobody, and the Feedback-ID still names the edition."""
    with app.database.session() as session:
        store = app.subscriber_store(session)
        jean, sophie = store.get("jean.martin@orange.fr"), store.get("sophie.garnier@laposte.net")
        edition = Edition(newsletter="lettre", number=1, send_at=NOW, next_send_at=NOW)
        session.add(edition)
        session.flush()
        session.add(Delivery(edition_id=edition.id, subscriber_id=jean.id, status="sent"))
        headers = EditionHeaders(edition.id, "La Lettre", "", "lettre@professionbanlieue.org",
                                 "La Lettre", "lettre.professionbanlieue.org")  # fmt: skip
        factory = MessageFactory(headers, app.secrets.signing_keys[0])
        ids = {who.email: factory.message_id(Recipient(f"r{who.id}", who.email))
               for who in (jean, sophie)}  # fmt: skip
        edition_id = edition.id
    feedback = feedback_id(edition_id, "lettre", "lettre")
    forged = ids["jean.martin@orange.fr"][:-30] + "000000000000@professionbanlieue.org>"
    unsent, forgery = run(app, redacted_complaint(ids["sophie.garnier@laposte.net"], feedback),
                          redacted_complaint(forged))  # fmt: skip
    assert (unsent.subscriber, unsent.effect) == (
        None, f"aucun abonné (édition {edition_id}, destinataire masqué)",
    )  # fmt: skip
    assert (forgery.subscriber, forgery.effect) == (None, "aucun abonné")
    [outcome] = run(app, redacted_complaint(ids["jean.martin@orange.fr"], feedback))
    assert (outcome.kind, outcome.matched_by) == ("complaint", "message-id")
    assert status_of(app, "jean.martin@orange.fr") == "complained"
    assert status_of(app, "sophie.garnier@laposte.net") == "active"


def test_send_time_refusal_is_hard_only_on_evidence(app: App, people: dict[str, str]) -> None:
    """A 5xx refusal at send time suppresses only when it says the address does not exist;
    a policy refusal adds to the soft score."""
    with app.database.session() as session:
        handler = app.bounce_handler(session)
        store = app.subscriber_store(session)
        jean, nadia = store.get("jean.martin@orange.fr"), store.get("nadia.benali@cs-montreuil.fr")
        handler.refused(jean.id, 550, "5.7.1 Message rejected as spam", "send:1", NOW)
        handler.refused(nadia.id, 550, "5.1.1 <x>: Recipient address rejected: User unknown",
                        "send:2", NOW)  # fmt: skip
    assert status_of(app, "jean.martin@orange.fr") == "active"
    assert status_of(app, "nadia.benali@cs-montreuil.fr") == "bounced"
