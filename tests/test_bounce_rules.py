"""Bounce classification rules, one by one, on small messages (no database)."""

from __future__ import annotations

import email
from pathlib import Path

import pytest

from subscribers.delivery_reports import DeliveryReport, read_report, refusal_kind
from subscribers.diagnostics import classify

DATA = Path(__file__).parent / "data" / "bounces"


def report(raw: str) -> DeliveryReport:
    data = raw.replace("\n", "\r\n").encode()
    return read_report(email.message_from_bytes(data), data)


def dsn(status: str, diagnostic: str, action: str = "failed", notification: str = "") -> str:
    return f"""From: MAILER-DAEMON@relay.example.org
To: bounces+1-0123456789abcdef0123@lettre.example.org
Subject: Undelivered Mail Returned to Sender
Message-ID: <dsn-{status}-{action}@relay.example.org>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

{notification or "Your message could not be delivered."}

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.example.org

Final-Recipient: rfc822; lecteur@exemple.fr
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {diagnostic}

--B
Content-Type: message/rfc822

From: La Lettre <lettre@example.org>
To: lecteur@exemple.fr
Message-ID: <e7.r42.0123456789ab@example.org>
Subject: La Lettre

Retrouvez nos fiches. Un lien de désabonnement : user unknown n'existe pas.
--B--
"""


@pytest.mark.parametrize("status", ["5.1.1", "5.1.2", "5.1.3", "5.1.10"])
def test_addressing_codes_are_hard(status: str) -> None:
    """A 5.1.1 / 5.1.2 / 5.1.3 / 5.1.10 status is strong evidence: hard."""
    assert report(dsn(status, f"550 {status} Recipient address rejected")).verdict == "hard"


@pytest.mark.parametrize(
    ("status", "diagnostic"),
    [
        ("", "Delivery failed"),
        ("5.0.0", "550 Requested action not taken: mailbox unavailable"),
        ("5.2.0", "550 5.2.0 message rejected"),
        ("5.1.8", "553 5.1.8 sender domain does not resolve"),
        ("5.2.1", "550 5.2.1 rate limit exceeded for this mailbox"),
    ],
)
def test_no_code_and_vague_codes_are_soft(status: str, diagnostic: str) -> None:
    """No status code, 5.0.0 and other codes without user-unknown wording are soft."""
    assert classify(status, diagnostic) == "soft"


@pytest.mark.parametrize(
    ("status", "diagnostic"),
    [
        ("5.7.1", "554 5.7.1 Message rejected as spam by Content Filtering"),
        ("5.7.1", "521 5.7.1 client [203.0.113.5] blocked using dnsbl.sorbs.net"),
        ("5.7.26", "550 5.7.26 Unauthenticated email is not accepted from this domain"),
        ("5.0.0", "550 mwinf5c04 ME Adresse IP source bloquee pour incident de spam"),
        ("5.3.4", "552 5.3.4 Message size exceeds fixed limit"),
    ],
)
def test_content_policy_reputation_refusals_are_soft(status: str, diagnostic: str) -> None:
    """Refusals for content, policy, reputation, authentication or size are soft."""
    assert report(dsn(status, diagnostic)).verdict == "soft"


@pytest.mark.parametrize(
    ("status", "diagnostic"),
    [
        ("5.2.2", "552 5.2.2 Mailbox full"),
        ("5.1.1", "550 5.1.1 user over quota"),
        ("5.0.0", "550 5.0.0 boite aux lettres pleine"),
        ("4.4.7", "Message expired after 5 days, retry timeout exceeded"),
        ("4.1.1", "450 4.1.1 Recipient address rejected: User unknown"),
    ],
)
def test_temporary_failures_are_soft(status: str, diagnostic: str) -> None:
    """Full mailbox, quota, expiry and any class-4 status are soft, whatever else is said."""
    assert report(dsn(status, diagnostic)).verdict == "soft"


@pytest.mark.parametrize(
    "diagnostic",
    [
        "550 User unknown in local recipient table",
        "550 5.1.1 The email account that you tried to reach does not exist",
        "554 delivery error: dd This user doesn't have a yahoo.com account",
        "550 Utilisateur inconnu",
        "550 Adresse destinataire inexistante",
        "550 Cette adresse n'existe pas",
        "550 Le compte du destinataire est désactivé",
        "550 Empfänger unbekannt",
        "550 Usuario desconocido",
        "550 Utente sconosciuto",
        "550 5.2.1 The email account that you tried to reach is disabled",
        "Host or domain name not found. Name service error for name=exemple.invalid type=A",
        'Unrouteable mail domain "exemple.invalid"',
    ],
)
def test_unknown_user_domain_or_disabled_wording_is_hard(diagnostic: str) -> None:
    """User-unknown, no-such-domain and mailbox-disabled wording in the main languages is
    strong evidence, even under a vague 5.0.0."""
    assert report(dsn("5.0.0", diagnostic)).verdict == "hard"


