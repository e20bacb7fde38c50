"""End to end in headless Chromium: an editor adds an image with its alternative text to an
item and a logo on the Réglages page, a wrong file is refused next to the form; once the
edition went out, its archive page is a page of the site showing the image from the
centre's own address. Screenshots at 1280 and 390 px; axe-core on every page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newsletter.accounts.permissions import OPERATOR
from newsletter.app import App
from newsletter.editions.store import EditionStore
from tests.dispatching import populate
from tests.images import SVG, photo, transparent_logo
from tests.polling import wait_until
from tests.web.axe import serious_violations
from tests.web.chromium import chromium, cut_on_phone, log_in, shoot
from tests.web.conftest import DESKTOP, PHONE, add_user, public_site

ALT = "Des habitantes devant le jardin partagé de Sevran"


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, project_config: dict[str, Any]
) -> Iterator[tuple[str, App, int, Path]]:
    folder: Path = tmp_path_factory.mktemp("images")
    with public_site(folder, project_config) as (url, app):
        edition_id = populate(app, folder, 1, approve=False)
        add_user(app, "claire.martin@exemple.fr", "editor", name="Claire Martin")
        files = folder / "fichiers"
        files.mkdir()
        (files / "jardin.jpg").write_bytes(photo(2400, 1600, "JPEG", quality=90))
        (files / "logo.png").write_bytes(transparent_logo())
        (files / "dessin.svg").write_bytes(SVG)
        yield url, app, edition_id, files


@pytest.fixture(scope="module")
def browser(site: tuple[str, App, int, Path]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def item_of(app: App, edition_id: int, section: str) -> int:
    """The first item of a rubrique of the edition."""
    with app.database.session() as session:
        edition = EditionStore(session).get(edition_id)
        return next(entry.item_id for entry in edition.entries if entry.section == section)


def upload(page: Any, path: Path, alt: str) -> None:
    """A file and its alternative text sent from the item page's Image section."""
    section = page.locator("#image")
    section.get_by_label("Image à déposer").set_input_files(str(path))
    section.get_by_label("Texte de remplacement").fill(alt)
    section.get_by_role("button", name="Déposer l'image").click()


def loaded(image: Any) -> bool:
    """Whether the image has arrived and decoded (waits for it: a busy machine is slow)."""
    script = "img => img.complete && img.naturalWidth > 0"
    wait_until(lambda: image.evaluate(script), timeout=30)
    return True


def test_image_with_alt_text_reaches_the_archive_page(
    site: tuple[str, App, int, Path], page: Any
) -> None:
    """Upload with alt text on the item page (an SVG refused next to the form), a logo on
    the Réglages page; after the send, the archive page uses the site's layout and shows
    both images from the centre's address, with their alt texts."""
    url, app, edition_id, files = site
    log_in(page, url, "claire.martin@exemple.fr")
    page.goto(f"{url}/editeurs/elements/{item_of(app, edition_id, 'fiches')}")
    upload(page, files / "dessin.svg", "Un dessin")
    notice = page.locator("#image .notice--error")
    assert "SVG ne sont pas acceptées" in notice.inner_text()

    upload(page, files / "jardin.jpg", ALT)
    assert "Image enregistrée" in page.locator("#image .notice--success").inner_text()
    shown = page.locator(f'#image img[alt="{ALT}"]')
    assert loaded(shown) and shown.get_attribute("src", timeout=1000).startswith(f"{url}/images/")
    assert serious_violations(page) == []
    shoot(page, "images-item-1280")

    page.get_by_role("link", name="Réglages").click()
    page.get_by_label("Nouveau logo").set_input_files(str(files / "logo.png"))
    page.get_by_label("Texte de remplacement").fill("Profession Banlieue")
    page.get_by_role("button", name="Enregistrer le logo").click()
    assert "Logo enregistré" in page.locator("#image .notice--success").inner_text()
    assert loaded(page.locator('#image img[alt="Profession Banlieue"]'))
    assert serious_violations(page) == []
    shoot(page, "images-settings-1280")

    approved = app.editing.approve(OPERATOR, edition_id)
    with app.database.session() as session:
        store = EditionStore(session)
        edition = store.get(edition_id)
        store.start_sending(edition)
        store.mark_sent(edition, datetime(2026, 11, 3, 8, tzinfo=UTC))
    archive = f"{url}/archives/lettre/{approved.number}/"
    for viewport, name in ((DESKTOP, "1280"), (PHONE, "390")):
        page.set_viewport_size(viewport)
        page.goto(archive)
        assert page.locator("header.site-header").is_visible()
        navigation = page.get_by_role("navigation", name="Navigation principale")
        assert navigation.get_by_role("link", name="Archives").is_visible()
        assert page.get_by_role("link", name="S’abonner", exact=True).is_visible()
        image = page.locator(f'article img[alt="{ALT}"]')
        assert loaded(image) and image.get_attribute("src", timeout=1000).startswith(url)
        assert loaded(page.locator('article img[alt="Profession Banlieue"]'))
        body = page.locator("main").inner_text()
        assert "Bonjour" not in body and "Vous recevez" not in body
        assert "Se désabonner" not in body
        assert cut_on_phone(page) == []
        assert serious_violations(page) == []
        shoot(page, f"images-archive-{name}")
    page.get_by_role("link", name="La Lettre de Profession Banlieue").first.click()
    assert page.get_by_text(f"n° {approved.number} — ").count() == 1
    assert serious_violations(page) == [] and cut_on_phone(page) == []
    shoot(page, "images-archives-lettre-390")
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Archives").click()  # fmt: skip
    assert serious_violations(page) == [] and cut_on_phone(page) == []
    shoot(page, "images-archives-390")


def test_removing_an_image_asks_for_confirmation(
    site: tuple[str, App, int, Path], page: Any
) -> None:
    """Removing an item's image takes a ticked confirmation (the server refuses it
    otherwise, next to the form); the item and Réglages pages fit a phone."""
    url, app, edition_id, files = site
    log_in(page, url, "claire.martin@exemple.fr")
    page.goto(f"{url}/editeurs/elements/{item_of(app, edition_id, 'actualites')}")
    upload(page, files / "jardin.jpg", "Un jardin")
    assert loaded(page.locator('#image img[alt="Un jardin"]'))
    page.set_viewport_size(PHONE)
    assert cut_on_phone(page) == [] and serious_violations(page) == []
    shoot(page, "images-item-390")
    page.set_viewport_size(DESKTOP)

    confirm = page.get_by_label("Je confirme le retrait de l'image", exact=False)
    confirm.evaluate("box => box.removeAttribute('required')")  # what a scripted post would do
    page.get_by_role("button", name="Retirer l'image").click()
    assert "cochez la case" in page.locator("#image .notice--error").inner_text()
    assert page.locator('#image img[alt="Un jardin"]').count() == 1

    page.get_by_label("Je confirme le retrait de l'image", exact=False).check()
    page.get_by_role("button", name="Retirer l'image").click()
    assert "Image retirée" in page.locator("#image .notice--success").inner_text()
    assert page.locator("#image img").count() == 0

    page.goto(f"{url}/editeurs/reglages")
    page.set_viewport_size(PHONE)
    assert cut_on_phone(page) == [] and serious_violations(page) == []
    shoot(page, "images-settings-390")
