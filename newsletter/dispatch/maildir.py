"""Maildir transport: each message becomes a ``.eml`` file in ``new/`` (the demo's default).

A message is written under ``tmp/`` and then renamed into ``new/`` (atomic on one file
system), so a reader — or a send resumed after ``kill -9`` — never sees half a file. The
envelope is kept the way a delivery agent keeps it: ``Return-Path`` (the VERP sender) and
``Delivered-To`` fields in front. Files are not fsync'd: a delivery survives the death of
the sending process, not a power cut.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from newsletter.dispatch.errors import TemporaryFailure

SUBFOLDERS = ("tmp", "new", "cur")


class MaildirTransport:
    def __init__(self, path: Path) -> None:
        self.path = path

    def connect(self) -> MaildirConnection:
        for folder in SUBFOLDERS:
            (self.path / folder).mkdir(parents=True, exist_ok=True)
        return MaildirConnection(self.path)


class MaildirConnection:
    def __init__(self, path: Path) -> None:
        self._tmp = path / "tmp"
        self._new = path / "new"

    def send(self, sender: str, recipient: str, message: bytes) -> None:
        """Write the message; a full or unwritable disk is a temporary failure."""
        name = f"{time.time_ns()}.{os.getpid()}_{secrets.token_hex(6)}.eml"
        envelope = f"Return-Path: <{sender}>\r\nDelivered-To: {recipient}\r\n".encode()
        temporary = self._tmp / name
        try:
            with open(temporary, "xb") as file:
                file.write(envelope + message)
            os.rename(temporary, self._new / name)
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            raise TemporaryFailure(None, f"écriture impossible dans {self._new} : {exc}") from None

    def close(self) -> None:
        """Nothing stays open between messages."""
