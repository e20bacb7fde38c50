"""Understanding messages that come back: bounces (DSN, RFC 3464, and the non-standard
formats real servers send, via flufl.bounce), complaints (ARF, RFC 5965) and the rest
(auto-replies, out-of-office), which are ignored.

Hard or soft follows the RFC 3463 status code when there is one: class 5 is hard, except
a full mailbox (5.2.2), a message too big (5.3.4) and policy refusals (5.7.x), which may pass
later; class 4 is soft. Without a code, flufl.bounce's permanent / temporary split decides.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses

from flufl.bounce import all_failures

STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
SOFT_FIVES = (("2", "2"), ("3", "4"))
AUTO_REPLY_SUBJECT = re.compile(
    r"(absence|absent|out of (the )?office|r[ée]ponse automatique|automatic reply|"
    r"auto[- ]?reply|autoreply|vacances|cong[ée]s)",
    re.IGNORECASE,
)
# Headers of a returned message that may carry the VERP address it was sent to.
VERP_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")


@dataclass(frozen=True)
class Failure:
    address: str
    kind: str  # hard, soft, complaint
    status: str = ""
    diagnostic: str = ""


@dataclass(frozen=True)
class DeliveryReport:
    message_id: str
    kind: str  # bounce, complaint, ignored
    failures: tuple[Failure, ...]
    verp_candidates: tuple[str, ...]  # addresses that may be our signed VERP address


def read_report(message: Message, raw: bytes = b"") -> DeliveryReport:
    message_id = (message.get("Message-ID") or "").strip() or (
        "sha256:" + hashlib.sha256(raw or message.as_bytes()).hexdigest()
    )
    verp = _verp_candidates(message)
    if _is_feedback_report(message):
        return _complaint(message, message_id, verp)
    failures = _bounces(message)
    if failures and not _is_auto_reply(message):
        return DeliveryReport(message_id, "bounce", failures, verp)
    return DeliveryReport(message_id, "ignored", (), verp)


def classify_status(code: str) -> str:
    """``hard`` or ``soft`` for an RFC 3463 status code."""
    klass, subject, detail = code.split(".")
    if klass == "5" and subject != "7" and (subject, detail) not in SOFT_FIVES:
        return "hard"
    return "soft"


def _is_feedback_report(message: Message) -> bool:
    return (
        message.get_content_type() == "multipart/report"
        and str(message.get_param("report-type") or "").lower() == "feedback-report"
    )


def _is_auto_reply(message: Message) -> bool:
    """An out-of-office reply that a lenient detector took for a bounce (real bounces carry
    ``Auto-Submitted: auto-replied`` too, so only the subject tells)."""
    if message.get_content_type() == "multipart/report":
        return False
    subject = str(make_header(decode_header(str(message.get("Subject") or ""))))
    return bool(AUTO_REPLY_SUBJECT.search(subject))


def _complaint(message: Message, message_id: str, verp: tuple[str, ...]) -> DeliveryReport:
    """ARF: the complained-about recipient, from the report or the returned message."""
    report = _part(message, "message/feedback-report")
    fields = _fields(report)
    if fields.get("feedback-type", "abuse").lower() == "not-spam":
        return DeliveryReport(message_id, "ignored", (), verp)
    original = _part(message, "message/rfc822") or _part(message, "text/rfc822-headers")
    headers = _fields(original)
    recipient = fields.get("original-rcpt-to") or headers.get("to", "")
    addresses = [address for _, address in getaddresses([recipient]) if "@" in address]
    returned = [address for _, address in getaddresses([headers.get("return-path", "")])]
    failures = tuple(Failure(address, "complaint") for address in addresses[:1])
    return DeliveryReport(message_id, "complaint", failures, (*returned, *verp))


def _bounces(message: Message) -> tuple[Failure, ...]:
    temporary, permanent = all_failures(message)
    statuses = _dsn_statuses(message)
    found: dict[str, Failure] = {}
    for raw, default in [*((a, "soft") for a in temporary), *((a, "hard") for a in permanent)]:
        address = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        status, diagnostic = statuses.get(address.lower(), ("", ""))
        kind = classify_status(status) if status else default
        found.setdefault(address.lower(), Failure(address, kind, status, diagnostic))
    return tuple(found[key] for key in sorted(found))


def _dsn_statuses(message: Message) -> dict[str, tuple[str, str]]:
    """Per-recipient status codes and diagnostics of the message/delivery-status parts."""
    statuses: dict[str, tuple[str, str]] = {}
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload() or []:
            if not isinstance(block, Message):
                continue
            recipient = block.get("Original-Recipient") or block.get("Final-Recipient") or ""
            address = recipient.partition(";")[2].strip().strip("<>").lower()
            diagnostic = " ".join(str(block.get("Diagnostic-Code") or "").split())
            diagnostic = diagnostic.partition(";")[2].strip() or diagnostic
            code = STATUS.search(str(block.get("Status") or ""))
            precise = STATUS.search(diagnostic)  # "5.0.0" often hides "550 5.7.1" here
            if code and precise and code.group(0).endswith(".0.0"):
                code = precise
            if address and code:
                statuses[address] = (code.group(0), diagnostic[:500])
    return statuses


def _verp_candidates(message: Message) -> tuple[str, ...]:
    values = [str(value) for name in VERP_HEADERS for value in message.get_all(name) or []]
    return tuple(address for _, address in getaddresses(values) if "@" in address)


def _part(message: Message, content_type: str) -> Message | None:
    return next((p for p in message.walk() if p.get_content_type() == content_type), None)


def _fields(part: Message | None) -> dict[str, str]:
    """Header fields of a report part or of a returned message, lowercased names."""
    if part is None:
        return {}
    payload = part.get_payload()
    if isinstance(payload, list):  # message/* parts hold parsed messages
        blocks = [block for block in payload if isinstance(block, Message)]
        return {k.lower(): str(v) for block in blocks for k, v in block.items()}
    text = payload if isinstance(payload, str) else ""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        if colon and name and not name[0].isspace():
            fields.setdefault(name.strip().lower(), value.strip())
    return fields
