"""Errors an operator can meet on the command line: one French line, a hint, an exit code.

Those decided before any work starts (usage, configuration) are checked in this process
(`invoke`): the terminal gets the same lines and exit code; those about a process (a lock,
an interruption, the database server) are checked on the installed command, the database
prepared beforehand in this process."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from newsletter.demo.people import csv_text, people, row
from tests import commands
from tests.conftest import missing
from tests.databases import PostgresServer
from tests.test_cli import NEWSLETTER, invoke, run


@pytest.fixture
def config(write_config: Callable[..., Path]) -> Path:
    return write_config()


def one_french_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Erreur : "), stderr
    assert "Traceback" not in stderr and "Error:" not in stderr and "Usage:" not in stderr
    return lines[0]


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("foo",), "commande inconnue : 'foo'"),
        (("edition", "send"), "argument manquant 'EDITION_ID'"),
        (("edition", "send", "abc"), "'abc' n’est pas un nombre valide"),
        (("items", "list", "--kind", "blog"), "'blog' n’est pas l’un de"),
        (("items", "list", "--bof"), "option inconnue : '--bof'"),
        (("subscribers", "import", "/nulle/part.csv", "--list", "lettre"), "introuvable"),
    ],
    ids=["command", "missing", "number", "choice", "option", "file"],
)
def test_usage_errors_are_one_french_line(config: Path, args: tuple[str, ...], said: str) -> None:
    """Click's usage errors come out in French, on one line naming the help to read, exit 2."""
    result = invoke(config, *args)
    assert result.exit_code == 2
    line = one_french_line(result.stderr)
    assert said in line and "--help`" in line


def test_help_is_in_french(config: Path) -> None:
    """`--help` speaks French: usage, options and commands headings, the help option."""
    shown = invoke(config, "edition", "--help").stdout
    for words in ("Utilisation :", "Commandes:", "Affiche cette aide."):
        assert words in shown


def test_database_not_initialised(config: Path) -> None:
    """A command on a database `init` never prepared says so and how to fix it."""
    result = invoke(config, "items", "list")
    assert result.exit_code == 1
    line = one_french_line(result.stderr)
    assert "n’est pas initialisée" in line and "newsletter init" in line


def test_database_unreachable(write_config: Callable[..., Path]) -> None:
    """A database server that cannot be reached is one line naming the setting to check."""
    config = write_config(database={"url": "postgresql://nobody@127.0.0.1:9/lettre"})
    result = run(config, "init")
    assert result.returncode == 1
    line = one_french_line(result.stderr)
    assert "base de données injoignable" in line and "database.url" in line


ENV = {"PATH": "/usr/bin:/bin", "COLUMNS": "200", "LANG": "C.UTF-8",
       "NEWSLETTER_SUPPRESSION_PEPPER": "p" * 40, "NEWSLETTER_SECRET_KEYS": "k" * 40}  # fmt: skip


