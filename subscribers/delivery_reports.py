"""Understanding messages that come back: bounces, complaints and the rest.

- Bounces: DSN (RFC 3464) recipients whose action is ``failed``; without a DSN, the
  addresses flufl.bounce finds in the non-standard formats real servers send (its
  "temporary" findings are delay warnings, ignored). Each failure is hard or soft by
  ``subscribers.diagnostics``: hard only on strong evidence.
- Complaints: ARF (RFC 5965) reports of type ``abuse`` or ``fraud``, at the top of the
  message or forwarded inside it (``message/rfc822``). A redacted recipient (masked,
  hashed, missing) is left empty: the report is then matched by VERP or by the Message-ID
  and Feedback-ID of our message that it returns.
- Ignored: delivery notifications (DSN ``delivered``/``relayed``/``expanded``, Amazon SES
  "Delivery" notifications), delay warnings, auto-replies and out-of-office messages, other
  feedback reports (``not-spam``, ``auth-failure``…) and anything without a failure.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from email.header import Header, decode_header, make_header
from email.message import Message
from email.utils import getaddresses

from subscribers.diagnostics import classify, precise_status

AUTO_REPLY_SUBJECT = re.compile(
    r"(absence|absent|out of (the )?office|r[ée]ponse automatique|automatic reply|"
    r"auto[- ]?reply|autoreply|auto[- ]?respon|vacances|vacation|cong[ée]s|abwesenheit|"
    r"respuesta autom[aá]tica|risposta automatica)",
    re.IGNORECASE,
)
AUTO_REPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress")
FAILED_ACTIONS = ("failed", "failure", "error")
COMPLAINT_TYPES = ("abuse", "fraud")
# Where a notification's own words end and the returned message begins.
RETURNED = re.compile(
    r"^\s*(-+ ?(original message|below this line|this is a copy|undelivered message|"
    r"the original message|returned (mail|message))|original message (follows|as received)"
    r"|the first \d+ lines of your original message|your message reads|received: |"
    r"return-path: )",
    re.IGNORECASE | re.MULTILINE,
)
REDACTED = re.compile(r"^(redacted|undisclosed.*|x+|\*+|[0-9a-f]{32}|[0-9a-f]{40})$", re.I)
# Headers of a returned message that may carry the VERP address it was sent to.
VERP_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To")


@dataclass(frozen=True)
class Failure:
    address: str  # empty when a complaint's recipient is redacted
    kind: str  # hard, soft, complaint
    status: str = ""
    diagnostic: str = ""


@dataclass(frozen=True)
class DeliveryReport:
    message_id: str
    kind: str  # bounce, complaint, ignored
    failures: tuple[Failure, ...]
    verp_candidates: tuple[str, ...]  # addresses that may be our signed VERP address
    original_message_id: str = ""  # of our message that came back, when it is returned
    feedback_id: str = ""  # its Feedback-ID

    @property
    def verdict(self) -> str:
        """What the message amounts to: complaint, hard (any recipient), soft or ignore."""
        kinds = {failure.kind for failure in self.failures}
        return next((kind for kind in ("complaint", "hard", "soft") if kind in kinds), "ignore")


def read_report(message: Message, raw: bytes = b"") -> DeliveryReport:
    message_id = _text(message.get("Message-ID")).strip() or (
        "sha256:" + hashlib.sha256(raw or message.as_bytes()).hexdigest()
    )
    verp = _verp_candidates(message)
    feedback = _feedback_report(message)
    if feedback is not None:
        return _complaint(feedback, message_id, verp)
    returned = _fields(_part(message, "message/rfc822") or _part(message, "text/rfc822-headers"))
    original = (returned.get("message-id", ""), returned.get("feedback-id", ""))
    ignored = _is_auto_reply(message) or _is_delivery_notification(message)
    failures = () if ignored else _bounces(message)
    return DeliveryReport(message_id, "bounce" if failures else "ignored", failures,
                          verp, *original)  # fmt: skip


def refusal_kind(code: int | None, reply: str) -> str:
    """``hard`` or ``soft`` for a recipient the relay refused at send time (5xx)."""
    return classify("", f"{code or ''} {reply}")


def _bounces(message: Message) -> tuple[Failure, ...]:
    dsn = _dsn_recipients(message)
    if dsn is not None:
        return dsn
    from flufl.bounce import all_failures  # only for a report without a DSN: light start-up

    _temporary, permanent = all_failures(message)  # without a DSN: delays are ignored
    text = _notification_text(message)
    diagnostic = " ".join(text.split())[:500]
    found: dict[str, Failure] = {}
    for raw in permanent:
        address = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        if "@" in address:
            kind = classify("", text)
            found.setdefault(address.lower(), Failure(address, kind, "", diagnostic))
    return tuple(found[key] for key in sorted(found))


def _dsn_recipients(message: Message) -> tuple[Failure, ...] | None:
    """The failed recipients of the message/delivery-status parts; None without a DSN
    naming any address (then the heuristics of flufl.bounce decide)."""
    found: dict[str, Failure] = {}
    named = False
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in part.get_payload() or []:
            if not isinstance(block, Message):
                continue
            recipient = str(block.get("Original-Recipient") or block.get("Final-Recipient") or "")
            address = (recipient.partition(";")[2] or recipient).strip().strip("<>")
            if "@" not in address:
                continue
            named = True
            action = str(block.get("Action") or "failed").strip().lower()
            if not action.startswith(FAILED_ACTIONS):
                continue  # delivered, relayed, expanded, delayed
            diagnostic = " ".join(_text(block.get("Diagnostic-Code")).split())
            diagnostic = diagnostic.partition(";")[2].strip() or diagnostic
            status = _text(block.get("Status"))
            words = diagnostic or " ".join(_notification_text(message).split())
            kind = classify(status.strip(), f"{status} {words}")
            failure = Failure(address, kind, precise_status(status, diagnostic), words[:500])
            found.setdefault(address.lower(), failure)
    return tuple(found[key] for key in sorted(found)) if named else None


def _text(value: object) -> str:
    """A report field as text, its raw 8-bit bytes (if any) read as UTF-8."""
    if not isinstance(value, Header):
        return str(value or "")
    return "".join(
        chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else chunk
        for chunk, _charset in decode_header(value)
    )


def _notification_text(message: Message) -> str:
    """The human-readable words of a notification: its text parts, without the returned
    message (which may say anything)."""
    texts = []
    for part in _own_parts(message):
        if part.get_content_maintype() == "text" and part.get_content_subtype() != "rfc822-headers":
            payload = part.get_payload(decode=True)
            charset = part.get_content_charset() or "utf-8"
            if isinstance(payload, bytes):
                texts.append(payload.decode(charset if _known(charset) else "utf-8", "replace"))
    text = "\n".join(texts)
    cut = RETURNED.search(text, 1)
    return text[: cut.start()] if cut else text


def _own_parts(message: Message) -> list[Message]:
    """Leaf parts of the message itself, not those of a message it attaches."""
    if message.get_content_type() in ("message/rfc822", "message/delivery-status"):
        return []
    if not message.is_multipart():
        return [message]
    parts = [part for part in message.get_payload() if isinstance(part, Message)]
    return [leaf for part in parts for leaf in _own_parts(part)]


def _known(charset: str) -> bool:
    try:
        "".encode(charset)
    except LookupError:
        return False
    return True


def _is_auto_reply(message: Message) -> bool:
    """An out-of-office reply (real bounces carry ``Auto-Submitted: auto-replied`` too, so
    only the subject and the auto-responders' own headers tell)."""
    if message.get_content_type() == "multipart/report":
        return False
    if any(message.get(name) for name in AUTO_REPLY_HEADERS):
        return True
    if _text(message.get("Precedence")).strip().lower() == "auto_reply":
        return True
    subject = str(make_header(decode_header(str(message.get("Subject") or ""))))
    return bool(AUTO_REPLY_SUBJECT.search(subject))


def _is_delivery_notification(message: Message) -> bool:
    """An Amazon SES notification (JSON sent by SNS) that a message was delivered."""
    if message.get_content_type() != "text/plain":
        return False
    payload = message.get_payload(decode=True)
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    first = next((line for line in text.splitlines() if line.startswith("{")), "")
    try:
        notification = json.loads(first)
    except ValueError:
        return False
    return isinstance(notification, dict) and notification.get("notificationType") == "Delivery"


def _feedback_report(message: Message) -> Message | None:
    """The ARF report: the message itself or a report forwarded inside it."""
    for part in message.walk():
        report_type = str(part.get_param("report-type") or "").lower()
        if part.get_content_type() == "multipart/report" and report_type == "feedback-report":
            return part
    return None


def _complaint(report: Message, message_id: str, verp: tuple[str, ...]) -> DeliveryReport:
    """The complained-about recipient from the report or the returned message, unless it is
    redacted; the returned message's Return-Path (our VERP address), Message-ID and
    Feedback-ID to match it by."""
    fields_part = _part(report, "message/feedback-report")
    payload = fields_part.get_payload() if fields_part else None
    block = payload[0] if isinstance(payload, list) and payload else None
    fields = block if isinstance(block, Message) else Message()
    feedback_type = str(fields.get("Feedback-Type") or "abuse").strip().lower()
    if feedback_type not in COMPLAINT_TYPES:
        return DeliveryReport(message_id, "ignored", (), verp)
    headers = _fields(_part(report, "message/rfc822") or _part(report, "text/rfc822-headers"))
    recipients = [str(value) for value in fields.get_all("Original-Rcpt-To") or []]
    addresses = [
        address for _, address in getaddresses([*recipients, headers.get("to", "")])
        if "@" in address and not REDACTED.match(address.partition("@")[0])
    ]  # fmt: skip
    returned = [address for _, address in getaddresses([headers.get("return-path", "")])]
    failure = Failure(addresses[0] if addresses else "", "complaint", "", feedback_type)
    original = (headers.get("message-id", ""), headers.get("feedback-id", ""))
    return DeliveryReport(message_id, "complaint", (failure,), (*returned, *verp), *original)


def _verp_candidates(message: Message) -> tuple[str, ...]:
    values = [str(value) for name in VERP_HEADERS for value in message.get_all(name) or []]
    return tuple(address for _, address in getaddresses(values) if "@" in address)


def _part(message: Message | None, content_type: str) -> Message | None:
    if message is None:
        return None
    return next((p for p in message.walk() if p.get_content_type() == content_type), None)


def _fields(part: Message | None) -> dict[str, str]:
    """Header fields of a returned message (or of its headers part), lowercased names."""
    if part is None:
        return {}
    payload = part.get_payload()
    if isinstance(payload, list):  # message/rfc822 parts hold the parsed message
        blocks = [block for block in payload[:1] if isinstance(block, Message)]
        return {k.lower(): str(v).strip() for block in blocks for k, v in block.items()}
    text = payload if isinstance(payload, str) else ""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        if colon and name and not name[0].isspace():
            fields.setdefault(name.strip().lower(), value.strip())
    return fields
