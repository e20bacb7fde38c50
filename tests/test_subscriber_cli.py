"""The subscriber commands as an operator runs them: import, count, export, show, forget…"""

from __future__ import annotations

import csv
import json
import mailbox
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from newsletter.cli import cli
from newsletter.db import Database
from newsletter.demo.people import csv_text, people, row
from newsletter.schema import metadata
from newsletter.secrets import Secrets
from subscribers.csvfile import neutralise
from subscribers.suppression import email_hash
from tests.conftest import PEPPER, ROOT

Run = Callable[..., Result]
DATA = Path(__file__).parent / "data" / "bounces"


@pytest.fixture
def run(database: Database, tmp_path: Path, app_secrets: Secrets) -> Run:
    """``newsletter --config …`` on the test database; exit code checked unless told."""
    config = tmp_path / "config.toml"
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    config.write_text(text.replace("sqlite:///var/lettre.db", database.url), encoding="utf-8")

    def invoke(*args: str, code: int = 0, input_text: str | None = None) -> Result:
        result = CliRunner().invoke(cli, ["--config", str(config), *args], input=input_text)
        assert result.exit_code == code, result.output
        return result

    return invoke


@pytest.fixture
def imported(run: Run, tmp_path: Path) -> list[str]:
    """Sixty sample people imported into the Lettre; their addresses."""
    crowd = people(60, seed=3)
    file = tmp_path / "contacts.csv"
    file.write_bytes(csv_text(row(p) for p in crowd).encode("cp1252"))
    run("subscribers", "import", str(file), "--list", "lettre", "--source", "annuaire 2024")
    return [p.email for p in crowd]


def test_import_dry_run_then_import_and_count(run: Run, tmp_path: Path) -> None:
    """The import prints its report; --dry-run writes nothing; count gives the audience."""
    crowd = people(40, seed=5)
    file = tmp_path / "contacts.csv"
    file.write_bytes(csv_text([*(row(p) for p in crowd), row(crowd[0], "pas-une-adresse")])
                     .encode("utf-8-sig"))  # fmt: skip
    trial = run("subscribers", "import", str(file), "--list", "reaap", "--source", "x", "--dry-run")
    assert "40 personne(s) seraient créée(s)" in trial.output
    assert "ligne 42 : adresse électronique invalide « pas-une-adresse »" in trial.output
    assert run("subscribers", "count", "--list", "reaap").output.strip() == "0"
    run("subscribers", "import", str(file), "--list", "reaap", "--source", "x")
    assert run("subscribers", "count", "--list", "reaap").output.strip() == "40"
    elus = sum(1 for p in crowd if p.profile == "elu" and p.department == "93")
    assert run("subscribers", "count", "--segment", "elus-93").output.strip() == str(elus)


def test_unknown_list_or_segment_is_one_clear_error(run: Run) -> None:
    """An unknown list or segment is an error line with a hint, exit code 1."""
    assert (
        "liste inconnue « sport »" in run("subscribers", "count", "--list", "sport", code=1).output
    )
    result = run("subscribers", "count", "--segment", "nope", code=1)
    assert "segment inconnu « nope »" in result.output and "elus-93" in result.output


def test_export_opens_in_a_french_spreadsheet(
    run: Run, imported: list[str], tmp_path: Path
) -> None:
    """The export is UTF-8 with BOM, ; separated, CRLF, and formulas are neutralised."""
    run("subscribers", "add", "pirate@exemple.fr", "--list", "lettre", "--source", "téléphone",
        "--organisation", "=HYPERLINK(\"http://x\")", "--function", "+33 1 48 00 00 00",
        "--last-name", "-Martin", "--first-name", "@moi")  # fmt: skip
    file = tmp_path / "export.csv"
    assert "61 abonné(s) exporté(s)" in run("subscribers", "export", str(file)).output
    data = file.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfcourriel;civilit\xc3\xa9;pr\xc3\xa9nom;nom;")
    lines = data.decode("utf-8-sig").split("\r\n")
    assert len(lines) == 63 and lines[-1] == ""
    pirate = next(csv.reader([line for line in lines if line.startswith("pirate@")], delimiter=";"))
    assert pirate[2:6] == ["'@moi", "'-Martin", '\'=HYPERLINK("http://x")', "'+33 1 48 00 00 00"]
    assert [neutralise(cell) for cell in ("\tx", "\rx", "Bondy", "93")] == [
        "'\tx",
        "'\rx",
        "Bondy",
        "93",
    ]


