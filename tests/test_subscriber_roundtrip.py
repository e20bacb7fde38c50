"""Export → import: the export's neutralising quotes come off again, nothing changes."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from newsletter.app import App
from subscribers.csvfile import neutralise, restore
from subscribers.exporting import export_csv
from subscribers.models import Subscriber
from tests.test_subscriber_import import run_import

HEADER = ["courriel", "civilité", "prénom", "nom", "organisme", "fonction", "profil",
          "commune", "code postal", "thèmes", "format"]  # fmt: skip
PEOPLE = [
    ["=1+2@exemple.fr", "Mme", "@moi", "-Martin", '=HYPERLINK("http://x")', "+33 1 48 00 00 00",
     "elu", "Bondy", "93140", "education, habitat", "html"],
    ["1+2@exemple.fr", "M.", "Jean", "Martin", "''=déjà entre guillemets", "-", "Partenaire",
     "Saint-Denis", "93200", "", "texte"],
    ["-lettre@exemple.fr", "", "", "'apostrophe", "Ville de Pantin", "@", "etat", "Pantin",
     "93500", "emploi", "html"],
    ["marie.dupont@ville-bobigny.fr", "Mme", "Marie", "Dupont", "+ de services", "Élue",
     "adherent", "Bobigny", "93000", "gouvernance", "text"],
]  # fmt: skip


def csv_bytes(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, delimiter=";", lineterminator="\r\n").writerows([HEADER, *rows])
    return text.getvalue().encode("utf-8-sig")


def stored(app: App) -> list[tuple[Any, ...]]:
    """Every subscriber's columns (updated_at included), themes and subscriptions."""
    with app.database.session() as session:
        people = session.scalars(sa.select(Subscriber).order_by(Subscriber.id)).all()
        return [
            (*(getattr(p, c.key) for c in Subscriber.__table__.columns), tuple(p.themes),
             tuple((s.list_key, s.status) for s in p.subscriptions))
            for p in people
        ]  # fmt: skip


def export(app: App, path: Path) -> bytes:
    with app.database.session() as session:
        export_csv(session, path)
    return path.read_bytes()


def test_export_reimported_changes_nothing(app: App, tmp_path: Path) -> None:
    """Values starting with = + - @ (addresses too) survive export → import unchanged: the
    re-import finds everyone known and subscribed, stores nothing new and exports the same."""
    first = run_import(app, csv_bytes(PEOPLE))
    assert (first.created, first.parsed.rejected) == (4, [])
    with app.database.session() as session:
        store = app.subscriber_store(session)
        odd = store.get("=1+2@exemple.fr")
        assert (odd.first_name, odd.last_name, odd.organisation, odd.function) == (
            "@moi", "-Martin", '=HYPERLINK("http://x")', "+33 1 48 00 00 00",
        )  # fmt: skip
        assert store.get("1+2@exemple.fr").organisation == "'=déjà entre guillemets"
    before = stored(app)
    exported = export(app, tmp_path / "first.csv")
    assert b"'=1+2@exemple.fr;" in exported and b"''=d\xc3\xa9j\xc3\xa0" in exported

    again = run_import(app, exported)
    assert (again.created, again.known, again.already, again.parsed.rejected) == (0, 4, 4, [])
    assert stored(app) == before
    assert export(app, tmp_path / "second.csv") == exported


def test_restore_undoes_neutralise() -> None:
    """restore(neutralise(cell)) is the cell, whatever it starts with."""
    cells = ["=A1", "+33", "-x", "@y", "\tz", "\rw", "'=q", "'+", "''=", "'", "'plain", "plain", ""]
    assert [restore(neutralise(cell)) for cell in cells] == cells
    assert [neutralise(cell) for cell in ("'=q", "'plain", "=A1")] == ["''=q", "'plain", "'=A1"]
