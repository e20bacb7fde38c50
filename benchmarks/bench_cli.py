"""Benchmark: start-up of the command line, as operators and cron meet it. Runs
``newsletter --help``, ``newsletter sources`` and ``newsletter items list`` as processes on a
SQLite database holding the demo's gathered items, and prints the median wall time of each
(goals on the 2-core machine: ``--help`` < 0.3 s, ``sources`` < 0.5 s), and the processor
time each used (user + system, which a busy shared machine inflates much less than wall time).

The issue's reference, rss2email's ``r2e --help`` (0.15–0.2 s on the machine where the goals
were set), is timed in the same run: machines of the same kind differ by up to twice in
speed, so each command is also given as a multiple of it.

    .venv/bin/python benchmarks/bench_cli.py [--runs 10]
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import tomli_w

ROOT = Path(__file__).resolve().parent.parent
NEWSLETTER = Path(sys.executable).with_name("newsletter")
R2E = Path(sys.executable).with_name("r2e")  # the `bench` extra (make installs it)
COMMANDS = (("--help",), ("sources",), ("items", "list"))
GOALS = {"--help": 0.3, "sources": 0.5}


def run(command: list[str]) -> tuple[float, float]:
    """Wall and processor seconds of one run of the command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "COLUMNS": "200"})  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    options = parser.parse_args()
    if not R2E.exists():
        sys.exit(f"{R2E} is missing: pip install -e '.[bench]' (make installs it)")
    # Timed as installed: pip compiles a package's modules when it installs it, while an
    # editable install compiles them at first use — unless PYTHONDONTWRITEBYTECODE is set,
    # as on CI's machines, where every run would compile them again.
    for package in ("newsletter", "subscribers", "jobs"):
        compileall.compile_dir(ROOT / package, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
        data["rendering"]["templates"] = str(ROOT / data["rendering"]["templates"])
        config = folder / "config.toml"
        config.write_text(tomli_w.dumps(data), encoding="utf-8")
        shutil.copytree(ROOT / "templates", folder / "templates")
        newsletter = [str(NEWSLETTER), "--config", str(config)]
        run([*newsletter, "demo"])  # the database with the sample feeds' items
        print(f"start-up, median of {options.runs} runs (demo database, SQLite)")
        reference = timed("r2e --help", [str(R2E), "--help"], options.runs)
        for args in COMMANDS:
            name = " ".join(args)
            timed(f"newsletter {name}", [*newsletter, *args], options.runs, reference,
                  GOALS.get(name))  # fmt: skip


def timed(name: str, command: list[str], runs: int, reference: float = 0.0,
          goal: float | None = None) -> float:  # fmt: skip
    """Run the command ``runs`` times, print its figures and return its median."""
    results = [run(command) for _ in range(runs)]
    times = [wall for wall, _ in results]
    median = statistics.median(times)
    cpu = statistics.median(cpu for _, cpu in results)
    ratio = f", {median / reference:.1f} × r2e" if reference else ""
    verdict = "" if goal is None else " ok" if median < goal else f" ABOVE the goal of {goal} s"
    print(f"  {name:<24} median {median:.3f} s (min {min(times):.3f}, max {max(times):.3f}), "
          f"processor {cpu:.3f} s{ratio}{verdict}")  # fmt: skip
    return median


if __name__ == "__main__":
    main()
