"""Editorial input: CSV (`;` or `,`, UTF-8 or Windows-1252) and JSON files typed by editors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from newsletter.content.models import Item
from newsletter.db import Database
from newsletter.settings import Settings
from newsletter.sources.editorial import import_file

GOOD = """Type;Titre;Résumé;Lien;Début;Lieu;Thèmes;Réseaux
mouvement;Mouvements à Bobigny;La cheffe de projet rejoint la préfecture.;;;;gouvernance;
publication;Les Cahiers de Profession Banlieue;<p>Le Cahier du cycle.</p><script>x()</script>;https://pb.fr/cahier;;;;
ressource;Références : parentalité;Ouvrages au centre de documentation.;;;;;reaap

agenda;Soirée du Réaap;Rencontre des porteurs de projet.;https://pb.fr/soiree;\
Mardi 4 mars 2025 à 18h30;Saint-Denis;;reaap
"""

BAD = """type,titre,début,lien,thèmes
fiche,Une fiche correcte,,,
blog,Un billet,,,
fiche,,,,
agenda,Colloque sans date,,,
agenda,Colloque,31 février 2025,,
fiche,Lien piégé,,javascript:alert(1),
fiche,Thème inconnu,,,sport
"""


def items(database: Database) -> list[Item]:
    with database.session() as session:
        return list(session.scalars(sa.select(Item).order_by(Item.id)))


def test_csv_in_windows_1252_is_imported(
    database: Database, tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    """A `;` CSV saved by Excel in Windows-1252 imports with its accents and French dates."""
    path = tmp_path / "saisie.csv"
    path.write_bytes(GOOD.encode("cp1252"))
    saved, errors = import_file(database, make_settings(), path, "tests")
    assert errors == [] and saved is not None and saved.new == 4
    stored = {item.kind: item for item in items(database)}
    assert stored["mouvement"].title == "Mouvements à Bobigny"
    assert "<script" not in stored["publication"].summary
    agenda = stored["agenda"]
    assert (
        agenda.starts_at is not None and agenda.starts_at.isoformat() == "2025-03-04T17:30:00+00:00"
    )
    assert agenda.place == "Saint-Denis" and agenda.networks == ["reaap"]


def test_reimport_changes_nothing(database: Database, tmp_path: Path,
                                  make_settings: Callable[..., Settings]) -> None:  # fmt: skip
    """Importing the same file twice does not duplicate anything."""
    path = tmp_path / "saisie.csv"
    path.write_text(GOOD, encoding="utf-8-sig")
    import_file(database, make_settings(), path, "tests")
    saved, _ = import_file(database, make_settings(), path, "tests")
    assert saved is not None and saved.new == 0 and saved.unchanged == 4
    assert len(items(database)) == 4


def test_bad_rows_are_reported_and_nothing_is_written(
    database: Database, tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    """Every bad row is reported with its line number; the good rows are not imported."""
    path = tmp_path / "saisie.csv"
    path.write_text(BAD, encoding="utf-8")
    saved, errors = import_file(database, make_settings(), path, "tests")
    assert saved is None
    assert [error.split(" :")[0] for error in errors] == [
        "ligne 3", "ligne 4", "ligne 5", "ligne 6", "ligne 7", "ligne 8",
    ]  # fmt: skip
    assert "type inconnu : « blog »" in errors[0]
    assert errors[1] == "ligne 4 : titre manquant"
    assert "date de début" in errors[2] and "31 février 2025" in errors[3]
    assert "http(s)" in errors[4] and "thème inconnu : sport" in errors[5]
    assert items(database) == []


def test_json_import(database: Database, tmp_path: Path,
                     make_settings: Callable[..., Settings]) -> None:  # fmt: skip
    """A JSON list of objects imports like a CSV, lists allowed for themes and networks."""
    path = tmp_path / "saisie.json"
    path.write_text(json.dumps({"items": [
        {"type": "fiche", "titre": "Aide aux devoirs à Sevran", "thèmes": ["education"],
         "réseaux": ["clas"], "lien": "https://pb.fr/fiche/devoirs"},
    ]}), encoding="utf-8")  # fmt: skip
    saved, errors = import_file(database, make_settings(), path, "tests")
    assert errors == [] and saved is not None and saved.new == 1
    item = items(database)[0]
    assert item.themes == ["education"] and item.networks == ["clas"]
