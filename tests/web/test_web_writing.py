"""Writing an edition in headless Chromium, as the centre's editors do: the next issue
prepared from the Éditions page, a special issue created with chosen items, its édito
written in Markdown (previewed, then kept as typed), an item's title changed for this
edition only, approval and the schedule's confirmation. Screenshots at 1280 and 390 px go
to tests/artifacts/; axe-core checks every editor page on the way."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from newsletter.app import App
from newsletter.content.store import ItemStore
from newsletter.editions.store import EditionStore
from tests.dispatching import populate
from tests.web.axe import serious_violations
from tests.web.chromium import chromium, cut_on_phone, log_in, shoot
from tests.web.conftest import DESKTOP, PHONE, add_user, public_site

EDITOR = "ines.haddad@exemple.fr"
EDITO = """Chères lectrices, chers lecteurs,

Les **Rencontres de Profession Banlieue** reviennent : inscrivez-vous sur
[notre site](https://www.professionbanlieue.org/rencontres).

- accueil à 9 h
- ateliers l'après-midi"""


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, project_config: dict[str, Any]
) -> Iterator[tuple[str, App]]:
    """The Lettre's items and a small audience, an editor; served."""
    folder: Path = tmp_path_factory.mktemp("writing")
    parents = {"newsletters": {"reaap": {"segment": "elus-93"}}}  # a newsletter's own segment
    with public_site(folder, project_config, **parents) as (url, app):
        populate(app, folder, 2)
        add_user(app, EDITOR, "editor", name="Inès Haddad")
        yield url, app


