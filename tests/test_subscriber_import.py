"""Importing subscribers from CSV: encodings, delimiters, faults, merges, one transaction."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from newsletter.app import App
from newsletter.demo.people import HEADER, Person, csv_text, people, row
from newsletter.errors import InputError
from subscribers.audience import count_audience
from subscribers.consent import Consent
from subscribers.details import Details
from subscribers.importing import ImportReport, import_csv
from subscribers.models import ConsentRecord, Subscriber, Subscription

MARIE = Person("Marie.Dupont@Ville-Bobigny.fr", "Mme", "Marie", "Dupont", "Ville de Bobigny",
               "Maire adjointe chargée de la politique de la ville", "elu", "Bobigny", "93000",
               ("education",), "html")  # fmt: skip
KARIM = Person("karim.benali@cs-aubervilliers.fr", "M.", "Karim", "Benali", "",
               "Directeur de centre social", "professionnel", "Aubervilliers", "93300", (),
               "html")  # fmt: skip
LEILA = Person("leila.haddad@ville-sevran.fr", "Mme", "Leïla", "Haddad", "Ville de Sevran",
               "Conseillère municipale", "elu", "Sevran", "93270", (), "html")  # fmt: skip
FRANCOIS = Person("francois.moreau@seine-saint-denis.gouv.fr", "M.", "François", "Moreau",
                  "Préfecture de la Seine-Saint-Denis", "Délégué du préfet", "etat", "Bobigny",
                  "93000", ("gouvernance",), "text")  # fmt: skip
FIXED = {p.email.lower() for p in (MARIE, KARIM, LEILA, FRANCOIS)}


def faulty_rows() -> list[list[str] | None]:
    """2,300 data lines (file lines 2 to 2301) with the faults an office file really has."""
    crowd = iter(p for p in people(2400) if p.email.lower() not in FIXED)
    lines: dict[int, list[str] | None] = {
        12: row(MARIE),
        15: row(next(crowd), "marie.dupont@@ville-bobigny.fr"),
        40: row(MARIE, "MARIE.DUPONT@VILLE-BOBIGNY.FR", Thèmes="Habitat"),
        230: row(next(crowd), "jean.martin@"),
        300: row(KARIM),
        600: row(next(crowd), Catégorie="Stagiaire"),
        650: row(next(crowd), Thèmes="Sport"),
        777: row(next(crowd), ""),
        900: row(LEILA),
        1001: row(next(crowd), "contact ville-sevran.fr"),
        1200: None,
        1500: row(next(crowd), "nadia benali@cs-montreuil.fr"),
        1800: row(FRANCOIS),
        2100: row(KARIM, "Karim.Benali@CS-Aubervilliers.FR", Organisme="Centre social Roser"),
    }
    return [lines[n] if n in lines else row(next(crowd)) for n in range(2, 2302)]


EXPECTED = [
    "ligne 15 : adresse électronique invalide « marie.dupont@@ville-bobigny.fr »",
    "ligne 40 : doublon de la ligne 12 (MARIE.DUPONT@ville-bobigny.fr), fusionné",
    "ligne 230 : adresse électronique invalide « jean.martin@ »",
    "ligne 600 : profil inconnu « Stagiaire »",
    "ligne 650 : thème inconnu « Sport »",
    "ligne 777 : adresse électronique manquante",
    "ligne 900 : leila.haddad@ville-sevran.fr : désabonnée ou sur la liste d'exclusion, "
    "non réinscrite",
    "ligne 1001 : adresse électronique invalide « contact ville-sevran.fr »",
    "ligne 1500 : adresse électronique invalide « nadia benali@cs-montreuil.fr »",
    "ligne 2100 : doublon de la ligne 300 (Karim.Benali@cs-aubervilliers.fr), fusionné",
]


def consent(source: str = "Fichier des contacts 2024") -> Consent:
    return Consent("import", "2026-01", source)


def run_import(app: App, data: bytes, list_key: str = "lettre", **options: Any) -> ImportReport:
    themes = app.settings.classification.themes
    with app.database.session() as session:
        store = app.subscriber_store(session)
        return import_csv(store, data, list_key, consent(), themes, **options)


def seed_known_people(app: App) -> None:
    """Leïla once unsubscribed from the Lettre; François already receives it."""
    with app.database.session() as session:
        store = app.subscriber_store(session)
        admin = Consent("admin", "2026-01", "inscrite au colloque")
        for person in (LEILA, FRANCOIS):
            store.admin_add(person.email, Details(profile=person.profile), ["lettre"], admin)
        leila = store.get(LEILA.email)
        store.unsubscribe(leila, "lettre", leila.created_at)


def table_counts(app: App) -> dict[str, int]:
    with app.database.session() as session:
        return {
            model.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Subscriber, Subscription, ConsentRecord)
        }


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
def test_faulty_office_file_gives_exact_report(app: App, encoding: str) -> None:
    """A 2,300-line file (;, Windows-1252 or UTF-8 with BOM, CRLF, faults) gives an exact
    report: every refused, merged or excluded row by line number, and exact counts."""
    seed_known_people(app)
    data = csv_text(faulty_rows()).encode(encoding)
    report = run_import(app, data)
    lines = report.lines()
    label = "Windows-1252" if encoding == "cp1252" else "UTF-8"
    assert lines[0] == f"Fichier lu en {label}, séparateur « ; »."
    assert lines[1] == (
        "2290 personne(s) valide(s), 7 ligne(s) refusée(s), 2 doublon(s) fusionné(s), "
        "1 ligne(s) vide(s) ignorée(s)."
    )
    assert lines[2] == (
        "2288 personne(s) ont été créée(s), 1 déjà connue(s) ; 2288 ont été abonnée(s) à "
        "« La Lettre de Profession Banlieue », 1 déjà abonnée(s), 1 exclue(s)."
    )
    assert lines[3:] == EXPECTED
    with app.database.session() as session:
        store = app.subscriber_store(session)
        marie = store.get("marie.dupont@ville-bobigny.fr")
        assert marie.email == "Marie.Dupont@ville-bobigny.fr"
        assert (marie.profile, marie.department, marie.themes) == (
            "elu",
            "93",
            ["education", "habitat"],
        )
        assert store.get(KARIM.email).organisation == "Centre social Roser"
        assert store.get(FRANCOIS.email).first_name == "François"
        assert store.get(LEILA.email).subscriptions[0].status == "unsubscribed"
        accented = session.scalar(
            sa.select(sa.func.count()).where(Subscriber.commune == "Épinay-sur-Seine")
        )
        assert accented and accented > 10
        assert count_audience(session, "lettre") == 2289


def test_dry_run_reports_without_writing(app: App) -> None:
    """--dry-run gives the same report in the conditional and writes nothing."""
    seed_known_people(app)
    before = table_counts(app)
    report = run_import(app, csv_text(faulty_rows()).encode("cp1252"), dry_run=True)
    assert report.lines()[2].startswith("2288 personne(s) seraient créée(s)")
    assert report.lines()[3:] == EXPECTED
    assert table_counts(app) == before


def test_interrupted_import_leaves_database_unchanged(app: App) -> None:
    """An interruption once every row was written, before the commit (Ctrl-C), rolls the
    whole import back."""
    seed_known_people(app)
    before = table_counts(app)
    written = []

    def interrupt(done: int, total: int) -> None:
        written.append(done)
        if len(written) == 2:  # staged, then written
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_import(app, csv_text(faulty_rows()).encode("cp1252"), on_progress=interrupt)
    assert written == [2290, 2290]
    assert table_counts(app) == before


def test_reimport_never_resubscribes_people_who_left(app: App) -> None:
    """Re-importing a file does not bring back who unsubscribed, from a list or from all."""
    crowd = people(30, seed=7)
    data = csv_text(row(p) for p in crowd).encode("utf-8")
    assert run_import(app, data).created == 30
    with app.database.session() as session:
        store = app.subscriber_store(session)
        for person in crowd[:3]:
            store.unsubscribe(store.get(person.email), "lettre", store.get(person.email).created_at)
        store.unsubscribe(store.get(crowd[3].email), None, store.get(crowd[3].email).created_at)
    again = run_import(app, data)
    assert (again.created, again.subscribed, again.already) == (0, 0, 26)
    assert [notice.line for notice in again.suppressed] == [2, 3, 4, 5]
    other_list = run_import(app, data, list_key="reaap")
    assert [notice.line for notice in other_list.suppressed] == [5]
    with app.database.session() as session:
        assert count_audience(session, "lettre") == 26
        assert count_audience(session, "reaap") == 29


def test_comma_file_with_english_headers(app: App) -> None:
    """A ',' separated UTF-8 file with English headers and quoted cells is understood."""
    data = (
        "Email,First name,Last name,Organization,Profile,City,Department,Themes\n"
        'nadia.traore@cs-pantin.fr,Nadia,Traoré,"Centre social, Pantin",professionnel,'
        'Pantin,93,"habitat|emploi"\n'
        "\n"
        "jerome.koné@plainecommune.fr,Jérôme,Koné,Plaine Commune,Partenaire,Saint-Denis,,\n"
    ).encode()
    report = run_import(app, data)
    assert report.lines()[0] == "Fichier lu en UTF-8, séparateur « , »."
    assert (report.created, report.parsed.empty_lines, report.parsed.rejected) == (2, 1, [])
    with app.database.session() as session:
        nadia = app.subscriber_store(session).get("Nadia.Traore@cs-pantin.fr")
        assert (nadia.organisation, nadia.themes) == (
            "Centre social, Pantin",
            ["emploi", "habitat"],
        )


def test_file_without_address_column_is_refused(app: App) -> None:
    """A file with no recognisable address column is one clear error."""
    with pytest.raises(InputError) as caught:
        run_import(app, "Nom;Prénom\nDupont;Marie\n".encode())
    assert "colonne de l'adresse électronique introuvable" in caught.value.message


def test_header_order_does_not_matter(app: App) -> None:
    """Columns are found by name, in any order, unknown ones ignored and reported."""
    header = ";".join(reversed(HEADER)) + ";Téléphone"
    cells = [*list(reversed(row(MARIE))), "01 48 00 00 00"]
    report = run_import(app, f"{header}\n{';'.join(cells)}\n".encode("cp1252"))
    assert report.created == 1
    assert "Colonnes ignorées : Téléphone." in report.lines()


def test_known_people_are_merged_like_details_filling(app: App) -> None:
    """Known people get only their blank fields filled from the file (a default profile or
    format counts as blank), their themes merged, a pending subscription activated and one
    consent record per new subscription; someone already complete and subscribed is left
    exactly as they were."""
    admin = Consent("admin", "2026-01", "colloque")
    with app.database.session() as session:
        store = app.subscriber_store(session)
        store.admin_add(MARIE.email, Details(first_name="Marion", themes=("education",)),
                        ["reaap"], admin)  # fmt: skip
        karim = store.admin_add(KARIM.email, Details(profile="professionnel"), [], admin)
        store.set_subscription(karim, "lettre", "pending", "formulaire", karim.created_at)
        store.admin_add(FRANCOIS.email, Details(first_name="François", last_name="Moreau",
                        organisation="Préfecture", function="Délégué", profile="etat",
                        commune="Bobigny", department="93", format="text",
                        civility="M.", themes=("gouvernance",)), ["lettre"], admin)  # fmt: skip
    before = {person.email: _snapshot(app, person.email) for person in (MARIE, KARIM, FRANCOIS)}
    file = [row(MARIE, Thèmes="Habitat"), row(KARIM), row(FRANCOIS)]
    report = run_import(app, csv_text(file).encode())
    assert (report.created, report.known, report.subscribed, report.already) == (0, 3, 2, 1)
    marie, karim_after, francois = (_snapshot(app, p.email) for p in (MARIE, KARIM, FRANCOIS))
    assert marie["first_name"] == "Marion" and marie["last_name"] == "Dupont"
    assert (marie["profile"], marie["commune"], marie["commune_key"]) == ("elu", "Bobigny",
                                                                          "bobigny")  # fmt: skip
    assert marie["themes"] == ["education", "habitat"]
    assert marie["updated_at"] > before[MARIE.email]["updated_at"]
    assert marie["lists"] == {"lettre": "active", "reaap": "active"}
    assert karim_after["profile"] == "professionnel"
    assert karim_after["lists"] == {"lettre": "active"}
    assert karim_after["consents"] == ["import"]
    assert francois == before[FRANCOIS.email]


def _snapshot(app: App, email: str) -> dict[str, Any]:
    with app.database.session() as session:
        person = app.subscriber_store(session).get(email)
        columns = {column.key: getattr(person, column.key)
                   for column in Subscriber.__table__.columns}  # fmt: skip
        consents = session.scalars(
            sa.select(ConsentRecord.how).where(ConsentRecord.subscriber_id == person.id)
            .order_by(ConsentRecord.id)
        ).all()  # fmt: skip
        return columns | {
            "themes": person.themes,
            "lists": {s.list_key: s.status for s in person.subscriptions},
            "consents": list(consents),
        }
