"""Errors an operator can meet on the command line: one French line, a hint, an exit code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_cli import run


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
    result = run(config, *args)
    assert result.returncode == 2
    line = one_french_line(result.stderr)
    assert said in line and "--help`" in line


def test_help_is_in_french(config: Path) -> None:
    """`--help` speaks French: usage, options and commands headings, the help option."""
    shown = run(config, "edition", "--help").stdout
    for words in ("Utilisation :", "Commandes:", "Affiche cette aide."):
        assert words in shown


def test_database_not_initialised(config: Path) -> None:
    """A command on a database `init` never prepared says so and how to fix it."""
    result = run(config, "items", "list")
    assert result.returncode == 1
    line = one_french_line(result.stderr)
    assert "n’est pas initialisée" in line and "newsletter init" in line


def test_database_unreachable(write_config: Callable[..., Path]) -> None:
    """A database server that cannot be reached is one line naming the setting to check."""
    config = write_config(database={"url": "postgresql://nobody@127.0.0.1:9/lettre"})
    result = run(config, "init")
    assert result.returncode == 1
    line = one_french_line(result.stderr)
    assert "base de données injoignable" in line and "database.url" in line
