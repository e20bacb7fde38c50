"""Benchmark: how many messages still go out once a pause is recorded, sending at full
speed (no rate limit) through Postfix's smtp-sink, for 300 and 5,000 recipients, on SQLite
and PostgreSQL; then the dispatch benchmark's ratio to smtp-source, in the same run.

The send runs in a process of its own (as `newsletter edition send` does); this script
watches smtp-sink's running count of messages and, a third of the way through, pauses the
edition as an editor would (`newsletter.services.sending.pause`: the pause is committed,
the senders of this machine are woken just before it is committed). Messages the sink
counts after that call returned are "after the pause was recorded"; those counted while it
ran (milliseconds on a busy machine) are printed beside. The send is then
resumed to the end: every recipient must have exactly one message.

    .venv/bin/python benchmarks/bench_pause.py [--recipients 300,5000] [--connections 2]
        [--processes 2] [--postgres SERVER_URL] [--skip-ratio]

Needs /usr/sbin/smtp-sink and smtp-source (Debian package postfix). Goals: at most 20
messages after the pause; ratio to smtp-source ≥ 0.5.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench_dispatch import (  # the script's own folder: benchmarks/
    SINK,
    database_url,
    free_port,
    run_child,
    smtp_sink,
    smtp_source,
    wait_for_port,
)

ROOT = Path(__file__).resolve().parent.parent

GOAL = 20
COUNTER = re.compile(rb"mesg=(\d+)")


@contextmanager
def counting_sink() -> Iterator[tuple[int, Callable[[], int]]]:
    """smtp-sink with its running counters written to a file (smtp-sink flushes them to a
    file at once, not to a pipe); yields its port and a function reading the count."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        counters = Path(folder) / "counters"
        with counters.open("wb") as out:
            process = subprocess.Popen([SINK, "-c", "-u", "nobody", f"127.0.0.1:{port}", "1000"],
                                       stdout=out, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            wait_for_port(port)
            with counters.open("rb") as reader:

                def count() -> int:
                    reader.seek(max(0, counters.stat().st_size - 120))
                    found = COUNTER.findall(reader.read())
                    return int(found[-1]) if found else 0

                yield port, count
        finally:
            process.kill()
            process.wait(5)


def child_send(args: argparse.Namespace) -> None:
    """Send (or resume) the edition: as `newsletter edition send` does, in this process."""
    from dispatch_setup import settings_for

    from newsletter.app import build

    app = build(settings_for(args.database, args.port, args.processes, args.connections))
    try:
        report = app.sending.send(args.edition)
    finally:
        app.close()
    print(json.dumps({"state": report.state, "counts": report.counts}))


def send_process(args: argparse.Namespace, url: str, port: int, edition_id: int
                 ) -> subprocess.Popen[str]:  # fmt: skip
    command = [sys.executable, __file__, "--child-send", "--database", url, "--port", str(port),
               "--edition", str(edition_id), "--processes", str(args.processes),
               "--connections", str(args.connections)]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True,
                            env=os.environ | {"PYTHONPATH": str(ROOT)})  # fmt: skip


def ended(process: subprocess.Popen[str]) -> dict[str, object]:
    out, _ = process.communicate(timeout=600)
    if not out.strip():
        raise RuntimeError(f"the send failed (code {process.returncode})")
    return dict(json.loads(out.strip().splitlines()[-1]))


def pause_run(args: argparse.Namespace, backend: str, recipients: int) -> str:
    """One send paused a third of the way, then resumed; the line to print."""
    from dispatch_setup import prepare

    from newsletter.services.sending import pause, status

    with ExitStack() as stack:
        port, count = stack.enter_context(counting_sink())
        url = stack.enter_context(database_url(backend, args.postgres))
        app, edition_id = prepare(stack, recipients, url, port, args.processes,
                                  args.connections)  # fmt: skip
        sender = send_process(args, url, port, edition_id)
        while count() < recipients // 3:
            if sender.poll() is not None:
                raise RuntimeError(f"the send ended before the pause: {ended(sender)}")
            time.sleep(0.0005)
        asked = count()
        started = time.perf_counter()
        pause(app.database, edition_id)  # committed, then this machine's senders woken
        recorded = time.perf_counter() - started
        before = count()
        first = ended(sender)
        time.sleep(0.2)  # the sink's last counters
        after = count() - before
        paused_sent = status(app.database, edition_id)[1]["sent"]
        second = ended(send_process(args, url, port, edition_id))
        time.sleep(0.2)
        total = count()
    counts = second["counts"]
    assert isinstance(counts, dict)
    assert first["state"] == "paused" and second["state"] == "sent", (first, second)
    assert paused_sent == before + after, (paused_sent, before, after)  # none lost
    goal = "met" if after <= GOAL else "MISSED"
    return (f"{backend:10} {recipients:5} recipients: paused at {asked:4} sent, "
            f"{after:2} more after the pause was recorded (goal ≤ {GOAL}: {goal}), "
            f"{before - asked} while it was committed ({recorded * 1000:.0f} ms); "
            f"resumed: {counts['sent']} sent, {total - recipients} twice")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", default="300,5000")
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--skip-ratio", action="store_true", help="pauses only")
    parser.add_argument("--child-send", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", default="", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--edition", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_send:
        child_send(args)
        return
    os.environ.setdefault("NEWSLETTER_SECRET_KEYS", secrets.token_hex(32))
    os.environ.setdefault("NEWSLETTER_SUPPRESSION_PEPPER", secrets.token_hex(32))
    print(f"{datetime.now(UTC):%Y-%m-%d} — pause at full speed, {args.connections} connections, "
          f"{args.processes} sending processes")  # fmt: skip
    for backend in ("sqlite", "postgresql"):
        for recipients in (int(n) for n in args.recipients.split(",")):
            print(pause_run(args, backend, recipients), flush=True)
    if args.skip_ratio:
        return
    print("dispatch, same run: 5000 recipients")
    for backend in ("sqlite", "postgresql"):
        with smtp_sink() as port, database_url(backend, args.postgres) as url:
            ours = run_child(5000, url, port, args.processes, args.connections)
            theirs = smtp_source(port, 5000, int(ours["size"]), args.connections)
        print(f"{backend:10} lettre: {ours['rate']:7.0f} msg/s  smtp-source: {theirs:7.0f} "
              f"msg/s  ratio {ours['rate'] / theirs:.2f} (goal ≥ 0.5), "
              f"mean message {ours['size'] / 1000:.0f} KB", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
