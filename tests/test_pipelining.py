"""SMTP PIPELINING (RFC 2920): MAIL, RCPT and DATA in one write, replies mapped one by one;
checked against aiosmtpd (with faults) and Postfix's smtp-sink."""

from __future__ import annotations

import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsletter.dispatch.errors import ConnectionLost, PermanentFailure, TemporaryFailure
from newsletter.dispatch.smtp import SmtpTransport
from newsletter.settings import SmtpSettings
from tests.conftest import missing
from tests.polling import wait_until
from tests.smtp_server import SmtpTestServer, free_port

SENDER = "bounces+1-abc@lettre.example.org"
BODY = b"Subject: essai\r\n\r\nPremiere ligne\r\n.ligne qui commence par un point\r\n"
SINK = "/usr/sbin/smtp-sink"


@pytest.fixture
def pipelined() -> Iterator[SmtpTestServer]:
    with SmtpTestServer(pipelining=True) as server:
        yield server


def transport(port: int) -> SmtpTransport:
    return SmtpTransport(SmtpSettings(host="127.0.0.1", port=port, security="none", timeout=5))


def test_refusals_are_mapped_and_the_session_goes_on(pipelined: SmtpTestServer) -> None:
    """4xx and 5xx replies inside a pipelined envelope give the right errors, and the same
    session then carries the next message."""
    connection = transport(pipelined.port).connect()
    pipelined.faults.add("RCPT", code=450, match="grey@")
    pipelined.faults.add("RCPT", code=550, match="gone@")
    pipelined.faults.add("MAIL", code=451)
    with pytest.raises(TemporaryFailure):
        connection.send(SENDER, "ok@example.org", BODY)  # MAIL refused
    with pytest.raises(TemporaryFailure):
        connection.send(SENDER, "grey@example.org", BODY)
    with pytest.raises(PermanentFailure) as refused:
        connection.send(SENDER, "gone@example.org", BODY)
    assert refused.value.recipient_refused
    connection.send(SENDER, "ok@example.org", BODY)
    connection.close()
    assert [m.recipients for m in pipelined.messages] == [("ok@example.org",)]
    assert b"\r\n.ligne qui commence par un point\r\n" in pipelined.messages[0].data
    assert pipelined.sessions == 1


def test_loss_in_a_pipelined_envelope(pipelined: SmtpTestServer) -> None:
    """A dropped connection during the envelope is ConnectionLost on a fresh session."""
    connection = transport(pipelined.port).connect()
    pipelined.faults.add("RCPT", drop=True)
    with pytest.raises(ConnectionLost):
        connection.send(SENDER, "a@example.org", BODY)
    connection.send(SENDER, "a@example.org", BODY)
    assert len(pipelined.messages) == 1


def listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def test_postfix_smtp_sink_receives_intact_messages() -> None:
    """Against Postfix's smtp-sink (which pipelines), messages arrive whole, dots intact."""
    if not Path(SINK).exists():
        missing("smtp-sink", "install the Debian package postfix (scripts/system-deps)")
    port = free_port()
    folder = tempfile.TemporaryDirectory(prefix="lettre-sink-")  # reachable by "nobody"
    dump = Path(folder.name) / "m."
    dump.parent.chmod(0o777)  # smtp-sink writes as the unprivileged user "nobody"
    sink = subprocess.Popen([SINK, "-u", "nobody", "-d", str(dump), f"127.0.0.1:{port}", "10"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_until(lambda: listening(port) or sink.poll() is not None, 10)
        connection = transport(port).connect()
        for number in range(3):
            connection.send(SENDER, f"r{number}@example.org", BODY)
        connection.close()
        wait_until(lambda: len(list(dump.parent.iterdir())) >= 3, 10)
        dumps = sorted(dump.parent.iterdir())
        assert len(dumps) == 3
        content = dumps[0].read_bytes()
    finally:
        sink.kill()
        sink.wait(5)
        folder.cleanup()
    assert b"\n.ligne qui commence par un point\n" in content  # smtp-sink dumps with LF
    assert b"..ligne" not in content
