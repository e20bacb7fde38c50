"""Transports against real servers: SMTP (aiosmtpd in process, with faults) and Maildir."""

from __future__ import annotations

import email
import email.policy
import ipaddress
import smtplib
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from newsletter.dispatch.errors import (
    ConnectionLost,
    PermanentFailure,
    TemporaryFailure,
    TransportError,
)
from newsletter.dispatch.maildir import MaildirTransport
from newsletter.dispatch.message import EditionHeaders, MessageFactory, Recipient
from newsletter.dispatch.smtp import SmtpConnection, SmtpTransport
from newsletter.dispatch.transports import configured_transport
from newsletter.errors import ConfigError
from newsletter.settings import SmtpSettings, TransportSettings
from tests.smtp_server import SmtpTestServer, free_port

SENDER = "bounces+tok@lettre.example.org"
FACTORY = MessageFactory(
    EditionHeaders(
        id=7,
        subject="Lettre d'essai — été",
        sender_name="Profession Banlieue",
        sender_address="lettre@example.org",
        list_name="Lettre",
        list_id="lettre.lettre.example.org",
    ),
    id_key=b"k",
)


def message(to: str = "alice@example.org") -> bytes:
    person = Recipient("r1", to, "Élodie", "https://lettre.example.org/u/T")
    return FACTORY.build(person, "<p>Été à Bobigny</p>\n", "Été à Bobigny\n")


def transport(server: SmtpTestServer, **settings: Any) -> SmtpTransport:
    values = {"host": server.host, "port": server.port, "security": "none", "helo": "t.test"}
    return SmtpTransport(SmtpSettings(**{**values, **settings}))


@pytest.fixture
def connection(smtp_server: SmtpTestServer) -> Any:
    opened = transport(smtp_server, timeout=5).connect()
    yield opened
    opened.close()


def test_one_session_carries_many_messages(
    smtp_server: SmtpTestServer, connection: SmtpConnection
) -> None:
    """A connection keeps its SMTP session open across messages: five messages, one session,
    each received byte for byte with its envelope."""
    sent = [message(f"user{number}@example.org") for number in range(5)]
    for number, data in enumerate(sent):
        connection.send(SENDER, f"user{number}@example.org", data)
    assert smtp_server.sessions == 1
    received = smtp_server.messages
    assert [m.recipients for m in received] == [(f"user{n}@example.org",) for n in range(5)]
    assert all(m.sender == SENDER for m in received)
    assert [m.data.rstrip(b"\r\n") for m in received] == [d.rstrip(b"\r\n") for d in sent]


def test_eight_bit_body_is_declared(
    smtp_server: SmtpTestServer, connection: SmtpConnection
) -> None:
    """MAIL FROM carries BODY=8BITMIME when the server offers it; SMTPUTF8 only for an
    internationalised address; the UTF-8 body arrives intact."""
    connection.send(SENDER, "alice@example.org", message())
    connection.send(SENDER, "élodie@exemple.fr", message("élodie@exemple.fr"))
    plain, international = smtp_server.messages
    assert "BODY=8BITMIME" in plain.mail_options
    assert "SMTPUTF8" not in plain.mail_options
    assert "SMTPUTF8" in international.mail_options
    assert international.recipients == ("élodie@exemple.fr",)
    assert "Été à Bobigny" in plain.parsed().get_body(("plain",)).get_content()


def test_the_test_server_reads_data_as_sent(smtp_server: SmtpTestServer) -> None:
    """The test server, which reads a message's data in blocks, gives back what the client
    meant: lines that start with a dot unstuffed, lines that end with one kept, the lone dot
    ending the data only on a line of its own; a line over 1,000 octets is refused (500)."""
    body = b"Subject: points\r\n\r\n.\r\n..deux\r\nfin.\r\n.\r\n.x\r\n" + b"y" * 998 + b"\r\n"
    with smtplib.SMTP(smtp_server.host, smtp_server.port) as client:
        client.sendmail(SENDER, ["a@example.org"], body)
        client.sendmail(SENDER, ["b@example.org"], b"")
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail(SENDER, ["c@example.org"], b"x" * 999 + b"\r\n" + b"z" * 1001)
    assert refused.value.smtp_code == 500
    assert [m.data for m in smtp_server.messages] == [body, b"\r\n"]  # smtplib ends a line


def test_max_messages_per_connection(smtp_server: SmtpTestServer) -> None:
    """After max_messages_per_connection messages the session is closed and a new one opened."""
    connection = transport(smtp_server, max_messages_per_connection=2).connect()
    for number in range(5):
        connection.send(SENDER, f"user{number}@example.org", message())
    connection.close()
    assert smtp_server.sessions == 3
    assert len(smtp_server.messages) == 5


