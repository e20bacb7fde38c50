"""The edition commands, end to end: the demo, then an editor's session on its database."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner, Result

from newsletter.cli import cli
from newsletter.db import Database, utcnow
from newsletter.editions.store import EditionStore
from tests.smtp_server import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's configuration on a fresh SQLite file, its own port and output folder."""
    folder = tmp_path_factory.mktemp("cli")
    port = str(free_port())
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = text.replace('url = "sqlite:///var/lettre.db"', f'url = "sqlite:///{folder}/l.db"')
    text = text.replace("8765", port).replace('"templates/email"', f'"{ROOT}/templates/email"')
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(config: Path, *args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args], input=input)


@pytest.fixture(scope="module")
def demo(config: Path) -> Result:
    result = run(config, "demo")
    assert result.exit_code == 0, result.output
    return result


def test_demo_renders_a_lettre_and_a_reaap_issue(demo: Result, config: Path) -> None:
    """The demo assembles a Lettre and a Réaap issue and says where their files are."""
    pages = re.findall(r"page d’archive : (\S+)", demo.output)
    assert [Path(page).parent.name for page in pages] == ["lettre-87", "reaap-1"]
    for page in map(Path, pages):
        assert page.parent.parent == config.parent / "var" / "editions"
        for name in ("index.html", "message.txt", "preview.eml"):
            assert (page.parent / name).stat().st_size > 1000
    lettre = Path(pages[0]).read_text(encoding="utf-8")
    assert "La Lettre de Profession Banlieue" in lettre and "n° 87" in lettre
    assert "Chères lectrices, chers lecteurs," in lettre and "Mme Claire Martin" in lettre
    assert "Rendez-vous" in lettre and "Des centres de ressources partenaires" in lettre
    reaap = (Path(pages[1]).parent / "message.txt").read_text(encoding="utf-8")
    assert "LA LETTRE DU RÉAAP 93" in reaap and "Café des parents" in reaap


def test_list_and_show(demo: Result, config: Path) -> None:
    """`edition list` lists the drafts; `edition show` gives subject, state and contents."""
    listed = run(config, "edition", "list")
    assert listed.exit_code == 0 and "lettre" in listed.output and "reaap" in listed.output
    shown = run(config, "edition", "show", "1")
    assert shown.exit_code == 0
    assert "La Lettre de Profession Banlieue n° 87" in shown.output and "brouillon" in shown.output


def test_edit_render_approve(demo: Result, config: Path, tmp_path: Path) -> None:
    """An editor reorders, drops, adds, rewrites the édito, renders and approves."""
    shown = run(config, "edition", "show", "1").output
    fiches = re.findall(r"│ fiches\s+│ \d+\s+│ (\d+)", shown)
    assert len(fiches) >= 3
    edito = tmp_path / "edito.md"
    edito.write_text("Un **nouvel** édito.", encoding="utf-8")
    edited = run(
        config,
        "edition",
        "edit",
        "1",
        "--move",
        fiches[2],
        "1",
        "--drop",
        fiches[0],
        "--edito",
        str(edito),
        "--subject",
        "Numéro spécial",
    )
    assert edited.exit_code == 0, edited.output
    after = re.findall(r"│ fiches\s+│ \d+\s+│ (\d+)", edited.output)
    assert after[0] == fiches[2] and fiches[0] not in after
    readded = run(config, "edition", "edit", "1", "--add", fiches[0])
    assert (
        readded.exit_code == 0
        and re.findall(r"│ fiches\s+│ \d+\s+│ (\d+)", readded.output)[-1] == fiches[0]
    )

    out = tmp_path / "rendu"
    rendered = run(config, "edition", "render", "1", "--out", str(out))
    assert rendered.exit_code == 0, rendered.output
    assert "Numéro spécial" in rendered.output
    assert "Un <strong>nouvel</strong> édito." in (out / "index.html").read_text(encoding="utf-8")

    approved = run(config, "edition", "approve", "1")
    assert approved.exit_code == 0 and "approuvée" in approved.output
    again = run(config, "edition", "approve", "1")
    assert again.exit_code == 1 and "Erreur : " in again.output