def newsletter(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The command as a process of its own (tests/commands.py), beside this test's."""
    return commands.run(["--config", str(config), *args], ENV)


@pytest.mark.parametrize(
    ("overrides", "said"),
    [
        ({"dispatch": {"processes": "deux"}}, "dispatch.processes: doit être un nombre entier"),
        ({"dispatch": {"processes": 0}}, "doit être supérieur ou égal à 1 (valeur : 0)"),
        ({"transport": {"kind": "pigeon"}}, "valeur non admise (valeurs possibles : 'maildir'"),
        ({"database": {"echo": "oui"}}, "database.echo: doit valoir true ou false"),
        ({"web": "ouvert"}, "web: doit être une table TOML"),
        ({"database": {"url": "mysql://lettre@localhost/lettre"}}, "non prise en charge"),
        ({"database": {"url": "sqlite+inconnu:///lettre.db"}}, "database.url inutilisable"),
        ({"database": {"url": "pas une adresse"}}, "database.url illisible"),
    ],
    ids=["integer", "minimum", "literal", "boolean", "table", "scheme", "driver", "url"],
)
def test_configuration_errors_are_one_french_line(
    write_config: Callable[..., Path], overrides: dict[str, Any], said: str
) -> None:
    """A wrong value in config.toml (pydantic's type, bound and choice errors, a database URL
    SQLAlchemy cannot use) is one French line naming the key, exit code 2."""
    result = invoke(write_config(**overrides), "init")
    assert result.exit_code == 2, result.stderr
    line = one_french_line(result.stderr)
    assert said in line and "Input should" not in line


def test_configuration_not_in_utf8(write_config: Callable[..., Path]) -> None:
    """A config.toml saved in Windows-1252 is one line saying to save it in UTF-8."""
    config = write_config()
    config.write_bytes(config.read_bytes() + "# réglages\n".encode("cp1252"))
    result = invoke(config, "items", "list")
    assert result.exit_code == 2
    line = one_french_line(result.stderr)
    assert "n’est pas en UTF-8" in line and "enregistrez le fichier en UTF-8" in line


def test_database_locked_by_another_writer(write_config: Callable[..., Path]) -> None:
    """A write that waits past the busy timeout for another process's transaction is one
    line saying the database is busy and to retry, exit code 1."""
    config = write_config(database={"url": "sqlite:///var/lettre.db?timeout=0.3"})
    assert invoke(config, "init").exit_code == 0
    holder = sqlite3.connect(config.parent / "var" / "lettre.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = newsletter(
            config,
            "subscribers",
            "add",
            "nadia@cs-pantin.fr",
            "--list",
            "lettre",
            "--source",
            "téléphone",
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 1
    line = one_french_line(result.stderr)
    assert "base de données occupée" in line and "réessayez" in line


def test_database_file_read_only(write_config: Callable[..., Path]) -> None:
    """A database file and folder Lettre may read but not write (immutable: even root cannot)
    give one line saying so, exit code 1."""
    chattr = shutil.which("chattr")
    if chattr is None:
        missing("chattr", "apt-get install e2fsprogs")
        return
    config = write_config()
    assert invoke(config, "init").exit_code == 0
    folder = config.parent / "var"
    frozen = [folder / "lettre.db", folder]
    subprocess.run([chattr, "+i", *map(str, frozen)], check=True)
    try:
        result = newsletter(
            config,
            "subscribers",
            "add",
            "nadia@cs-pantin.fr",
            "--list",
            "lettre",
            "--source",
            "téléphone",
        )
    finally:
        subprocess.run([chattr, "-i", *map(str, frozen)], check=True)
    assert result.returncode == 1, result.stderr
    line = one_french_line(result.stderr)
    assert "lecture seule" in line or "impossible d'ouvrir" in line, line


def test_database_read_only_on_postgresql(
    write_config: Callable[..., Path], postgres_server: PostgresServer
) -> None:
    """A PostgreSQL server that refuses writes (a standby, a read-only role) is one line."""
    with postgres_server.schema(migrated=False) as url:
        assert invoke(write_config(database={"url": url}), "init").exit_code == 0
        read_only = f"{url}%20-cdefault_transaction_read_only%3Don"
        config = write_config(database={"url": read_only})
        result = newsletter(
            config,
            "subscribers",
            "add",
            "nadia@cs-pantin.fr",
            "--list",
            "lettre",
            "--source",
            "téléphone",
        )
    assert result.returncode == 1, result.stderr
    assert "lecture seule" in one_french_line(result.stderr)


def test_concurrent_init_on_postgresql(
    write_config: Callable[..., Path], postgres_server: PostgresServer
) -> None:
    """Two `newsletter init` at once on an empty PostgreSQL database both succeed: the
    second waits for the first's migration, then finds the schema up to date."""
    with postgres_server.schema(migrated=False) as url:
        config = write_config(database={"url": url})
        runs = [commands.start(["--config", str(config), "init"], ENV) for _ in range(3)]
        outcomes = [(run.wait(120), run.stderr.read().decode()) for run in runs]
        assert outcomes == [(0, "")] * 3
        assert invoke(config, "items", "list").exit_code == 0


def cpu_seconds(pid: int) -> float:
    """Processor time a process has used (its load, whatever the machine's)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_interrupted_command_is_one_line(write_config: Callable[..., Path]) -> None:
    """Ctrl-C during a command (a big import) prints « Interrompu. » alone, exits 130 and
    writes nothing."""
    config = write_config()
    assert invoke(config, "init").exit_code == 0
    file = config.parent / "contacts.csv"
    file.write_text(csv_text(row(person) for person in people(60_000)), encoding="utf-8")
    command = [str(NEWSLETTER), "--config", str(config), "subscribers", "import", str(file),
               "--list", "lettre", "--source", "annuaire"]  # fmt: skip
    # As from a terminal: SIGINT at its default in the command, even where this test runs
    # with it ignored (a background job without job control), which the command inherits.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=ENV, preexec_fn=default_sigint)  # fmt: skip
    while cpu_seconds(process.pid) < 1.5:  # started, and well into reading the file
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert stderr.splitlines() == ["Interrompu."]
    count = invoke(config, "subscribers", "count")
    assert count.stdout.strip() == "0"
