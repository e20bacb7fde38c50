"""Sends started in the background (from the edition pages): never inside a request.

A send is the command line's ``newsletter edition send ID`` (the same code, its own
processes), started as a detached subprocess writing its output to
``web.send_logs/edition-ID.log``. A thread of the starting process waits for each one, so
that no zombie is left and the pages can tell a send that stopped with an error. Progress
itself is read from the deliveries ledger (``sending.status``), whoever runs the send.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from newsletter.settings import Settings

logger = logging.getLogger("lettre.sends")
LAST_LINES = 3


@dataclass
class Launched:
    process: subprocess.Popen[bytes]
    log: Path
    returncode: int | None = None


class BackgroundSends:
    """Starts sends as subprocesses and remembers how the last one of each edition ended."""

    def __init__(self, settings: Settings, environ: Mapping[str, str]) -> None:
        self.config = settings.path
        self.folder = settings.base_dir / settings.web.send_logs
        self.environ = dict(environ)
        self._lock = threading.Lock()
        self._launched: dict[int, Launched] = {}

    def start(self, edition_id: int, resume: bool = False) -> None:
        """Start ``newsletter edition send`` for the edition, unless one runs from here."""
        with self._lock:
            if self._alive(edition_id):
                return
            self.folder.mkdir(parents=True, exist_ok=True)
            log = self.folder / f"edition-{edition_id}.log"
            command = [sys.executable, "-m", "newsletter", "--config", str(self.config),
                       "edition", "send", str(edition_id), "--started"]  # fmt: skip
            if resume:
                command.append("--resume")
            with log.open("ab") as output:
                process = subprocess.Popen(
                    command,
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    cwd=self.config.parent,
                    env={**os.environ, **self.environ, "COLUMNS": "100"},
                    start_new_session=True,  # a restart of the web app does not stop it
                )
            launched = Launched(process, log)
            self._launched[edition_id] = launched
        threading.Thread(target=self._wait, args=(edition_id, launched), daemon=True).start()

    def running(self, edition_id: int) -> bool:
        with self._lock:
            return self._alive(edition_id)

    def failure(self, edition_id: int) -> str:
        """The last lines of the log of a send started here that ended in error, or ""."""
        with self._lock:
            launched = self._launched.get(edition_id)
        if launched is None or launched.returncode in (None, 0):
            return ""
        lines = launched.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return "\n".join(line for line in lines[-LAST_LINES:] if line.strip())

    def wait(self, edition_id: int, timeout: float) -> int | None:
        """Wait for the send started here (tests, shutdown); its exit code."""
        with self._lock:
            launched = self._launched.get(edition_id)
        if launched is None:
            return None
        return launched.process.wait(timeout)

    def _alive(self, edition_id: int) -> bool:
        launched = self._launched.get(edition_id)
        return launched is not None and launched.process.poll() is None

    def _wait(self, edition_id: int, launched: Launched) -> None:
        code = launched.process.wait()
        with self._lock:
            launched.returncode = code
        if code:
            logger.warning("send of edition %s ended with code %s (see %s)",
                           edition_id, code, launched.log)  # fmt: skip