def test_4xx_is_temporary_and_the_session_goes_on(
    smtp_server: SmtpTestServer, connection: SmtpConnection
) -> None:
    """A 4xx reply (greylisting on RCPT, 451 on MAIL) is a TemporaryFailure with the server's
    code; the transaction is reset and the next message goes through the same session."""
    smtp_server.faults.add("RCPT", code=450, text="Greylisted", match="bob@")
    smtp_server.faults.add("MAIL", code=451, after=1)
    with pytest.raises(TemporaryFailure) as greylisted:
        connection.send(SENDER, "bob@example.org", message("bob@example.org"))
    assert (greylisted.value.code, greylisted.value.reply) == (450, "Greylisted")
    assert not isinstance(greylisted.value, ConnectionLost)
    with pytest.raises(TemporaryFailure) as local_error:
        connection.send(SENDER, "carol@example.org", message())
    assert local_error.value.code == 451
    connection.send(SENDER, "bob@example.org", message("bob@example.org"))
    assert [m.recipients for m in smtp_server.messages] == [("bob@example.org",)]
    assert smtp_server.sessions == 1


def test_5xx_on_rcpt_refuses_the_recipient(
    smtp_server: SmtpTestServer, connection: SmtpConnection
) -> None:
    """550 on RCPT TO is a PermanentFailure with recipient_refused (a hard bounce); 552 on
    DATA refuses the message, not the recipient; the session carries on after both."""
    smtp_server.faults.add("RCPT", code=550, text="No such user", match="gone@", times=None)
    smtp_server.faults.add("DATA", code=552, text="Too big", match="dave@")
    with pytest.raises(PermanentFailure) as unknown:
        connection.send(SENDER, "gone@example.org", message())
    assert unknown.value.recipient_refused and unknown.value.code == 550
    with pytest.raises(PermanentFailure) as too_big:
        connection.send(SENDER, "dave@example.org", message())
    assert not too_big.value.recipient_refused and too_big.value.code == 552
    connection.send(SENDER, "erin@example.org", message())
    assert [m.recipients for m in smtp_server.messages] == [("erin@example.org",)]
    assert smtp_server.sessions == 1


def test_421_loses_the_connection_then_a_new_one_works(
    smtp_server: SmtpTestServer, connection: SmtpConnection
) -> None:
    """421 (server closing the channel) on a fresh session is ConnectionLost; the next send
    opens a new session and succeeds. On a session kept open since an earlier message, a
    loss before any content was sent is retried at once on a new session (nothing can
    have been delivered)."""
    smtp_server.faults.add("RCPT", code=421, text="Too busy, closing", close=True)
    with pytest.raises(ConnectionLost) as lost:
        connection.send(SENDER, "alice@example.org", message())
    assert lost.value.code == 421
    connection.send(SENDER, "alice@example.org", message())
    smtp_server.faults.add("RCPT", code=421, text="Too busy, closing", close=True)
    connection.send(SENDER, "bob@example.org", message())
    assert [m.recipients for m in smtp_server.messages] == [
        ("alice@example.org",),
        ("bob@example.org",),
    ]
    assert smtp_server.sessions == 3


def test_dropped_connection_during_data(
    smtp_server: SmtpTestServer, connection: SmtpConnection
) -> None:
    """A connection dropped after the message data, before the reply, is ConnectionLost
    (the message is in flight: the server may have kept it); the next send reconnects."""
    smtp_server.faults.add("DATA", drop=True, keep=True, after=1)
    connection.send(SENDER, "alice@example.org", message())
    with pytest.raises(ConnectionLost):
        connection.send(SENDER, "bob@example.org", message())
    connection.send(SENDER, "carol@example.org", message())
    assert [m.recipients[0] for m in smtp_server.messages] == [
        "alice@example.org",
        "bob@example.org",
        "carol@example.org",
    ]
    assert smtp_server.sessions == 2


def test_idle_session_found_dead_is_reopened_once(
    smtp_server: SmtpTestServer, connection: SmtpConnection
) -> None:
    """A kept-open session that died before MAIL FROM was answered (nothing sent yet) is
    replaced transparently: the message goes through on a new session."""
    connection.send(SENDER, "alice@example.org", message())
    smtp_server.faults.add("MAIL", drop=True)
    connection.send(SENDER, "bob@example.org", message())
    assert len(smtp_server.messages) == 2
    assert smtp_server.sessions == 2


def test_fresh_session_failing_is_not_retried(smtp_server: SmtpTestServer) -> None:
    """On a session opened for this message, a 421 at MAIL FROM is reported, not retried."""
    smtp_server.faults.add("MAIL", code=421, close=True)
    connection = transport(smtp_server).connect()
    with pytest.raises(ConnectionLost):
        connection.send(SENDER, "alice@example.org", message())
    assert smtp_server.messages == []
    assert smtp_server.sessions == 1


def test_slow_replies(smtp_server: SmtpTestServer) -> None:
    """A reply slower than the timeout loses the connection; a slow one within it is fine."""
    smtp_server.faults.add("RCPT", delay=0.3)
    patient = transport(smtp_server, timeout=5).connect()
    patient.send(SENDER, "alice@example.org", message())
    patient.close()
    smtp_server.faults.add("RCPT", delay=3.0)
    hasty = transport(smtp_server, timeout=1.0).connect()  # greeted in time on a busy machine
    with pytest.raises(ConnectionLost):
        hasty.send(SENDER, "bob@example.org", message())
    hasty.close()
    assert [m.recipients for m in smtp_server.messages] == [("alice@example.org",)]