def test_temporary_dns_failure_is_soft() -> None:
    """Postfix's "Host not found, try again" is a temporary DNS failure: soft."""
    diagnostic = "Name service error for domain exemple.fr: Host not found, try again"
    assert classify("5.0.0", diagnostic) == "soft"


def test_returned_message_does_not_count() -> None:
    """Words of the returned newsletter (here "user unknown") never make a bounce hard."""
    found = report(dsn("5.0.0", "552 Mailbox is full"))
    assert found.verdict == "soft"
    notification = dsn("", "", notification="Delivery failed.\n----- Original message -----\n"
                       "user unknown")  # fmt: skip
    assert classify("", notification.split("Original message")[0]) == "soft"


@pytest.mark.parametrize("action", ["delivered", "relayed", "expanded", "delayed"])
def test_delivery_and_delay_notifications_are_ignored(action: str) -> None:
    """A DSN saying delivered, relayed, expanded or delayed is no failure: ignored."""
    found = report(dsn("2.0.0" if action != "delayed" else "4.4.1", "250 OK", action))
    assert (found.kind, found.failures) == ("ignored", ())


def test_amazon_ses_delivery_notification_is_ignored() -> None:
    """An Amazon SES "Delivery" notification names an address but is no bounce."""
    raw = (DATA / "sisimai" / "email-amazonses-12.eml").read_bytes()
    assert read_report(email.message_from_bytes(raw), raw).kind == "ignored"


def test_auto_reply_is_ignored() -> None:
    """An out-of-office reply is ignored even when it quotes a failure."""
    found = report("From: lecteur@exemple.fr\nTo: lettre@example.org\n"
                   "Subject: Réponse automatique : absent jusqu'au 3 janvier\n"
                   "Auto-Submitted: auto-replied\n\nUser unknown? No, on holiday.\n")  # fmt: skip
    assert found.kind == "ignored"


def arf(to: str, rcpt: str = "", kind: str = "abuse") -> str:
    original_rcpt = f"Original-Rcpt-To: {rcpt}\n" if rcpt else ""
    return f"""From: fbl@fai.example.net
To: bounces@lettre.example.org
Subject: Abuse report
Message-ID: <fbl-{kind}-{to}@fai.example.net>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="F"

--F
Content-Type: text/plain

This is an email abuse report.

--F
Content-Type: message/feedback-report

Feedback-Type: {kind}
Version: 1
{original_rcpt}
--F
Content-Type: message/rfc822

From: La Lettre <lettre@example.org>
To: {to}
Message-ID: <e7.r42.0123456789ab@example.org>
Feedback-ID: e7:lettre:newsletter:lettre

La Lettre
--F--
"""


def test_standard_complaint_names_its_recipient() -> None:
    """An ARF abuse report names the recipient of the returned message."""
    [failure] = report(arf("lecteur@exemple.fr")).failures
    assert (failure.kind, failure.address) == ("complaint", "lecteur@exemple.fr")


@pytest.mark.parametrize("to", ["redacted@exemple.fr", "xxxxxxxx@exemple.fr",
                                "undisclosed-recipients:;", '"undisclosed recipient"'])  # fmt: skip
def test_redacted_complaint_keeps_message_and_feedback_ids(to: str) -> None:
    """A complaint whose recipient is redacted names nobody but keeps the Message-ID and
    Feedback-ID it returns, to be matched by them."""
    found = report(arf(to))
    assert found.kind == "complaint"
    assert [failure.address for failure in found.failures] == [""]
    assert found.original_message_id == "<e7.r42.0123456789ab@example.org>"
    assert found.feedback_id == "e7:lettre:newsletter:lettre"


def test_forwarded_complaint_is_recognised() -> None:
    """An ARF report forwarded as a message/rfc822 inside a multipart is still a complaint."""
    forwarded = ("From: postmaster@fai.example.net\nTo: bounces@lettre.example.org\n"
                 "Subject: Fwd: Abuse report\nMIME-Version: 1.0\n"
                 'Content-Type: multipart/mixed; boundary="M"\n\n--M\nContent-Type: text/plain\n\n'
                 "See the attached report.\n--M\nContent-Type: message/rfc822\n\n")  # fmt: skip
    found = report(forwarded + arf("", rcpt="lecteur@exemple.fr") + "\n--M--\n")
    assert found.kind == "complaint"
    assert [failure.address for failure in found.failures] == ["lecteur@exemple.fr"]


@pytest.mark.parametrize("kind", ["not-spam", "auth-failure", "virus"])
def test_other_feedback_reports_are_ignored(kind: str) -> None:
    """Feedback reports that are not complaints (not-spam, DMARC failures…) are ignored."""
    assert report(arf("lecteur@exemple.fr", kind=kind)).kind == "ignored"


def test_send_time_refusals_follow_the_same_rules() -> None:
    """A 5xx at send time is hard only on strong evidence, like a bounce message."""
    unknown = "5.1.1 <a@exemple.fr>: Recipient address rejected: User unknown"
    assert refusal_kind(550, unknown) == "hard"
    assert refusal_kind(550, "5.7.1 Message rejected as spam") == "soft"
    assert refusal_kind(None, "") == "soft"
