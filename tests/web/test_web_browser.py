"""End to end in headless Chromium (Debian's package, driven by Playwright): an editor logs
in, searches items, fixes one; screenshots of each page go to tests/artifacts/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from newsletter.app import App, build
from newsletter.content.store import ItemStore
from newsletter.demo.feed_server import serve_samples
from newsletter.secrets import ENV_WEB_SECRET
from newsletter.settings import validate_settings
from newsletter.sources.editorial import import_file
from newsletter.sources.http import Validators
from newsletter.sources.pipeline import gather
from newsletter.sources.store import SourceStore
from newsletter.web.app import create_app
from tests.conftest import ROOT
from tests.databases import sqlite_copy
from tests.web.axe import serious_violations
from tests.web.chromium import chromium, log_in, shoot
from tests.web.client import SECRET, serve
from tests.web.conftest import add_user

SAMPLE_DAY = date(2026, 11, 21)


@pytest.fixture(scope="module")
def browser(demo_site: tuple[str, App]) -> Iterator[Any]:
    """Headless Chromium, started after ``demo_site`` (gathering the sample feeds needs
    the thread's event loop)."""
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def demo_site(
    tmp_path_factory: pytest.TempPathFactory, project_config: dict[str, Any]
) -> Iterator[tuple[str, App]]:
    """The sample feeds gathered and the editorial sample imported, like `newsletter demo`."""
    folder = tmp_path_factory.mktemp("browser")
    with serve_samples(SAMPLE_DAY) as feeds:
        sources = [
            source | {"url": source["url"].replace("http://127.0.0.1:8765", feeds.base_url)}
            for source in project_config["sources"]
        ]
        data = {**project_config, "sources": sources,
                "database": {"url": sqlite_copy(folder)}}  # fmt: skip
        app = build(validate_settings(data, folder / "config.toml"),
                    {**os.environ, ENV_WEB_SECRET: SECRET})  # fmt: skip
        gather(app.settings, app.database)
    import_file(
        app.database, app.settings, ROOT / "newsletter" / "demo" / "data" / "editorial.csv", "tests"
    )
    with app.database.session() as session:
        store = SourceStore(session)
        broken = store.ensure("cget-agenda", "Centre de ressources partenaire — agenda")
        for _ in range(3):
            store.record_failure(broken, "délai dépassé (30 s)")
        repaired = store.ensure("crpv-actualites", "Centre de ressources partenaire — actualités")
        warning = "flux réparé : XML mal formé ligne 48 (document tronqué)"
        store.record_success(repaired, Validators(), 0, warning)
    add_user(app, "claire.martin@exemple.fr", "editor", name="Claire Martin")
    add_user(app, "admin@exemple.fr", "admin", name="Administration")
    try:
        with serve(create_app(app)) as url:
            yield url, app
    finally:
        app.close()


def test_editor_searches_and_fixes_an_item(demo_site: tuple[str, App], browser: Any) -> None:
    """An editor logs in, sees the dashboard, searches the items, adds a network to one
    and finds it saved; no page breaks its CSP or logs a script error."""
    url, app = demo_site
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" else None)  # fmt: skip
    page.goto(f"{url}/editeurs/")
    assert page.get_by_role("heading", level=1).inner_text() == "Connexion à l'espace des éditeurs"
    shoot(page, "01-connexion")
    log_in(page, url, "claire.martin@exemple.fr")
    page.wait_for_url(f"{url}/editeurs/")
    assert page.get_by_role("heading", name="Tableau de bord").is_visible()
    assert page.get_by_text("1 source en échec").is_visible()
    assert "cget-agenda" not in page.locator("main").inner_text()  # names, not config keys
    shoot(page, "02-tableau-de-bord")

    page.get_by_role("link", name="Éléments", exact=True).click()
    page.get_by_label("Texte dans le titre").fill("café des parents")
    page.get_by_label("Type").select_option("actualite")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**/editeurs/elements?**")
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    shoot(page, "03-elements")
    link = rows.first.get_by_role("link")
    title = link.inner_text()
    link.click()
    assert page.get_by_role("heading", level=1).inner_text() == title
    clas = page.get_by_label("Clas — accompagnement à la scolarité")
    assert not clas.is_checked()
    clas.check()
    page.get_by_role("button", name="Enregistrer les corrections").click()
    assert page.get_by_role("status").inner_text() == "Élément corrigé."
    assert page.get_by_label("Clas — accompagnement à la scolarité").is_checked()
    shoot(page, "04-element-corrige")
    item_id = int(page.url.split("#")[0].rsplit("/", 1)[1])
    with app.database.session() as session:
        item = ItemStore(session).get(item_id)
        assert "clas" in item.networks and "networks" in item.overrides
    facts = page.locator(".facts").inner_text()
    assert "Corrigé à la main\nréseaux" in facts
    assert problems == []
    context.close()


def test_keyboard_and_small_screens(demo_site: tuple[str, App], browser: Any) -> None:
    """The skip link is the first Tab stop and shows when focused; the add form and the
    accounts page fit a phone's width without horizontal scrolling."""
    url, _app = demo_site
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    log_in(page, url, "admin@exemple.fr")
    page.wait_for_url(f"{url}/editeurs/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert skip.evaluate("element => element === document.activeElement")
    assert skip.bounding_box()["y"] >= 0
    for path, name in (("/editeurs/elements/nouveau", "05-ajout-mobile"),
                       ("/editeurs/comptes", "06-comptes-mobile")):  # fmt: skip
        page.goto(f"{url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, path
        shoot(page, name)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{url}/editeurs/elements/nouveau")
    shoot(page, "07-ajout")
    context.close()


def test_editor_splits_a_merged_announcement(demo_site: tuple[str, App], browser: Any) -> None:
    """On a wide and a phone screen, the dashboard shows the sources read with warnings and
    the page of the event two partners announced says why they were merged; the editor
    confirms and splits the second announcement off, and the page says which item it is."""
    url, app = demo_site
    with app.database.session() as session:
        merged = [item for item in ItemStore(session).search(kind="agenda", limit=200)
                  if len(item.sources) == 2]  # fmt: skip
        assert len(merged) == 1
        item_id = merged[0].id
    for width, suffix in ((390, "-mobile"), (1280, "")):
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
        page = context.new_page()
        console: list[Any] = []
        page.on("console", lambda message, seen=console: seen.append(message))
        log_in(page, url, "claire.martin@exemple.fr")
        page.wait_for_url(f"{url}/editeurs/")
        assert page.get_by_text("1 source lue avec réserve").is_visible()
        assert page.get_by_text("flux réparé : XML mal formé ligne 48").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert serious_violations(page) == []
        shoot(page, f"08-tableau-avertissements{suffix}")
        page.goto(f"{url}/editeurs/elements/{item_id}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert serious_violations(page) == []
        if suffix:
            shoot(page, f"09-annonces-fusionnees{suffix}")
            context.close()
            continue
        reason = "Réunie à l'élément : même titre et même début, lieu et organisateur compatibles."
        assert page.get_by_text(reason).is_visible()
        shoot(page, "09-annonces-fusionnees")
        button = page.get_by_role("button", name="Séparer cette annonce")
        button.click()  # not confirmed: the browser keeps the form
        assert page.url == f"{url}/editeurs/elements/{item_id}"
        page.get_by_label("Je confirme", exact=False).check()
        button.click()
        status = page.get_by_role("status").inner_text()
        assert status.startswith("Annonce séparée : elle forme désormais l’élément n° ") or (
            status.startswith("Annonce séparée : elle forme désormais l'élément n° ")
        )
        assert page.get_by_role("button", name="Séparer cette annonce").count() == 0
        assert serious_violations(page) == []
        shoot(page, "10-annonce-separee")
        assert [message.text for message in console if message.type == "error"] == []
        context.close()
