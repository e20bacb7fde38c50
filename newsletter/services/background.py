"""Commands run in subprocesses: sends in the background (from the edition pages and the
scheduler), and the scheduler's jobs that must not fork from its threads.

A send is the command line's ``newsletter edition send ID`` (the same code, its own
processes), started as a detached subprocess writing its output to
``web.send_logs/edition-ID.log``. A thread of the starting process waits for each one, so
that no zombie is left, the pages can tell a send that stopped with an error and the
scheduler's log says how each ended. Progress itself is read from the deliveries ledger
(``sending.status``), whoever runs the send.

``job(NAME)`` runs ``newsletter scheduler --once NAME`` and waits for it: forking a process
that has threads (APScheduler's) can deadlock the child, so the scheduler runs the jobs
that fork (gathering parses feeds in worker processes) this way.

``stop(grace)`` (the scheduler's shutdown) sends SIGTERM to every process started here —
a send then hands the rows it holds back to the queue within ``dispatch.sender.GRACE``
seconds — kills what is left after ``grace`` seconds, and starts nothing more.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from newsletter.errors import NewsletterError
from newsletter.settings import Settings

logger = logging.getLogger("lettre.sends")


class Stopped(NewsletterError):
    """A job not run, or cut, because this process is stopping (not a failure)."""


LAST_LINES = 3
ERROR = "Erreur : "  # how the command line starts its one-line errors


@dataclass
class Launched:
    process: subprocess.Popen[bytes]
    log: Path
    returncode: int | None = None


class BackgroundSends:
    """Starts sends and jobs as subprocesses; remembers how the last send of each edition
    ended."""

    def __init__(self, settings: Settings, environ: Mapping[str, str]) -> None:
        self.config = settings.path
        self.folder = settings.base_dir / settings.web.send_logs
        self.environ = dict(environ)
        self._lock = threading.Lock()
        self._launched: dict[int, Launched] = {}
        self._jobs: set[subprocess.Popen[bytes]] = set()
        self._stopping = False

    def start(self, edition_id: int, resume: bool = False, wait_deferred: bool = True) -> bool:
        """Start ``newsletter edition send`` for the edition, unless one runs from here (or
        this process is stopping); whether it was started. Without ``wait_deferred`` the
        send ends when only deferred messages are left (the scheduler resumes it later)."""
        with self._lock:
            if self._stopping or self._alive(edition_id):
                return False
            self.folder.mkdir(parents=True, exist_ok=True)
            log = self.folder / f"edition-{edition_id}.log"
            # The caller (the edition page, the scheduler) made the checks and recorded it.
            arguments = ["edition", "send", str(edition_id), "--started"]
            arguments += ["--resume"] if resume else []
            arguments += [] if wait_deferred else ["--no-wait"]
            with log.open("ab") as output:
                process = self._popen(arguments, stdout=output, stderr=subprocess.STDOUT)
            launched = Launched(process, log)
            self._launched[edition_id] = launched
        threading.Thread(target=self._wait, args=(edition_id, launched), daemon=True).start()
        return True

    def log(self, edition_id: int) -> Path:
        return self.folder / f"edition-{edition_id}.log"

    def running(self, edition_id: int) -> bool:
        with self._lock:
            return self._alive(edition_id)

    def failure(self, edition_id: int) -> str:
        """The last lines of the log of a send started here that ended in error, or ""."""
        with self._lock:
            launched = self._launched.get(edition_id)
        if launched is None or launched.returncode in (None, 0):
            return ""
        return "\n".join(_last_lines(launched.log, LAST_LINES))

    def wait(self, edition_id: int, timeout: float) -> int | None:
        """Wait for the send started here (tests, shutdown); its exit code."""
        with self._lock:
            launched = self._launched.get(edition_id)
        if launched is None:
            return None
        return launched.process.wait(timeout)

    def job(self, name: str) -> str:
        """Run a scheduled job in a process of its own and wait for it: its outcome, or
        its one-line error raised here (``Stopped`` when this process stops meanwhile)."""
        with self._lock:
            if self._stopping:
                raise Stopped(f"tâche {name} non lancée : arrêt du planificateur")
            process = self._popen(["scheduler", "--once", name], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)  # fmt: skip
            self._jobs.add(process)
        try:
            out, err = process.communicate()
        finally:
            with self._lock:
                self._jobs.discard(process)
        said = err.decode("utf-8", "replace").splitlines()
        for line in said:  # its warnings (a failing source…); its own run line is ours
            if f"job={name} " not in line:
                print(line, file=sys.stderr)
        if process.returncode and self._stopping:
            raise Stopped(f"tâche {name} interrompue : arrêt du planificateur")
        if process.returncode:
            errors = [line.removeprefix(ERROR) for line in said if line.startswith(ERROR)]
            why = errors[-1] if errors else f"la tâche {name} a échoué (code {process.returncode})"
            raise NewsletterError(why)
        lines = [line for line in out.decode("utf-8", "replace").splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def stop(self, grace: float) -> None:
        """Ask every process started here to stop, kill those still running after ``grace``
        seconds; start nothing more."""
        with self._lock:
            self._stopping = True
            processes = [launched.process for launched in self._launched.values()]
            processes += self._jobs
        running = [process for process in processes if process.poll() is None]
        for process in running:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()

    def _popen(
        self, arguments: list[str], stdout: IO[bytes] | int, stderr: int
    ) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "newsletter", "--config", str(self.config), *arguments]
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            cwd=self.config.parent,
            env={**os.environ, **self.environ, "COLUMNS": "100"},
            start_new_session=True,  # a restart of the web app does not stop it
        )

    def _alive(self, edition_id: int) -> bool:
        launched = self._launched.get(edition_id)
        return launched is not None and launched.process.poll() is None

    def _wait(self, edition_id: int, launched: Launched) -> None:
        code = launched.process.wait()
        with self._lock:
            launched.returncode = code
        last = " / ".join(_last_lines(launched.log, 1))
        if code:
            logger.warning("send of edition %s ended with code %s: %s (see %s)",
                           edition_id, code, last, launched.log)  # fmt: skip
        else:
            logger.info("send of edition %s ended: %s", edition_id, last)


def _last_lines(log: Path, count: int) -> list[str]:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line for line in lines if line.strip()][-count:]


def _signal_group(process: subprocess.Popen[bytes], number: int) -> None:
    """The process and its own children (a send's sending processes): its session."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, number)
