"""Per-recipient messages: RFC 5322 / 2369 / 2919 / 8058 headers, MIME structure, VERP, DKIM."""

from __future__ import annotations

import base64
import email
import email.policy
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from newsletter.dispatch.dkim import DkimSigner, dkim_signer
from newsletter.dispatch.message import (
    EditionHeaders,
    MessageFactory,
    Recipient,
    feedback_id,
)
from newsletter.errors import ConfigError
from newsletter.settings import DkimSettings

NOW = datetime(2026, 11, 21, 9, 30, 12, tzinfo=UTC)
EDITION = EditionHeaders(
    id=42,
    subject="La Lettre n° 42 — été des quartiers : « participation » et réussite éducative",
    sender_name="Profession Banlieue",
    sender_address="lettre@professionbanlieue.org",
    list_name="Lettre de Profession Banlieue",
    list_id="lettre.lettre.professionbanlieue.org",
    reply_to="contact@professionbanlieue.org",
    archive_url="https://lettre.professionbanlieue.org/archives/42",
    feedback_id=feedback_id(42, "lettre", "lettre"),
)
HTML = "<html><body><h1>Bonjour Hélène</h1>\n<p>Rencontre à Saint-Denis.</p>\n</body></html>\n"
TEXT = "Bonjour Hélène\n\nRencontre à Saint-Denis.\n"
# RFC 5322 §3.2.3 dot-atom-text
DOT_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"


def factory(**changes: object) -> MessageFactory:
    edition = EditionHeaders(**{**EDITION.__dict__, **changes})  # type: ignore[arg-type]
    return MessageFactory(edition, id_key=b"test-key", clock=lambda: NOW)


def recipient(key: str = "r7", **changes: str) -> Recipient:
    values = {
        "email": "helene.dupont@example.org",
        "name": "Hélène Dupont",
        "unsubscribe_url": f"https://lettre.professionbanlieue.org/u/TOKEN{key}",
        "unsubscribe_mailto": f"mailto:desabonnement+TOKEN{key}@professionbanlieue.org",
        "envelope_sender": f"bounces+{key}-signature@professionbanlieue.org",
    }
    return Recipient(key, **{**values, **changes})


def content(part: EmailMessage) -> str:
    """A text part's decoded content, with the wire's CRLF read as newlines."""
    return str(part.get_content()).replace("\r\n", "\n")


