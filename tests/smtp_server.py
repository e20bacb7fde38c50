"""A real SMTP server for tests (aiosmtpd, in process, on 127.0.0.1) that can misbehave.

It records every accepted message (envelope and raw bytes) and counts sessions. A fault
script makes it answer a command with a chosen reply, close or drop the connection, or
answer slowly, a given number of times, optionally only for matching addresses:

    server.faults.add("RCPT", code=450, times=3, match="bob@")     # greylisting
    server.faults.add("MAIL", code=421, close=True)                # "closing channel"
    server.faults.add("RCPT", code=550, times=None, match="gone@") # unknown user, always
    server.faults.add("DATA", code=552)                            # message too big
    server.faults.add("DATA", drop=True, after=5)                  # 6th message: cut
    server.faults.add("DATA", drop=True, keep=True)                # kept, then cut (in flight)
    server.faults.add("RCPT", delay=2.0)                           # slow reply
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

COMMANDS = ("EHLO", "MAIL", "RCPT", "DATA")
# RFC 5321 §4.5.3.1.6: 1,000 octets with the CRLF (aiosmtpd's default counts 1,001).
LINE_LIMIT = 1001


@dataclass
class Fault:
    command: str
    code: int | None = None
    text: str = ""
    times: int | None = 1  # None: every time
    match: str = ""  # substring of the address (MAIL, RCPT) or of a recipient (DATA)
    after: int = 0  # let this many matching commands pass first
    close: bool = False  # close the connection after the reply
    drop: bool = False  # close the connection without replying
    keep: bool = False  # DATA with drop: keep the message before dropping (in-flight loss)
    delay: float = 0.0  # seconds before replying

    def reply(self) -> str:
        default = {4: "Try again later", 5: "Refused"}.get((self.code or 0) // 100, "")
        return f"{self.code} {self.text or default}"


class FaultScript:
    """Faults waiting for their command; thread-safe (tests add, the server consumes)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, command: str, **options: Any) -> Fault:
        if command not in COMMANDS:
            raise ValueError(f"command {command!r} not in {COMMANDS}")
        fault = Fault(command, **options)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, command: str, subject: str) -> Fault | None:
        """The first fault that applies to this command now, used up once."""
        with self._lock:
            for fault in self._faults:
                if fault.command != command or fault.match not in subject:
                    continue
                if fault.after > 0:
                    fault.after -= 1
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
                return fault
        return None


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    data: bytes
    mail_options: tuple[str, ...]
    at: float = 0.0  # time.monotonic() when the data was received

    def parsed(self) -> EmailMessage:
        message = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        return message