def test_export_round_trips_through_import(run: Run, imported: list[str], tmp_path: Path) -> None:
    """An exported file imports again into another list without loss or rejection."""
    file = tmp_path / "export.csv"
    run("subscribers", "export", str(file), "--list", "lettre")
    result = run("subscribers", "import", str(file), "--list", "clas", "--source", "export")
    assert "0 ligne(s) refusée(s)" in result.output
    assert "60 déjà connue(s) ; 60 ont été abonnée(s) à « Lettre du réseau Clas »" in result.output
    assert "Colonnes ignorées : listes, statut, inscrit le." in result.output


def test_show_json_gives_everything_stored(run: Run, imported: list[str]) -> None:
    """show --json lists the person's data, subscriptions and consents (right of access)."""
    data = json.loads(run("subscribers", "show", imported[0].upper(), "--json").output)
    assert data["adresse"] == imported[0]
    assert [s["liste"] for s in data["abonnements"]] == ["lettre"]
    [consent] = data["consentements"]
    assert (consent["comment"], consent["source"], consent["version_du_texte"]) == (
        "import de fichier", "annuaire 2024", "2026-01",
    )  # fmt: skip


def test_forget_leaves_only_the_hash(run: Run, imported: list[str], database: Database) -> None:
    """After erasure no table holds the address or anything keyed by it; only the
    suppression hash remains, and it bars the address from coming back."""
    email = imported[0]
    digest = email_hash(email.lower(), PEPPER.encode())
    run("subscribers", "forget", email, "--yes")
    with database.engine.connect() as connection:
        for table in metadata.sorted_tables:
            for values in connection.execute(sa.select(table)):
                text = " ".join(str(value) for value in values).lower()
                assert email.lower() not in text, table.name
                assert digest not in text or table.name == "suppression", table.name
        entries = connection.execute(sa.text("SELECT reason, list_key FROM suppression")).all()
    assert [tuple(entry) for entry in entries] == [("erased", "*")]
    run("subscribers", "show", email, code=1)
    result = run("subscribers", "add", email, "--list", "lettre", code=1)
    assert "liste d'exclusion" in result.output


def test_unsubscribe_and_purge(run: Run, imported: list[str]) -> None:
    """unsubscribe leaves a list; purge reports what the retention rules removed."""
    result = run("subscribers", "unsubscribe", imported[1], "--list", "lettre")
    assert "désabonné(e) de : lettre" in result.output
    assert run("subscribers", "count", "--list", "lettre").output.strip() == "59"
    assert "0 désabonné(s) réduit(s)" in run("subscribers", "purge").output


def test_segments_saved_and_listed(run: Run, imported: list[str]) -> None:
    """An editor saves a segment (same keys as config.toml); it is counted and listed."""
    rule = '{"departments": ["93"], "none_of": [{"profiles": ["elu"]}]}'
    result = run("subscribers", "segment-save", "hors-elus-93", rule, "--label", "Hors élus")
    assert result.output.startswith("Segment « hors-elus-93 » enregistré : ")
    listed = run("subscribers", "segments").output
    assert "hors-elus-93" in listed and "elus-93" in listed
    bad = run("subscribers", "segment-save", "x", '{"profiles": ["sportif"]}', code=1)
    assert "profil inconnu 'sportif'" in bad.output


def test_bounces_dry_run_json_then_process_maildir(
    run: Run, imported: list[str], tmp_path: Path
) -> None:
    """bounces process --dry-run --json shows each message's understanding and changes
    nothing; a real run applies it and moves the messages to cur/."""
    run("subscribers", "add", "jean.martin@orange.fr", "--list", "lettre", "--source", "courrier")
    box = mailbox.Maildir(tmp_path / "Maildir")
    for name in ("orange_550_user_unknown.eml", "absence.eml", "arf_complaint.eml"):
        box.add((DATA / name).read_bytes())
    trial = run("bounces", "process", str(tmp_path / "Maildir"), "--dry-run", "--json")
    understood = sorted(
        (line["kind"], line["address"], line["status"], line["subscriber"])
        for line in map(json.loads, trial.output.splitlines())
    )
    assert understood == [
        ("complaint", "sophie.garnier@laposte.net", "", None),
        ("hard", "jean.martin@orange.fr", "5.1.1", "jean.martin@orange.fr"),
        ("ignored", "", "", None),
    ]
    assert run("subscribers", "count", "--list", "lettre").output.strip() == "61"
    assert len(list((tmp_path / "Maildir" / "new").iterdir())) == 3
    result = run("bounces", "process", str(tmp_path / "Maildir"))
    assert "3 message(s) : 1 erreur(s) définitive(s)" in result.output
    assert run("subscribers", "count", "--list", "lettre").output.strip() == "60"
    assert len(list((tmp_path / "Maildir" / "cur").iterdir())) == 3


