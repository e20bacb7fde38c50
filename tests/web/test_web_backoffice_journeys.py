"""The back office end to end in headless Chromium (Debian's package, driven by
Playwright): an editor finds and edits a person, imports an office's file with a bad row
(preview, columns fixed, confirmation, report), builds a segment with its count and exports
it, reactivates a bounced address (then the dashboard's counts); a Réaap coordinator cannot
see the Lettre's people, and sees their list's figures.
Every page is shot at 1280 and 390 px wide (tests/artifacts/) and checked by axe-core."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsletter.app import App
from newsletter.demo.people import Person
from tests.web.axe import serious_violations
from tests.web.backoffice import COORDINATOR, EDITOR, LETTRE, audience, office_file
from tests.web.chromium import chromium, log_in, shoot, watched_tab
from tests.web.conftest import DESKTOP, PHONE, public_site
from tests.web.test_web_public import statuses, subscriber


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, project_config: dict[str, Any]
) -> Iterator[tuple[str, App, list[Person]]]:
    folder: Path = tmp_path_factory.mktemp("backoffice-journeys")
    with public_site(folder, project_config) as (url, app):
        yield url, app, audience(app)


@pytest.fixture(scope="module")
def browser(site: tuple[str, App, list[Person]]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh desktop tab; a console error (CSP violation, script error) fails the test."""
    with watched_tab(browser, DESKTOP, tolerated="403", accept_downloads=True) as tab:
        yield tab


def checked(page: Any, name: str) -> None:
    """Screenshots at both widths; no serious accessibility violation at either; no
    sideways scrolling of the page on a phone."""
    assert serious_violations(page) == []
    shoot(page, name)
    page.set_viewport_size(PHONE)
    assert serious_violations(page) == []
    assert page.evaluate("document.body.scrollWidth") <= PHONE["width"] + 1
    shoot(page, f"{name}-mobile")
    page.set_viewport_size(DESKTOP)