@dataclass
class RecordingHandler:
    faults: FaultScript = field(default_factory=FaultScript)
    messages: list[Received] = field(default_factory=list)
    sessions: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    pipelining: bool = False  # announce PIPELINING (aiosmtpd reads commands in order)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        if not getattr(session, "counted", False):
            session.counted = True
            with self.lock:
                self.sessions += 1
        session.host_name = hostname
        reply = await self._fault(server, "EHLO", hostname)
        if reply is not None:
            return [reply]
        if self.pipelining:
            return [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        reply = await self._fault(server, "MAIL", address)
        if reply is not None:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        reply = await self._fault(server, "RCPT", address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        received = Received(
            envelope.mail_from,
            tuple(envelope.rcpt_tos),
            envelope.original_content,
            tuple(envelope.mail_options),
            time.monotonic(),
        )
        reply = await self._fault(server, "DATA", " ".join(envelope.rcpt_tos), received)
        if reply is not None:
            return reply
        self._keep(received)
        return "250 OK: queued"

    def _keep(self, received: Received) -> None:
        with self.lock:
            self.messages.append(received)

    async def _fault(
        self, server: Any, command: str, subject: str, received: Received | None = None
    ) -> str | None:
        fault = self.faults.take(command, subject)
        if fault is None:
            return None
        if fault.delay:
            await asyncio.sleep(fault.delay)
        if fault.drop:
            if fault.keep and received is not None:
                self._keep(received)
            server.transport.close()
            await asyncio.Event().wait()  # cancelled when the connection is lost
        if fault.code is None:
            return None
        if fault.close:
            await server.push(fault.reply())
            server.transport.close()
            await asyncio.Event().wait()
        return fault.reply()


class BlockReadingSMTP(SMTP):
    """aiosmtpd's server, reading a message's data in blocks up to its end instead of one
    line at a time (3.3 ms of the test process for a 35 KB message, 1.5–1.9 ms now: the
    sends' tests receive thousands). Its stream's limit is raised so that a block is not cut
    at 1,001 octets; commands keep their own limits (``command_size_limits``) and the
    data's lines are checked against the RFC's once the end is read, with aiosmtpd's replies
    (500 line too long, 552 too much data)."""

    line_length_limit = 1 << 24  # the stream's limit: a block, not a line

    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            data = await self._read_data()
        except asyncio.CancelledError:
            self._writer.close()  # the connection was lost during DATA
            raise
        refusal = None
        if max(map(len, data.split(b"\r\n"))) > LINE_LIMIT - 2:
            refusal = "500 Line too long (see RFC5321 4.5.3.1.6)"
        elif self.data_size_limit and len(data) > self.data_size_limit:
            refusal = "552 Error: Too much mail data"
        if refusal is not None:
            self._set_post_data_state()
            await self.push(refusal)
            return
        # RFC 5321 §4.5.2: the leading dot a client adds to a line that starts with one
        content = (data[1:] if data.startswith(b".") else data).replace(b"\r\n.", b"\r\n")
        self.envelope.content = self.envelope.original_content = content
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()
        await self.push(status)

    async def _read_data(self) -> bytes:
        """The data up to the line holding a lone dot, without that line."""
        received = bytearray()
        while not (received == b".\r\n" or received.endswith(b"\r\n.\r\n")):
            try:
                received += await self._reader.readuntil(b".\r\n")
            except asyncio.LimitOverrunError as error:
                received += await self._reader.readexactly(error.consumed)
        return bytes(received[:-3])


class BlockReadingController(Controller):
    def factory(self) -> SMTP:
        return BlockReadingSMTP(self.handler, **self.SMTP_kwargs)


class SmtpTestServer:
    """aiosmtpd on a loopback port (a free one unless given), advertising 8BITMIME and
    SMTPUTF8. It can be stopped (the relay goes down: sessions cut, connections refused)
    and started again on the same port, keeping what it received.

    ``smtp_options`` go to aiosmtpd's ``SMTP`` (``tls_context``, ``require_starttls``,
    ``auth_required``, ``authenticator``…).
    """

    def __init__(self, pipelining: bool = False, port: int = 0, **smtp_options: Any) -> None:
        self.handler = RecordingHandler(pipelining=pipelining)
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self._options = smtp_options
        self._controller: BlockReadingController | None = None

    @property
    def faults(self) -> FaultScript:
        return self.handler.faults

    @property
    def messages(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.messages)

    @property
    def sessions(self) -> int:
        """SMTP sessions opened by clients (those that said EHLO)."""
        with self.handler.lock:
            return self.handler.sessions

    def received_by(self, address: str) -> list[Received]:
        return [message for message in self.messages if address in message.recipients]

    def start(self) -> SmtpTestServer:
        self._controller = BlockReadingController(
            self.handler,
            hostname=self.host,
            port=self.port,
            enable_SMTPUTF8=True,
            **self._options,
        )
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def quiet_port() -> int:
    """A free loopback port outside the range the system gives outgoing connections: a
    relay stopped then started again there finds it still free (a port picked by
    ``free_port`` may meanwhile become the local end of some outgoing connection)."""
    low = 32768
    with contextlib.suppress(OSError, ValueError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for port in random.sample(range(max(1024, low - 8000), low), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")