def test_missing_secrets_are_explained(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without NEWSLETTER_SUPPRESSION_PEPPER a command says which variable to set."""
    monkeypatch.delenv("NEWSLETTER_SUPPRESSION_PEPPER")
    result = run("subscribers", "count", "--list", "lettre", code=2)
    assert "NEWSLETTER_SUPPRESSION_PEPPER" in result.output


def test_admin_add_keeps_what_was_not_typed(run: Run, imported: list[str]) -> None:
    """Adding a known person to another list keeps their details; typed options win."""
    before = json.loads(run("subscribers", "show", imported[2], "--json").output)
    run(
        "subscribers",
        "add",
        imported[2],
        "--list",
        "reaap",
        "--function",
        "Directrice",
        "--source",
        "téléphone",
    )
    after = json.loads(run("subscribers", "show", imported[2], "--json").output)
    assert (after["nom"], after["organisme"], after["profil"]) == (
        before["nom"], before["organisme"], before["profil"],
    )  # fmt: skip
    assert after["fonction"] == "Directrice"
    assert [s["liste"] for s in after["abonnements"]] == ["lettre", "reaap"]
    assert [c["comment"] for c in after["consentements"]] == [
        "import de fichier", "ajout par un éditeur"]  # fmt: skip


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_coordinator_on_the_command_line(
    run: Run, imported: list[str], tmp_path: Path, database: Database
) -> None:
    """`--user` applies the editors' rules: a Réaap coordinator shows, changes, erases,
    reactivates and exports the Réaap's people only (exit 1, one French line, nothing
    changed otherwise); what they may do is in the audit trail under their name."""
    run("users", "add", "coord@exemple.fr", "--role", "coordinator", "--newsletter", "reaap",
        "--password-stdin", input_text="une phrase de passe solide\n")  # fmt: skip
    coordinator = ("--user", "coord@exemple.fr", "subscribers")
    lettre_only, both = imported[0], imported[1]
    run("subscribers", "add", both, "--list", "reaap", "--source", "téléphone")
    export = tmp_path / "reaap.csv"
    refused = (
        ("show", lettre_only), ("unsubscribe", lettre_only), ("forget", lettre_only, "--yes"),
        ("reactivate", lettre_only, "--reason", "x"), ("forget", both, "--yes"),
        ("unsubscribe", both, "--list", "lettre"), ("export", str(export), "--list", "lettre"),
        ("segment-save", "x", '{"profiles": ["elu"]}'),
        ("add", "x@exemple.fr", "--list", "lettre", "--source", "t"),
    )  # fmt: skip
    for args in refused:
        result = run(*coordinator, *args, code=1)
        assert result.output.startswith("Erreur") and result.output.count("\n") == 1, args
    assert not export.exists()
    shown = json.loads(run(*coordinator, "show", both, "--json").output)
    assert [s["liste"] for s in shown["abonnements"]] == ["reaap"]
    run(*coordinator, "export", str(export), "--list", "reaap")
    assert export.read_bytes().count(b"\r\n") == 2 and both.encode() in export.read_bytes()
    assert "reaap" in run(*coordinator, "unsubscribe", both).output
    everyone = json.loads(run("subscribers", "show", both, "--json").output)
    assert {s["liste"]: s["statut"] for s in everyone["abonnements"]} == {
        "lettre": "abonné", "reaap": "désabonné"}  # fmt: skip
    with database.engine.connect() as connection:
        trail = connection.execute(
            sa.text(
                "SELECT action, actor, list_key FROM audit_entries "
                "WHERE actor LIKE 'coord@%' ORDER BY id"
            )
        ).all()
    assert [(action, key) for action, _, key in trail] == [("export", "reaap"),
                                                           ("unsubscribe", "reaap")]  # fmt: skip
