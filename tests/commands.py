"""`newsletter` commands as real processes that skip the start-up: each is forked from a
process that has loaded the command line and what a send uses once (a multiprocessing fork
server per test process), then runs the console script's entry point with its own
arguments, environment, session and output. What a test does to it is what it would do
to the installed command's process — signals to its group, exit codes, its error output —
without the second of module loading every command pays (the suite's command processes
used 95 s of processor, 38 s forked this way: `accton`). The tests of the installed script
itself (`serve` in tests/test_cli.py, `python -m newsletter`, Ctrl-C in
tests/test_cli_errors.py) and the scheduler's own sends still start it from scratch.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import IO

# What every command, and a send above all, loads: the command table, the ORM and every
# model, settings, rendering, the send's service and the sending processes' code; and the
# scheduler's jobs (with the fetcher), which a third of these commands run.
PRELOAD = [
    "newsletter.cli", "newsletter.app", "newsletter.schema", "newsletter.services.sending",
    "newsletter.dispatch.sender", "newsletter.dispatch.worker", "newsletter.rendering.renderer",
    "jobs.runner", "rich.progress", "rich.table", "psycopg",
]  # fmt: skip
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)


class Command:
    """A started command, with the part of ``subprocess.Popen`` the tests use: ``pid``
    (its process group's too), ``poll``, ``wait``, ``returncode`` and, once it has ended,
    what it wrote on its error output (``stderr``)."""

    def __init__(self, process: BaseProcess, errors: IO[bytes], path: Path) -> None:
        self._process, self._errors, self._path = process, errors, path
        self.pid = process.pid

    @property
    def returncode(self) -> int | None:
        return self.poll()

    def poll(self) -> int | None:
        code = self._process.exitcode
        if code is not None:
            self._path.unlink(missing_ok=True)  # it stays readable through self._errors
        return code

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        code = self.poll()
        if code is None:
            raise subprocess.TimeoutExpired(f"newsletter (pid {self.pid})", timeout or 0)
        return code

    @property
    def stderr(self) -> IO[bytes]:
        self._errors.seek(0)
        return self._errors


def start(args: Sequence[str], env: Mapping[str, str], output: Path | None = None,
          merged: bool = False) -> Command:  # fmt: skip
    """``newsletter ARGS`` in a new session (as ``start_new_session=True``) with exactly
    ``env`` as its environment; its output goes to ``output`` (or nowhere), its errors to
    a file ``Command.stderr`` reads, or after the output if ``merged`` (a service's log)."""
    handle, path = tempfile.mkstemp(prefix="newsletter-errors-")
    errors = os.fdopen(handle, "rb")
    written = str(output) if output else os.devnull
    if output:
        output.touch()  # there at once, as a file a shell redirects to
    arguments = (list(args), dict(env), written if merged else path, written)
    process = _context.Process(target=_run, args=arguments)
    process.start()
    _await_session(process)
    return Command(process, errors, Path(path))


def _await_session(process: BaseProcess) -> None:
    """Back once the command leads its own session, as ``subprocess.Popen`` returns only
    after ``setsid``: the tests signal its group at once (or it has already ended)."""
    deadline = time.monotonic() + 10
    while process.exitcode is None and time.monotonic() < deadline:
        try:
            if os.getpgid(process.pid) == process.pid:
                return
        except ProcessLookupError:
            return
        time.sleep(0.002)


def run(args: Sequence[str], env: Mapping[str, str],
        timeout: float = 120) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """``newsletter ARGS`` run to its end, as ``subprocess.run(…, capture_output=True,
    text=True)`` gives it: exit code, output and errors."""
    with tempfile.NamedTemporaryFile(prefix="newsletter-output-") as output:
        command = start(args, env, Path(output.name))
        try:
            code = command.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(command.pid, signal.SIGKILL)
            raise
        shown = Path(output.name).read_text(encoding="utf-8")
    return subprocess.CompletedProcess(["newsletter", *args], code, shown,
                                       command.stderr.read().decode())  # fmt: skip


def _run(args: list[str], env: dict[str, str], errors: str, output: str) -> None:
    """In the forked process: what the `newsletter` script does, in the command's own
    session, environment and files."""
    os.setsid()
    os.environ.clear()
    os.environ.update(env)
    for fd, path in ((1, output), (2, errors)):
        opened = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(opened, fd)
        os.close(opened)
    sys.argv = ["newsletter", *args]
    from newsletter.__main__ import run

    run()