def test_errors_are_one_french_line(demo: Result, config: Path) -> None:
    """Wrong input gives one line in French with a hint, and a non-zero exit code."""
    for args, expected in [
        (("edition", "show", "999"), "édition 999 introuvable"),
        (("edition", "assemble", "gazette"), "lettre inconnue : gazette"),
        (("edition", "assemble", "lettre"), "en préparation"),
        (("edition", "edit", "2"), "rien à modifier"),
        (("edition", "render", "2", "--themes", "jardin"), "thème inconnu : jardin"),
    ]:
        result = run(config, *args)
        assert result.exit_code != 0 and expected in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1


def test_numbering_and_feed(demo: Result, config: Path) -> None:
    """`edition number` shows and sets the next number; `edition feed` writes Atom."""
    assert "n° 88" in run(config, "edition", "number", "lettre").output
    assert "n° 95" in run(config, "edition", "number", "lettre", "--set", "95").output
    assert "n° 2" in run(config, "edition", "number", "reaap").output
    feed = run(config, "edition", "feed", "lettre")
    assert (
        feed.exit_code == 0
        and "<feed" in feed.output
        and "http://www.w3.org/2005/Atom" in feed.output
    )


def test_special_issue_from_the_command_line(demo: Result, config: Path) -> None:
    """`edition assemble --special` makes the same special issue as the edition pages: its
    subject, date and chosen items, the next number, and what the draft lacks."""
    shown = run(config, "edition", "show", "1").output
    fiche = re.findall(r"│ fiches\s+│ \d+\s+│ (\d+)", shown)[0]
    refused = run(config, "edition", "assemble", "lettre", "--item", fiche)
    assert refused.exit_code == 1 and "numéro spécial" in refused.output
    made = run(config, "edition", "assemble", "lettre", "--special", "Invitation aux Rencontres",
               "--date", "2099-01-06", "--item", fiche)  # fmt: skip
    assert made.exit_code == 0, made.output
    said = " ".join(made.output.split())  # the console wraps long lines
    assert "Invitation aux Rencontres — envoi le 06/01/2099 09:00, 1 élément en 1 rubrique." in said
    assert "Attention : à écrire : l’édito" in made.output
    assert re.search(rf"│ fiches\s+│ 1\s+│ {fiche}\s", made.output)


def test_send_time_moved_then_programmed(demo: Result, config: Path) -> None:
    """`edition schedule` refuses a send time already past, saying what to do;
    `edition reschedule` moves it as the edition page does (another day: to approve again;
    a past time refused); `edition schedule` then shows what the send will do and, without
    a terminal to answer, wants --yes."""
    database = Database(f"sqlite:///{config.parent}/l.db")
    with database.session() as session:  # the demo's Lettre, due an hour ago
        lettre = EditionStore(session).get(1)
        lettre.send_at = utcnow() - timedelta(hours=1)
        lettre.next_send_at = utcnow() + timedelta(days=60)
    database.dispose()
    past = run(config, "edition", "schedule", "1", "--yes")
    assert past.exit_code == 1 and "est passée (choisissez une nouvelle date" in past.output
    tomorrow = datetime.now(ZoneInfo("Europe/Paris")).date() + timedelta(days=1)
    moved = run(config, "edition", "reschedule", "1", f"{tomorrow} 10:00")
    assert moved.exit_code == 0, moved.output
    assert moved.output.startswith("Édition 1 : envoi prévu le ") and "brouillon" in moved.output
    refused = run(config, "edition", "reschedule", "1", "2020-01-07 09:00")
    assert refused.exit_code == 1 and "est passé (choisissez une date" in refused.output
    assert run(config, "edition", "approve", "1").exit_code == 0
    unconfirmed = run(config, "edition", "schedule", "1")
    assert unconfirmed.exit_code == 1 and "Erreur : confirmation requise" in unconfirmed.output
    assert "Objet : " in unconfirmed.output  # what the send will do, shown first
    scheduled = run(config, "edition", "schedule", "1", "--yes")
    assert scheduled.exit_code == 0, scheduled.output
    assert "Édition 1 programmée" in scheduled.output
