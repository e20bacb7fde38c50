"""Per-recipient messages as bytes, assembled from parts prepared once per edition.

``MessageFactory`` is built once per edition from the edition's values; it encodes the
header fields that are the same for everyone (From, Subject, List-Id…) once. The send path
prepares each variant's bodies once (``bodies()``, see dispatch.bodies); ``compose(recipient,
bodies, values)`` then only encodes what is personal (Message-ID, Date, To, List-Unsubscribe,
the personal values in the bodies) and joins byte strings: no ``email.message`` object is
built or serialised per recipient (see benchmarks/bench_message.py). ``build(recipient,
html, text)`` does the same from finished texts (test sends, preview files).

The result is an RFC 5322 message with CRLF line endings; the HTML and text bodies are UTF-8,
sent as ``8bit`` when every line fits in 998 octets and as quoted-printable otherwise. The
envelope sender (``Recipient.envelope_sender``) is the subscriber's signed VERP address
(``subscribers.tokens``), so that a bounce names its recipient.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

from newsletter.db import utcnow
from newsletter.dispatch.bodies import Bodies, Part, encode_part
from newsletter.dispatch.headers import field, mailbox, phrase, unstructured
from newsletter.rendering.personalise import PersonalValues
from newsletter.rendering.renderer import Rendered

_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}")
_OUR_MESSAGE_ID = re.compile(r"<e(\d{1,18})\.([A-Za-z0-9_-]{1,64})\.([0-9a-f]{12})@")
_OUR_FEEDBACK_ID = re.compile(r"e(\d{1,18}):[^:]*:newsletter:")
_MAX_URL = 900
# RFC 8058: the one-click unsubscribe URL is HTTPS; plain HTTP only on this machine (trials).
_LOOPBACK = ("http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://localhost/")


def one_click_url(url: str) -> bool:
    """Whether ``url`` may be a List-Unsubscribe one-click address."""
    return url.startswith(("https://", *_LOOPBACK))


@dataclass(frozen=True, slots=True)
class Recipient:
    """What differs from one recipient to the next.

    ``key`` identifies the recipient within the edition (e.g. ``"r42"`` for subscriber 42;
    a test send uses another key so that its Message-ID differs from the real one's).
    ``unsubscribe_url`` is the one-click https address (RFC 8058), ``unsubscribe_mailto``
    an optional ``mailto:`` alternative, ``envelope_sender`` the VERP address given to the
    transport (it does not appear in the message).
    """

    key: str
    email: str
    name: str = ""
    unsubscribe_url: str = ""
    unsubscribe_mailto: str = ""
    envelope_sender: str = ""

    def __post_init__(self) -> None:
        if not _KEY.fullmatch(self.key):
            raise ValueError(f"recipient key {self.key!r}: letters, digits, - and _ only")
        _check_single_token(
            f"recipient {self.key}",
            self.email,
            self.unsubscribe_url,
            self.unsubscribe_mailto,
            self.envelope_sender,
        )
        if "@" not in self.email:
            raise ValueError(f"recipient {self.key}: not an address {self.email!r}")
        if self.unsubscribe_url and not one_click_url(self.unsubscribe_url):
            raise ValueError(f"recipient {self.key}: the unsubscribe URL must be https")
        if self.unsubscribe_mailto and not self.unsubscribe_mailto.startswith("mailto:"):
            raise ValueError(f"recipient {self.key}: the unsubscribe address must be mailto:")


@dataclass(frozen=True)
class EditionHeaders:
    """What is the same for every recipient of an edition's variant.

    ``list_id`` is the list identifier of RFC 2919 (``reaap.lettre.example.org``);
    ``feedback_id`` the whole Feedback-ID value (see ``feedback_id()``); the Message-ID
    domain defaults to the sender's.
    """

    id: int
    subject: str
    sender_name: str
    sender_address: str
    list_name: str
    list_id: str
    reply_to: str = ""
    archive_url: str = ""
    feedback_id: str = ""
    message_id_domain: str = ""

    def __post_init__(self) -> None:
        _check_single_token(
            f"edition {self.id}",
            self.sender_address,
            self.list_id,
            self.reply_to,
            self.archive_url,
            self.feedback_id,
            self.message_id_domain,
        )
        if "@" not in self.sender_address:
            raise ValueError(f"edition {self.id}: not an address {self.sender_address!r}")


def _check_single_token(owner: str, *values: str) -> None:
    """Addresses, URLs and ids go into headers and SMTP commands as they are: no line
    breaks, spaces or angle brackets (header injection), and short enough for one line."""
    for value in values:
        if len(value) > _MAX_URL or any(char in value for char in "\r\n<> "):
            raise ValueError(f"{owner}: invalid header value {value!r}")


def feedback_id(edition_id: int, list_key: str, sender: str) -> str:
    """``campaign:list:type:sender`` (the order mailbox providers read); nothing personal."""
    return f"e{edition_id}:{list_key}:newsletter:{sender}"


_SUBSCRIBER_KEY = re.compile(r"r(\d{1,18})")


def subscriber_key(subscriber_id: int) -> str:
    """The recipient key of a newsletter send to a subscriber (test sends use others)."""
    return f"r{subscriber_id}"


def key_subscriber(key: str) -> int | None:
    """The subscriber a recipient key names, or None (a test send, a preview)."""
    found = _SUBSCRIBER_KEY.fullmatch(key)
    return int(found[1]) if found else None


def parse_message_id(value: str, id_keys: Sequence[bytes]) -> tuple[int, str] | None:
    """The edition and recipient key of a Message-ID we made (its MAC checked against every
    key, so that a forged one names nobody); None for any other Message-ID."""
    found = _OUR_MESSAGE_ID.search(value)
    if found is None:
        return None
    edition_id, key, mac = int(found[1]), found[2], found[3]
    if any(hmac.compare_digest(mac, _message_id_mac(k, edition_id, key)) for k in id_keys):
        return edition_id, key
    return None


def feedback_edition(value: str) -> int | None:
    """The edition a Feedback-ID made by ``feedback_id()`` names."""
    found = _OUR_FEEDBACK_ID.match(value.strip())
    return int(found[1]) if found else None


def _message_id_mac(id_key: bytes, edition_id: int, key: str) -> str:
    seed = f"{edition_id}.{key}".encode("ascii")
    return hmac.new(id_key, seed, hashlib.sha256).hexdigest()[:12]


class MessageFactory:
    """Builds the bytes of each recipient's message for one edition variant.

    ``id_key`` is a secret mixed into Message-IDs (same inputs, same id; another
    installation, other ids). ``clock`` gives the Date (injectable for golden tests).
    Thread-safe: ``build`` only reads the factory.
    """

    def __init__(
        self,
        edition: EditionHeaders,
        id_key: bytes,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.edition = edition
        self._id_key = id_key
        self._clock = clock
        domain = edition.message_id_domain or edition.sender_address.rpartition("@")[2]
        self._id_suffix = f"@{domain}>"
        mac = hmac.new(id_key, f"boundary.{edition.id}".encode(), hashlib.sha256)
        self.boundary = f"=_lettre_{edition.id}_{mac.hexdigest()[:16]}"
        self._boundary_bytes = self.boundary.encode("ascii")
        self._sender_fields = field("From", mailbox(edition.sender_name, edition.sender_address))
        if edition.reply_to:
            self._sender_fields += field("Reply-To", edition.reply_to)
        self._topic_fields = b"".join(
            [
                field("Subject", unstructured(edition.subject)),
                b"MIME-Version: 1.0\r\n",
                field("List-Id", f"{phrase(edition.list_name)} <{edition.list_id}>"),
            ]
        )
        list_fields = [b"Precedence: bulk\r\n"]
        if edition.archive_url:
            list_fields.insert(0, field("List-Archive", f"<{edition.archive_url}>"))
        if edition.feedback_id:
            list_fields.append(field("Feedback-ID", edition.feedback_id))
        self._list_fields = b"".join(list_fields)
        self._alternative = (
            f'Content-Type: multipart/alternative; boundary="{self.boundary}"\r\n\r\n'
            f"--{self.boundary}\r\n"
        ).encode("ascii")
        self._between = f"\r\n--{self.boundary}\r\n".encode("ascii")
        self._end = f"\r\n--{self.boundary}--\r\n".encode("ascii")
        self._date: tuple[datetime, bytes] | None = None

    def message_id(self, recipient: Recipient) -> str:
        """``<e{edition}.{key}.{mac}@{domain}>``: the same for the same edition and key."""
        mac = _message_id_mac(self._id_key, self.edition.id, recipient.key)
        return f"<e{self.edition.id}.{recipient.key}.{mac}{self._id_suffix}"

    def build(self, recipient: Recipient, html: str | None, text: str) -> bytes:
        """The complete message from finished texts; ``html=None`` gives text/plain only."""
        boundary = self._boundary_bytes
        return self._assemble(
            recipient,
            encode_part("plain", text, boundary),
            None if html is None else encode_part("html", html, boundary),
        )

    def bodies(self, rendered: Rendered, text_only: bool) -> Bodies:
        """A variant's parts prepared for ``compose`` (once per variant and format)."""
        return Bodies.of(rendered, text_only, self._boundary_bytes)

    def compose(self, recipient: Recipient, bodies: Bodies, values: PersonalValues) -> bytes:
        """The complete message of the send path: prepared parts filled with ``values``."""
        html = None if bodies.html is None else bodies.html.fill(values)
        return self._assemble(recipient, bodies.text.fill(values), html)

    def _assemble(self, recipient: Recipient, text: Part, html: Part | None) -> bytes:
        head = [
            self._date_field(),
            b"Message-ID: " + self.message_id(recipient).encode("ascii") + b"\r\n",
            self._sender_fields,
            field("To", mailbox(recipient.name, recipient.email)),
            self._topic_fields,
        ]
        if recipient.unsubscribe_url:
            links = [f"<{recipient.unsubscribe_url}>"]
            if recipient.unsubscribe_mailto:
                links.append(f"<{recipient.unsubscribe_mailto}>")
            head.append(field("List-Unsubscribe", ", ".join(links)))
            head.append(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
        head.append(self._list_fields)
        if html is None:
            ending = b"" if text[1].endswith(b"\r\n") else b"\r\n"
            return b"".join([*head, *text, ending])
        return b"".join([*head, self._alternative, *text, self._between, *html, self._end])

    def _date_field(self) -> bytes:
        now = self._clock().replace(microsecond=0)
        cached = self._date
        if cached is None or cached[0] != now:
            cached = (now, f"Date: {format_datetime(now)}\r\n".encode("ascii"))
            self._date = cached
        return cached[1]