def test_finding_and_editing_a_person(site: tuple[str, App, list[Person]], page: Any) -> None:
    """Search without accents or capitals → the person's page → organisation changed →
    the message next to the form, the change in the history."""
    url, app, everyone = site
    target = everyone[4]
    log_in(page, url, EDITOR)
    page.get_by_role("link", name="Abonnés", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Abonnés"
    typed = f"{target.last_name} {target.commune}".lower()
    page.get_by_label("Chercher", exact=True).fill(typed.replace("é", "e").replace("è", "e"))
    page.get_by_role("button", name="Chercher").click()
    assert target.email in page.get_by_role("table").inner_text()
    checked(page, "20-abonnes-recherche")
    page.get_by_role("link", name=f"{target.first_name} {target.last_name}").first.click()
    assert (
        page.get_by_role("heading", level=1).inner_text()
        == f"{target.first_name} {target.last_name}"
    )
    page.get_by_label("Organisme").fill("Maison des parents de Stains")
    page.get_by_label("Fonction").fill("Coordinatrice")
    page.get_by_role("button", name="Enregistrer").click()
    notice = page.locator("#fiche").get_by_role("status")
    assert notice.inner_text() == "Modifié : organisme, fonction."
    assert "modification d’un abonné" in page.locator("#historique").inner_text()
    found = subscriber(app, target.email)
    assert found is not None and found.organisation == "Maison des parents de Stains"
    checked(page, "21-abonne-fiche")


def test_importing_an_office_file(
    site: tuple[str, App, list[Person]], page: Any, tmp_path: Path
) -> None:
    """Upload → the preview says the address column was not found → it is chosen in its
    column's list → the report (a bad line, a duplicate, 20 new people) → the consent's
    origin → the import, followed until its report."""
    url, app, everyone = site
    newcomers = everyone[LETTRE : LETTRE + 20]
    path = tmp_path / "contacts-bureau.csv"
    path.write_bytes(office_file(newcomers))
    log_in(page, url, EDITOR)
    page.goto(f"{url}/editeurs/abonnes/import")
    page.get_by_label("Liste à laquelle abonner").select_option("clas")
    page.get_by_label("Fichier CSV").set_input_files(str(path))
    page.get_by_role("button", name="Voir l'aperçu").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Aperçu de l'import"
    assert "Colonne de l'adresse électronique introuvable" in page.get_by_role("alert").inner_text()
    assert "Windows-1252" in page.locator(".summary-bar").inner_text()
    checked(page, "22-import-colonnes")
    page.get_by_label("Contenu de la colonne « Courriel professionnel (pro) »").select_option(
        "email"
    )
    page.get_by_role("button", name="Actualiser l'aperçu").click()
    report = page.locator("#rapport").inner_text()
    assert "20 nouvelles personnes" in report and "1 ligne refusée" in report
    assert "Adresse électronique invalide « pas-une-adresse »" in report
    checked(page, "23-import-apercu")
    assert subscriber(app, newcomers[0].email) is None  # nothing written yet
    page.get_by_label("Origine du consentement").fill("annuaire des centres sociaux 2026")
    page.get_by_role("button", name="Importer 20 personnes").click()
    page.get_by_text("Import terminé.").wait_for(timeout=30_000)
    assert "20 personne(s) ont été créée(s)" in page.locator(".report").inner_text()
    checked(page, "24-import-rapport")
    assert all(statuses(app, person.email) == {"clas": "active"} for person in newcomers)


def test_building_and_exporting_a_segment(site: tuple[str, App, list[Person]], page: Any) -> None:
    """The builder counts without saving (« Compter »), shows a sample, saves the segment
    under its label; its page exports its members as a CSV download."""
    url, app, _ = site
    log_in(page, url, EDITOR)
    page.get_by_role("link", name="Segments", exact=True).click()
    page.get_by_role("link", name="Nouveau segment").click()
    page.get_by_label("Professionnel·le").check()
    page.get_by_label("Partenaire").check()
    page.get_by_label("Départements").fill("93")
    page.get_by_label("Compter parmi les destinataires de").select_option("lettre")
    page.get_by_role("button", name="Compter").click()
    shown = page.locator("#compte").get_by_role("status").inner_text()
    total = int(re.match(r"(\d+)", shown).group(1))  # type: ignore[union-attr]
    rule = {"profiles": ["professionnel", "partenaire"], "departments": ["93"]}
    editor = app.actor(_account(app, EDITOR))
    assert total == app.segmenting.count(editor, rule, "lettre").total > 0
    assert page.locator("#compte li").count() == min(total, 10)
    checked(page, "25-segment-compte")
    page.get_by_label("Nom du segment").fill("Professionnels et partenaires du 93")
    page.get_by_role("button", name="Enregistrer le segment").click()
    assert page.locator("#segment").get_by_role("status").inner_text() == (
        "Segment « Professionnels et partenaires du 93 » enregistré."
    )
    checked(page, "26-segment-enregistre")
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter les membres (CSV)").click()
    content = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    rows = content.splitlines()[1:]
    assert len(rows) == app.segmenting.count(editor, rule).total
    assert all(";93;" in line for line in rows)


def test_reactivating_a_bounced_address(site: tuple[str, App, list[Person]], page: Any) -> None:
    """On the bounces page a hard bounce shows its effect; « Réactiver » with a reason
    makes the address a recipient again, said next to its row."""
    url, app, everyone = site
    bounced = everyone[2]
    log_in(page, url, EDITOR)
    page.get_by_role("link", name="Rebonds", exact=True).click()
    row = page.locator("tr", has_text=bounced.email).first
    assert "adresse mise en erreur" in row.inner_text()
    checked(page, "27-rebonds")
    row = page.locator("tr", has_text=bounced.email).first
    row.get_by_label("Motif").fill("boîte rouverte, confirmé par téléphone")
    row.get_by_role("button", name=f"Réactiver {bounced.email}").click()
    row = page.locator("tr", has_text=bounced.email).first
    assert row.get_by_role("status").inner_text() == (
        "Adresse réactivée : elle recevra de nouveau les lettres."
    )
    found = subscriber(app, bounced.email)
    assert found is not None and found.status == "active"
    page.get_by_role("link", name="Tableau de bord").click()
    counts = page.locator("#titre-rebonds + ul").inner_text()
    assert "erreurs définitives" in counts and "1 erreur temporaire" in counts
    checked(page, "30-tableau-de-bord")


def test_a_coordinator_cannot_see_the_lettres_people(
    site: tuple[str, App, list[Person]], page: Any
) -> None:
    """A Réaap coordinator's menu has no segments; their list shows the Réaap's people
    only, with their Réaap subscription only; the page of someone on the Lettre only is
    refused."""
    url, app, everyone = site
    log_in(page, url, COORDINATOR)
    menu = page.get_by_role("navigation", name="Navigation principale").inner_text()
    assert "Abonnés" in menu and "Segments" not in menu
    page.get_by_role("link", name="Abonnés", exact=True).click()
    table = page.get_by_role("table").inner_text()
    assert everyone[5].email in table and everyone[30].email not in table
    assert "La Lettre de Profession Banlieue" not in table
    checked(page, "28-coordination-abonnes")
    lettre_only = subscriber(app, everyone[30].email)
    assert lettre_only is not None
    response = page.goto(f"{url}/editeurs/abonnes/{lettre_only.id}")
    assert response.status == 403
    assert "aucune liste de votre réseau" in page.get_by_role("main").inner_text()
    checked(page, "29-coordination-refus")
    page.get_by_role("link", name="Listes", exact=True).click()
    assert page.get_by_role("table").inner_text().count("Lettre") == 1  # the Réaap's only
    page.get_by_role("link", name="Lettre du Réaap").click()
    assert "Double confirmation" in page.get_by_role("main").inner_text()
    checked(page, "31-liste-reaap")


def _account(app: App, email: str) -> Any:
    from newsletter.accounts.store import AccountStore

    with app.database.session() as session:
        return AccountStore(session).by_email(email)
