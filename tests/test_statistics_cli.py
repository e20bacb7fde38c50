"""``newsletter stats`` prints each table of the year in French and writes the same
figures as CSV files; an unknown newsletter is one French line and a non-zero exit."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from newsletter.app import App
from newsletter.cli import cli
from tests.conftest import ROOT
from tests.statistics_history import craft


def _config(app: App, tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    config.write_text(text.replace("sqlite:///var/lettre.db", app.database.url), encoding="utf-8")
    return config


def test_stats_prints_and_writes_csv(app: App, tmp_path: Path) -> None:
    """The terminal and the CSV files carry the same figures as the stats page."""
    craft(app)
    folder = tmp_path / "chiffres"
    result = CliRunner().invoke(cli, ["--config", str(_config(app, tmp_path)), "stats",
                                      "--year", "2026", "--newsletter", "lettre",
                                      "--csv", str(folder)])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Envois des éditions de 2026" in result.output
    assert "n° 2 (période 2)" in result.output
    lines = (folder / "lettre-2026-editions-envois.csv").read_text(encoding="utf-8-sig")
    assert lines.splitlines()[0].startswith("Édition;Destinataires;Envoyés;")
    assert "n° 2 (période 2);4;3;0;1;0;66,7;30 min" in lines
    months = (folder / "lettre-2026-mouvements.csv").read_text(encoding="utf-8-sig")
    assert "mars 2026;1;1;1" in months


def test_stats_of_an_unknown_newsletter(app: App, tmp_path: Path) -> None:
    """One French line naming what to fix; exit code not zero."""
    result = CliRunner().invoke(cli, ["--config", str(_config(app, tmp_path)), "stats",
                                      "--newsletter", "inconnue"])  # fmt: skip
    assert result.exit_code != 0
    assert "lettre inconnue « inconnue »" in result.output