def test_unreachable_server_is_connection_lost() -> None:
    """Nobody listening: connect() raises ConnectionLost naming the address."""
    port = free_port()
    settings = SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=2)
    with pytest.raises(ConnectionLost, match=f"127.0.0.1:{port}"):
        SmtpTransport(settings).connect()


def _certificate() -> tuple[bytes, bytes]:
    """A self-signed certificate for 127.0.0.1 and its key, both PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return pem, key_pem


@pytest.fixture(scope="module")
def tls_contexts(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """The server's TLS context, and a client's that trusts the server's certificate."""
    pem, key_pem = _certificate()
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(pem)
    (folder / "key.pem").write_bytes(key_pem)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    client = ssl.create_default_context(cadata=pem.decode())
    return server, client


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and data == (b"lettre", b"s3cret")
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.mark.filterwarnings("ignore:Requiring AUTH:UserWarning")
@pytest.mark.filterwarnings("ignore:Session.login_data:DeprecationWarning")
@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_and_authentication(
    security: str, tls_contexts: tuple[ssl.SSLContext, ssl.SSLContext]
) -> None:
    """STARTTLS (port 587 style) and implicit TLS (465 style) with AUTH: the right password
    sends; a wrong one is a TransportError naming the password variable."""
    server_context, client_context = tls_contexts
    tls: dict[str, Any] = {"tls_context": server_context, "require_starttls": True}
    if security == "tls":  # aiosmtpd only knows TLS came first when told
        tls = {"ssl_context": server_context, "auth_require_tls": False}
    options = {
        "auth_required": True,
        "authenticator": _authenticator,
        **tls,
    }
    with SmtpTestServer(**options) as server:
        settings = SmtpSettings(
            host=server.host, port=server.port, security=security, username="lettre"
        )
        good = SmtpTransport(settings, "s3cret", client_context).connect()
        good.send(SENDER, "alice@example.org", message())
        good.close()
        with pytest.raises(TransportError, match="NEWSLETTER_SMTP_PASSWORD"):
            SmtpTransport(settings, "wrong", client_context).connect()
        assert [m.recipients for m in server.messages] == [("alice@example.org",)]


def test_starttls_required_but_not_offered(smtp_server: SmtpTestServer) -> None:
    """security = "starttls" towards a server without STARTTLS stops with a TransportError."""
    with pytest.raises(TransportError, match="STARTTLS"):
        transport(smtp_server, security="starttls").connect()


def test_maildir_writes_whole_parseable_files(tmp_path: Path) -> None:
    """Each message becomes one complete .eml file in new/ (tmp/ left empty), with the
    envelope kept in Return-Path and Delivered-To."""
    outbox = MaildirTransport(tmp_path / "outbox").connect()
    for number in range(3):
        outbox.send(SENDER, f"user{number}@example.org", message(f"user{number}@example.org"))
    outbox.close()
    files = sorted((tmp_path / "outbox" / "new").iterdir())
    assert len(files) == 3 and all(path.suffix == ".eml" for path in files)
    assert list((tmp_path / "outbox" / "tmp").iterdir()) == []
    parsed = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]
    assert {str(m["Delivered-To"]) for m in parsed} == {f"user{n}@example.org" for n in range(3)}
    assert all(m["Return-Path"] == f"<{SENDER}>" for m in parsed)
    assert all(m.get_body(("html",)).get_content().startswith("<p>Été") for m in parsed)


def test_maildir_failure_leaves_nothing_behind(tmp_path: Path) -> None:
    """When the file cannot be moved into new/, the send is a TemporaryFailure and no
    partial file stays in tmp/ or new/."""
    outbox = MaildirTransport(tmp_path / "outbox").connect()
    (tmp_path / "outbox" / "new").rmdir()
    with pytest.raises(TemporaryFailure):
        outbox.send(SENDER, "alice@example.org", message())
    assert list((tmp_path / "outbox" / "tmp").iterdir()) == []
    assert not (tmp_path / "outbox" / "new").exists()


def test_configured_transport(tmp_path: Path) -> None:
    """kind = "maildir" writes under the configuration's folder; kind = "smtp" with a
    username needs its password variable, never the file."""
    maildir = configured_transport(TransportSettings(), tmp_path, {})
    assert isinstance(maildir, MaildirTransport)
    assert maildir.path == tmp_path / "var" / "outbox"
    smtp = TransportSettings(kind="smtp", smtp=SmtpSettings(username="lettre"))
    with pytest.raises(ConfigError, match=r"\$NEWSLETTER_SMTP_PASSWORD"):
        configured_transport(smtp, tmp_path, {})
    found = configured_transport(smtp, tmp_path, {"NEWSLETTER_SMTP_PASSWORD": "x"})
    assert isinstance(found, SmtpTransport)
