"""Benchmark: sending a realistic ~40 KB Lettre to N recipients through Postfix's smtp-sink,
against Postfix's smtp-source sending as many messages of the same size over as many
connections, in the same run; on SQLite and PostgreSQL; with the peak memory of the send.

The full edition's HTML is about 40 KB; readers who chose themes get a shorter variant and
one in twenty takes text only, so smtp-source is given the mean size of the messages the
send actually made (printed), headers included.

    .venv/bin/python benchmarks/bench_dispatch.py [--recipients 5000] [--connections 2]
        [--processes 2] [--postgres SERVER_URL] [--memory 5000,50000]

Needs /usr/sbin/smtp-sink and smtp-source (Debian package postfix; the daemon is not
started). Goal: our rate / smtp-source's rate ≥ 0.5, memory flat in the number of
recipients.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SINK, SOURCE = "/usr/sbin/smtp-sink", "/usr/sbin/smtp-source"
TARGET_HTML = 40_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_sink() -> Iterator[int]:
    """smtp-sink on a free loopback port, stopped by PID and checked gone afterwards."""
    port = free_port()
    process = subprocess.Popen([SINK, "-u", "nobody", "-c", f"127.0.0.1:{port}", "1000"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_for_port(port)
        yield port
    finally:
        process.kill()
        process.wait(5)


def wait_for_port(port: int) -> None:
    """Until a server listens on the loopback port (5 s at most)."""
    deadline = time.monotonic() + 5
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def smtp_source(port: int, messages: int, size: int, connections: int) -> float:
    """Messages per second of Postfix's own client, same count, size and connections."""
    started = time.perf_counter()
    subprocess.run([SOURCE, "-s", str(connections), "-m", str(messages), "-l", str(size),
                    "-d", f"127.0.0.1:{port}"], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return messages / (time.perf_counter() - started)


def child(args: argparse.Namespace) -> None:
    """Set up a database, an edition and N subscribers, send, print figures as JSON."""
    from benchmarks.dispatch_setup import mean_message_size, prepare

    with ExitStack() as stack:
        app, edition_id = prepare(stack, args.recipients, args.database, args.port,
                                  args.processes, args.connections)  # fmt: skip

        started = time.perf_counter()
        report = app.sending.send(edition_id)
        elapsed = time.perf_counter() - started
        size = mean_message_size(app, edition_id)
    assert report.state == "sent", report
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"rate": report.counts["sent"] / elapsed, "sent": report.counts["sent"],
                      "size": size, "rss_parent_kb": peak_self,
                      "rss_worker_kb": peak_children}))  # fmt: skip


def run_child(recipients: int, database: str, port: int, processes: int, connections: int
              ) -> dict[str, float]:  # fmt: skip
    command = [sys.executable, __file__, "--child", "--recipients", str(recipients),
               "--database", database, "--port", str(port), "--processes", str(processes),
               "--connections", str(connections)]  # fmt: skip
    env = os.environ | {"PYTHONPATH": str(ROOT),
                        "NEWSLETTER_SECRET_KEYS": secrets.token_hex(32),
                        "NEWSLETTER_SUPPRESSION_PEPPER": secrets.token_hex(32)}  # fmt: skip
    out = subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@contextmanager
def database_url(backend: str, postgres: str) -> Iterator[str]:
    if backend == "postgresql":
        from newsletter.db import scratch_schema

        with scratch_schema(postgres) as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=5000)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--memory", default="5000,50000", help="recipient counts for peak RSS")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", default="", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    print(f"{datetime.now(UTC):%Y-%m-%d} — {args.recipients} recipients, "
          f"{args.connections} connections, {args.processes} sending processes")  # fmt: skip
    for backend in ("sqlite", "postgresql"):
        with smtp_sink() as port, database_url(backend, args.postgres) as url:
            ours = run_child(args.recipients, url, port, args.processes, args.connections)
            theirs = smtp_source(port, args.recipients, int(ours["size"]), args.connections)
        print(f"{backend:10} lettre: {ours['rate']:7.0f} msg/s  smtp-source: {theirs:7.0f} "
              f"msg/s  ratio {ours['rate'] / theirs:.2f} (goal ≥ 0.5), "
              f"mean message {ours['size'] / 1000:.0f} KB")  # fmt: skip
    for count in (int(n) for n in args.memory.split(",")):
        with smtp_sink() as port, database_url("sqlite", args.postgres) as url:
            figures = run_child(count, url, port, args.processes, args.connections)
        print(f"peak RSS for {count:6} recipients: parent {figures['rss_parent_kb'] / 1024:.0f} "
              f"MB, largest sending process {figures['rss_worker_kb'] / 1024:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