def parse(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def header_block(data: bytes) -> bytes:
    return data.split(b"\r\n\r\n", 1)[0]


def unfolded(data: bytes, name: str) -> str:
    """A header's raw value with folding removed (RFC 5322 §2.2.3)."""
    pattern = rb"^" + name.encode() + rb":[ \t]*((?:.*)(?:\r\n[ \t].*)*)\r\n"
    found = re.findall(pattern, header_block(data) + b"\r\n", re.MULTILINE | re.IGNORECASE)
    assert len(found) == 1, f"{name}: {len(found)} occurrences"
    return re.sub(rb"\r\n(?=[ \t])", b"", found[0]).decode("ascii")


def test_line_endings_and_lengths_follow_rfc_5322() -> None:
    """Every line ends with CRLF (no bare CR or LF) and none exceeds 998 octets; the
    headers stay within 78 characters."""
    data = factory().build(recipient(), HTML * 200, TEXT * 100)
    assert re.search(rb"[^\r]\n|\r[^\n]", data) is None
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 998
    assert all(len(line) <= 78 for line in header_block(data).split(b"\r\n"))


def test_single_instance_headers_appear_once_and_parse() -> None:
    """One Date (parseable, the clock's), one From, To, Subject and Message-ID; the encoded
    subject and display names decode back to the original UTF-8 text."""
    data = factory().build(recipient(), HTML, TEXT)
    message = parse(data)
    for name in ("Date", "From", "To", "Subject", "Message-ID", "Reply-To", "MIME-Version"):
        assert len(message.get_all(name, [])) == 1, name
    assert parsedate_to_datetime(message["Date"]) == NOW
    assert message["Subject"] == EDITION.subject
    assert message["From"].addresses[0].display_name == "Profession Banlieue"
    assert message["From"].addresses[0].addr_spec == "lettre@professionbanlieue.org"
    assert message["To"].addresses[0].display_name == "Hélène Dupont"
    assert message["To"].addresses[0].addr_spec == "helene.dupont@example.org"
    assert message["Reply-To"] == "contact@professionbanlieue.org"
    assert header_block(data).isascii()


@pytest.mark.parametrize(
    "name",
    ["Dupont, Jean", 'Jean "JJ" Dupont', "Zoë Ñúñez-Łukasiewicz " * 4, "M. =?x?= Martin"],
)
def test_display_names_round_trip(name: str) -> None:
    """Display names with specials, quotes, long non-ASCII runs or encoded-word lookalikes
    are quoted or encoded so that a reader gets the same name back."""
    message = parse(factory().build(recipient(name=name), HTML, TEXT))
    # Python's parser keeps the space between adjacent encoded words (RFC 2047 §6.2 drops
    # it; the encoder cuts words after a space so that both readings give the name).
    display_name = message["To"].addresses[0].display_name
    assert " ".join(display_name.split()) == " ".join(name.split())
    assert message["To"].addresses[0].addr_spec == "helene.dupont@example.org"


def test_message_id_is_deterministic_per_edition_and_recipient() -> None:
    """Message-ID is <e{edition}.{key}.{mac}@domain> (RFC 5322 msg-id syntax): the same for
    the same edition and recipient whatever the time, different otherwise."""
    first = parse(factory().build(recipient("r7"), HTML, TEXT))["Message-ID"]
    later = MessageFactory(EDITION, id_key=b"test-key").build(recipient("r7"), HTML, TEXT)
    assert parse(later)["Message-ID"] == first
    assert re.fullmatch(rf"<{DOT_ATOM}@{DOT_ATOM}>", first)
    assert first.startswith("<e42.r7.") and first.endswith("@professionbanlieue.org>")
    others = {
        parse(factory().build(recipient("r8"), HTML, TEXT))["Message-ID"],
        parse(factory(id=43).build(recipient("r7"), HTML, TEXT))["Message-ID"],
        parse(MessageFactory(EDITION, b"other").build(recipient("r7"), HTML, TEXT))["Message-ID"],
    }
    assert first not in others and len(others) == 3


def test_one_click_unsubscribe_follows_rfc_8058() -> None:
    """List-Unsubscribe holds the https URI (and the mailto) in angle brackets, and
    List-Unsubscribe-Post is exactly "List-Unsubscribe=One-Click"."""
    data = factory().build(recipient(), HTML, TEXT)
    value = unfolded(data, "List-Unsubscribe")
    uris = re.findall(r"<([^>]*)>", value)
    assert uris == [
        "https://lettre.professionbanlieue.org/u/TOKENr7",
        "mailto:desabonnement+TOKENr7@professionbanlieue.org",
    ]
    assert unfolded(data, "List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"


def test_list_headers_follow_rfc_2369_and_2919() -> None:
    """List-* fields are comma-separated <URI> lists; List-Id is "phrase <dot-atom>";
    Precedence: bulk and a Feedback-ID without anything personal are present."""
    data = factory().build(recipient(), HTML, TEXT)
    uri_list = re.compile(r"<[^<>\s]+>(?:\s*,\s*<[^<>\s]+>)*")
    for name in ("List-Unsubscribe", "List-Archive"):
        assert uri_list.fullmatch(unfolded(data, name)), name
    assert re.fullmatch(rf"[^<>]+ <{DOT_ATOM}>", unfolded(data, "List-Id"))
    assert unfolded(data, "Precedence") == "bulk"
    feedback = unfolded(data, "Feedback-ID")
    assert feedback == "e42:lettre:newsletter:lettre"
    assert "r7" not in feedback and "helene" not in feedback
    assert b"Auto-Submitted" not in data


def test_multipart_alternative_text_first_then_html() -> None:
    """The body is multipart/alternative: text/plain first, text/html last, both UTF-8,
    and each decodes back to what was rendered."""
    message = parse(factory().build(recipient(), HTML, TEXT))
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in parts)
    assert all(part["Content-Transfer-Encoding"] == "8bit" for part in parts)
    assert content(parts[0]) == TEXT
    assert content(parts[1]) == HTML


def test_text_only_message() -> None:
    """A text-format subscriber gets a single text/plain part, no HTML at all."""
    data = factory().build(recipient(), None, TEXT)
    message = parse(data)
    assert message.get_content_type() == "text/plain"
    assert not message.is_multipart()
    assert content(message) == TEXT
    assert b"text/html" not in data and b"<h1>" not in data


def test_overlong_lines_switch_that_part_to_quoted_printable() -> None:
    """A line over 998 octets makes its part quoted-printable (the other stays 8bit), and it
    still decodes to the exact text."""
    html = "<p>" + "é" * 700 + "</p>\n<p>fin</p>"
    data = factory().build(recipient(), html, TEXT)
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    parts = list(parse(data).iter_parts())
    assert [part["Content-Transfer-Encoding"] for part in parts] == ["8bit", "quoted-printable"]
    assert content(parts[1]) == html
    single = factory().build(recipient(), "x" * 3000, TEXT)
    assert re.search(rb"[^\r]\n", single) is None
    assert content(list(parse(single).iter_parts())[1]) == "x" * 3000


def test_line_endings_are_normalised() -> None:
    """Bare LF, bare CR and CRLF in rendered text all become CRLF on the wire."""
    data = factory().build(recipient(), "a\rb\r\nc\nd", "x\ry\r\nz\n")
    assert re.search(rb"[^\r]\n|\r[^\n]", data) is None
    parts = list(parse(data).iter_parts())
    assert content(parts[0]) == "x\ny\nz\n"
    assert content(parts[1]) == "a\nb\nc\nd"


def test_boundary_inside_content_cannot_break_the_structure() -> None:
    """Content that happens to contain the boundary is quoted-printable encoded, so the
    message still has exactly its two parts."""
    made = factory()
    html = f"<p>--{made.boundary}</p>\n--{made.boundary}--\n"
    parts = list(parse(made.build(recipient(), html, TEXT)).iter_parts())
    assert len(parts) == 2
    assert content(parts[1]) == html


def _rsa_key() -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


@pytest.fixture(scope="module")
def rsa_key() -> tuple[bytes, bytes]:
    return _rsa_key()


def test_dkim_signature_verifies_and_covers_list_unsubscribe(
    rsa_key: tuple[bytes, bytes],
) -> None:
    """A signed message verifies with dkimpy against the published key; h= includes
    List-Unsubscribe and List-Unsubscribe-Post, and changing or adding one breaks it."""
    private, record = rsa_key

    def dns(name: bytes, timeout: int = 5) -> bytes | None:
        return record if name == b"lettre2026._domainkey.professionbanlieue.org." else None

    signer = DkimSigner("lettre2026", "professionbanlieue.org", private)
    signed = signer.sign(factory().build(recipient(), HTML, TEXT))
    assert dkim.verify(signed, dnsfunc=dns)
    signature = unfolded(signed, "DKIM-Signature")
    tags = dict(tag.strip().split("=", 1) for tag in signature.split(";") if tag.strip())
    signed_headers = [name.strip() for name in tags["h"].split(":")]
    for name in ("from", "to", "subject", "date", "message-id", "list-id", "mime-version"):
        assert name in signed_headers
    assert {"list-unsubscribe", "list-unsubscribe-post"} <= set(signed_headers)
    tampered = signed.replace(b"/u/TOKENr7>", b"/u/OTHER>")
    assert not dkim.verify(tampered, dnsfunc=dns)
    added = signed.replace(b"Precedence:", b"List-Unsubscribe: <https://evil.example/>\r\n"
                           b"Precedence:")  # fmt: skip
    assert not dkim.verify(added, dnsfunc=dns)


def test_dkim_key_comes_from_the_environment(rsa_key: tuple[bytes, bytes]) -> None:
    """DKIM is off without selector and domain; on, its key is read from the variable
    named in the settings, and a missing or unreadable key is a configuration error."""
    settings = DkimSettings(selector="s1", domain="example.org", private_key_env="DKIM_KEY")
    assert dkim_signer(DkimSettings(), {"DKIM_KEY": "x"}) is None
    assert isinstance(dkim_signer(settings, {"DKIM_KEY": rsa_key[0].decode()}), DkimSigner)
    with pytest.raises(ConfigError, match=r"\$DKIM_KEY"):
        dkim_signer(settings, {})
    with pytest.raises(ConfigError, match="illisible"):
        dkim_signer(settings, {"DKIM_KEY": "not a key"})
