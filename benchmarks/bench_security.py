"""Benchmark: the server's memory under the attacks of the security review (issue 17), and
the subscription form's timing whatever the address.

Starts the real server (`newsletter serve`, a separate process, SQLite, behind a "proxy"
on the loopback: web.trusted_proxies, so that each request can claim its own client
address and none is throttled) and samples its resident memory (RSS) every 10 ms while:

- 30 logins at once on unknown accounts (an Argon2 verification at 64 MiB each; at most
  web.password_checks run at once);
- a 300 MB JSON body sent to the API without a token, streamed without a length (cut at
  web.max_body_bytes), then announced with its length (refused before reading);

goal: the server stays under 300 MB. Then the subscription form, answered for 20 new
addresses and 20 times for an active subscriber: the medians should not differ (the
request is recorded and its email sent after the answer).

    .venv/bin/python benchmarks/bench_security.py [--password-checks 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx
import psutil
import tomli_w
from bench_backoffice import ENVIRON, configure, csrf, free_port, server

from newsletter.app import build
from newsletter.settings import load_settings
from subscribers.consent import Consent
from subscribers.details import Details

PARALLEL = 30
BODY = 300 * 2**20
GOAL = 300 * 2**20
ACTIVE = "deja.abonnee@exemple.fr"


def prepare(folder: Path, checks: int) -> tuple[Path, int]:
    """The configuration (trusted loopback proxy, password checks) and the database, with
    one active subscriber."""
    port = free_port()
    config = configure(folder, f"sqlite:///{folder / 'lettre.db'}", port)
    settings = load_settings(config, {**ENVIRON})
    data = settings.model_dump(mode="json", exclude={"path"}, exclude_none=True)
    data["web"] |= {"trusted_proxies": ["127.0.0.1"], "password_checks": checks}
    config.write_text(tomli_w.dumps(data), encoding="utf-8")
    app = build(load_settings(config, ENVIRON), ENVIRON)
    app.database.migrate()
    with app.database.session() as session:
        consent = Consent("admin", "2026-01", "benchmark")
        app.subscriber_store(session).admin_add(ACTIVE, Details(), ["lettre"], consent)
    app.close()
    return config, port


class Peak:
    """The highest RSS of a process while the block runs, sampled every 10 ms."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.highest = 0
        self._stop = threading.Event()

    def __enter__(self) -> Peak:
        self.highest = self.process.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.01):
            self.highest = max(self.highest, self.process.memory_info().rss)


def megabytes(size: int) -> str:
    return f"{size / 2**20:.0f} MB"


def logins(url: str) -> tuple[float, list[int]]:
    clients = [httpx.Client(base_url=url, timeout=120,
                            headers={"X-Forwarded-For": f"10.20.0.{n}"})
               for n in range(PARALLEL)]  # fmt: skip
    tokens = [csrf(client.get("/editeurs/connexion").text) for client in clients]
    start = threading.Barrier(PARALLEL)

    def attempt(n: int) -> int:
        start.wait()
        form = {"csrf_token": tokens[n], "email": f"inconnu{n}@exemple.fr", "password": "x" * 16}
        return clients[n].post("/editeurs/connexion", data=form).status_code

    started = time.perf_counter()
    with ThreadPoolExecutor(PARALLEL) as pool:
        codes = list(pool.map(attempt, range(PARALLEL)))
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    return elapsed, codes


def big_bodies(url: str) -> list[str]:
    """The 300 MB body, streamed then announced; what the server answered."""

    def stream() -> Iterator[bytes]:
        chunk = b" " * 2**20
        for _ in range(BODY // len(chunk)):
            yield chunk

    answers = []
    for headers, content in (({}, stream()), ({"Content-Length": str(BODY)}, stream())):
        try:
            headers = {"Content-Type": "application/json", **headers}
            response = httpx.post(f"{url}/api/v1/items", content=content, timeout=120,
                                  headers=headers)  # fmt: skip
            answers.append(str(response.status_code))
        except httpx.TransportError as exc:
            answers.append(f"connection closed by the server ({type(exc).__name__})")
    return answers


def form_timing(url: str) -> tuple[float, float]:
    """Median answer of the subscription form, new addresses vs an active subscriber."""

    def answer(email: str) -> float:
        with httpx.Client(base_url=url, timeout=30) as client:
            token = csrf(client.get("/abonnement").text)
            form = {"csrf_token": token, "email": email, "lists": ["lettre"]}
            started = time.perf_counter()
            response = client.post("/abonnement", data=form)
            elapsed = time.perf_counter() - started
            assert response.status_code == 303, response.text[-300:]
            return elapsed

    new: list[float] = []
    known: list[float] = []
    for n in range(20):
        new.append(answer(f"nouvelle{n}@exemple.fr"))
        known.append(answer(ACTIVE))
    return statistics.median(new), statistics.median(known)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--password-checks", type=int, default=2)
    options = parser.parse_args()
    print(f"{date.today()} — security: 30 parallel logins, a 300 MB body "
          f"(web.password_checks = {options.password_checks})")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        config, port = prepare(Path(tmp), options.password_checks)
        with server(config, port) as url:
            process = _server_process(port)
            for _ in range(5):
                httpx.get(f"{url}/abonnement")
            print(f"  server at rest: {megabytes(process.memory_info().rss)}")
            measured: list[tuple[str, Callable[[], str]]] = [
                ("30 parallel logins on unknown accounts", lambda: _logins_text(url)),
                ("300 MB body to the API, streamed then announced", lambda: _bodies_text(url)),
            ]  # fmt: skip
            for label, run in measured:
                with Peak(process.pid) as peak:
                    outcome = run()
                verdict = "met" if peak.highest < GOAL else "MISSED"
                print(f"  {label:<50} peak {megabytes(peak.highest):>7} "
                      f"(goal < {megabytes(GOAL)}: {verdict}) — {outcome}")  # fmt: skip
            new, known = form_timing(url)
            print(f"  subscription form, median answer: new address {new * 1000:.1f} ms, "
                  f"active subscriber {known * 1000:.1f} ms")  # fmt: skip


def _logins_text(url: str) -> str:
    elapsed, codes = logins(url)
    return f"{codes.count(400)} refused in {elapsed:.1f} s"


def _bodies_text(url: str) -> str:
    return "answered " + ", ".join(big_bodies(url))


def _server_process(port: int) -> psutil.Process:
    """The process listening on ``port`` (`newsletter serve`)."""
    for connection in psutil.net_connections("tcp"):
        if connection.laddr and connection.laddr.port == port and connection.status == "LISTEN":
            return psutil.Process(connection.pid)
    raise RuntimeError("no process listens on the server's port")


if __name__ == "__main__":
    main()