@pytest.fixture(scope="module")
def browser(site: tuple[str, App]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def check(page: Any, name: str) -> None:
    """No serious accessibility violation, nothing cut on a phone (no sideways scrolling, table
    captions whole); screenshots at both widths."""
    assert serious_violations(page) == []
    shoot(page, name)
    page.set_viewport_size(PHONE)
    assert cut_on_phone(page) == []
    shoot(page, f"{name}-mobile")
    page.set_viewport_size(DESKTOP)


def test_next_issue_from_the_editions_page(site: tuple[str, App], page: Any) -> None:
    """The Éditions page offers the next number of each newsletter, with no command line;
    preparing it lands on the new draft, what it holds and what is missing said at its
    head."""
    url, _app = site
    log_in(page, url, EDITOR)
    page.goto(f"{url}/editeurs/editions")
    assert "newsletter " not in page.locator("main").inner_text()
    check(page, "20-editions")
    page.get_by_role("button", name=re.compile(r"^Préparer le n° 1 ")).first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("La lettre du Réaap 93")
    creation = page.locator("#creation").inner_text()
    assert "N° 1 préparé : aucun élément." in creation
    assert "Aucun élément : ajoutez-en" in creation and "À écrire : l’édito" in creation


def test_special_issue_written_overridden_and_approved(site: tuple[str, App], page: Any) -> None:
    """A special issue with two chosen items → its édito in Markdown, previewed then saved
    and shown as typed → an item's title changed for this edition only (the item keeps its
    own) → approval → the schedule's confirmation."""
    url, app = site
    day = date.today() + timedelta(days=12)
    log_in(page, url, EDITOR)
    page.goto(f"{url}/editeurs/editions")
    page.locator("#lettre-lettre").get_by_role("link", name="Créer un numéro spécial…").click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Numéro spécial de « La Lettre de Profession Banlieue »"
    )
    page.get_by_label("Objet du message").fill("Invitation — les Rencontres de Profession Banlieue")
    page.get_by_label("Date d'envoi").fill(day.isoformat())
    page.get_by_label(re.compile("^Des jardins partagés à Sevran")).check()
    page.get_by_label(re.compile("^Un guide de la laïcité")).check()
    check(page, "21-numero-special")
    page.get_by_role("button", name="Créer le numéro spécial").click()

    assert page.get_by_role("heading", level=1).inner_text() == (
        "Invitation — les Rencontres de Profession Banlieue"
    )
    assert "numéro spécial" in page.locator(".page-head").inner_text()
    assert (
        "Numéro spécial créé : 2 éléments en 2 rubriques." in page.locator("#creation").inner_text()
    )
    edition_id = int(page.url.split("/editeurs/editions/")[1].split("#")[0])

    page.get_by_label("Édito").fill(EDITO)
    page.get_by_role("button", name="Prévisualiser").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Prévisualisation des textes"
    rendered = page.locator("#rendu-edito")
    assert rendered.locator("strong").inner_text() == "Rencontres de Profession Banlieue"
    assert rendered.get_by_role("link", name="notre site").count() == 1
    assert rendered.locator("li").all_inner_texts() == ["accueil à 9 h", "ateliers l'après-midi"]
    check(page, "22-textes-apercu")
    page.get_by_role("button", name="Enregistrer les textes").click()
    assert page.locator("#textes").get_by_role("status").inner_text() == "Textes enregistrés."
    assert page.get_by_label("Édito").input_value() == EDITO  # as typed, not HTML
    frame = page.frame_locator('iframe[title="Aperçu sur ordinateur"]')
    frame.locator("strong", has_text="Rencontres de Profession Banlieue").wait_for(timeout=5000)

    original = "Des jardins partagés à Sevran"
    page.get_by_role("link", name=f"Modifier « {original} » pour cette édition").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Pour cette édition seulement"
    page.get_by_label("Titre dans cette édition").fill("Sevran : les jardins des habitants")
    check(page, "23-element-pour-cette-edition")
    page.get_by_role("button", name="Enregistrer pour cette édition").click()
    with app.database.session() as session:
        item_id = next(e.item_id for e in EditionStore(session).get(edition_id).entries
                       if e.title)  # fmt: skip
        assert ItemStore(session).get(item_id).title == original  # the item is untouched
    assert page.url.endswith(f"#element-{item_id}")  # back to the item's row…
    row = page.locator(f"#element-{item_id}")
    assert "Sevran : les jardins des habitants" in row.inner_text()  # …its message below
    notice = page.locator(f"#element-{item_id} + tr.entries__notice").get_by_role("status")
    assert notice.inner_text() == "Modifié pour cette édition seulement."
    frame = page.frame_locator('iframe[title="Aperçu sur ordinateur"]')
    frame.get_by_role("link", name="Sevran : les jardins des habitants").wait_for(timeout=5000)
    check(page, "24-numero-special-edition")

    page.get_by_role("button", name="Approuver l'édition").click()
    assert page.locator("#envoi").get_by_role("status").inner_text() == (
        "Édition approuvée : c’est cette version qui partira."
    )
    page.get_by_role("link", name="Programmer l'envoi…").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Programmer l'envoi"
    check(page, "25-numero-special-confirmation")
    page.get_by_label("J'ai lu ces avertissements et je confirme l'envoi").check()
    page.get_by_role("button", name=re.compile("^Programmer l'envoi à 2 destinataires")).click()
    assert page.locator(".page-head .state").inner_text() == "programmée"
    with app.database.session() as session:
        edition = EditionStore(session).get(edition_id)
        assert (edition.state, edition.special, edition.edito) == ("scheduled", True, EDITO)
        titles = [i["title"] for s in (edition.snapshot or {})["view"]["sections"]
                  for i in s["items"]]  # fmt: skip
    assert "Sevran : les jardins des habitants" in titles and original not in titles


def test_a_newsletters_own_segment_is_named(site: tuple[str, App], page: Any) -> None:
    """Where a newsletter sends to a segment of its list, the special issue's and the
    edition's « as usual » choice name that segment (not « toute la liste »)."""
    url, _app = site
    log_in(page, url, EDITOR)
    page.goto(f"{url}/editeurs/editions/special?lettre=reaap")
    usual = page.locator("#champ-segment option").first.inner_text()
    assert usual.startswith("Comme la lettre : segment « Élus de Seine-Saint-Denis » de la liste")
    page.goto(f"{url}/editeurs/editions")
    page.locator("#lettre-reaap .actions .button").first.click()  # prepare or open n° 1
    usual = page.locator("#champ-segment option").first.inner_text()
    assert usual == "celui de la lettre : « Élus de Seine-Saint-Denis »"
