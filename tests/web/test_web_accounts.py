"""The admins' accounts pages and the subscribers' scoped pages in headless Chromium:
newsletters ticked by their titles, what was typed kept on an error, role change,
disabling, API tokens listed and revoked; the unsubscribe, preferences and data pages;
axe-core finds no serious violation, screenshots at 1280 and 390 px."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsletter.accounts.store import AccountStore
from newsletter.app import App
from tests.web.axe import serious_violations
from tests.web.chromium import chromium, log_in, shoot
from tests.web.conftest import add_user, public_site
from tests.web.test_web_public import add_active, subscriber, token_for

ADMIN, COORDINATOR = "admin@exemple.fr", "coordination@exemple.fr"
WIDTHS = ((1280, ""), (390, "-mobile"))


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, project_config: dict[str, Any]
) -> Iterator[tuple[str, App]]:
    folder: Path = tmp_path_factory.mktemp("comptes")
    with public_site(folder, project_config) as served:
        add_user(served[1], ADMIN, "admin", name="Administration")
        yield served


@pytest.fixture(scope="module")
def browser(site: tuple[str, App]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def check(page: Any, name: str, width: int) -> None:
    """No horizontal scrolling, no serious accessibility violation; a screenshot."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width, name
    assert serious_violations(page) == [], name
    shoot(page, name)


def test_creating_an_account_with_newsletters_ticked_by_title(
    site: tuple[str, App], browser: Any
) -> None:
    """Newsletters are checkboxes named by their titles; an error on the address keeps
    both passwords typed, a mismatch keeps the first; an undeclared newsletter cannot be
    given; the coordinator is created with the Réaap letter."""
    url, app = site
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR").new_page()
    log_in(page, url, ADMIN)
    page.wait_for_url(f"{url}/editeurs/")
    page.goto(f"{url}/editeurs/comptes")
    assert page.get_by_label("Lettre du Réaap").count() == 1  # a title, not the key
    page.get_by_label("Adresse électronique").fill("nom@exemple")
    page.get_by_label("Rôle", exact=True).select_option("coordinator")
    page.get_by_label("Lettre du Réaap").check()
    page.get_by_label("Mot de passe initial").fill("une phrase de passe solide")
    page.get_by_label("Confirmation du mot de passe").fill("une phrase de passe solide")
    page.get_by_role("button", name="Créer le compte").click()
    assert "Adresse électronique invalide" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Mot de passe initial").input_value() == "une phrase de passe solide"
    assert page.get_by_label("Confirmation du mot de passe").input_value() != ""
    assert page.get_by_label("Lettre du Réaap").is_checked()
    check(page, "comptes-1-erreur", 1280)
    page.get_by_label("Adresse électronique").fill(COORDINATOR)
    page.get_by_label("Confirmation du mot de passe").fill("autre chose encore")
    page.get_by_role("button", name="Créer le compte").click()
    assert "Les deux mots de passe diffèrent" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Mot de passe initial").input_value() == "une phrase de passe solide"
    assert page.get_by_label("Confirmation du mot de passe").input_value() == ""
    page.get_by_label("Confirmation du mot de passe").fill("une phrase de passe solide")
    page.get_by_role("button", name="Créer le compte").click()
    assert f"Compte {COORDINATOR} créé." in page.get_by_role("status").inner_text()
    assert page.get_by_role("row", name=COORDINATOR).get_by_text("Lettre du Réaap").count() == 1
    with app.database.session() as session:
        assert AccountStore(session).by_email(COORDINATOR).newsletters == ["reaap"]
    page.context.close()


def test_disabling_changing_role_and_revoking_tokens(site: tuple[str, App], browser: Any) -> None:
    """On an account's page: its role and newsletters change (its sessions end), a token
    is created (shown once), listed with its name, dates and expiry, then revoked; the
    account is disabled after a confirmation, and can be enabled again."""
    url, app = site
    add_user(app, "editeur@exemple.fr", "editor", name="Léa Martin")
    with app.database.session() as session:
        user = AccountStore(session).by_email("editeur@exemple.fr")
        user_id = user.id
        AccountStore(session).create_token(user.email, "site web")
    for width, suffix in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
        page = context.new_page()
        log_in(page, url, ADMIN)
        page.wait_for_url(f"{url}/editeurs/")
        page.goto(f"{url}/editeurs/comptes/{user_id}")
        assert page.get_by_role("row", name="site web").count() == 1
        check(page, f"comptes-2-compte{suffix}", width)
        context.close()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    log_in(page, url, ADMIN)
    page.wait_for_url(f"{url}/editeurs/")
    page.goto(f"{url}/editeurs/comptes/{user_id}")
    page.get_by_label("Rôle", exact=True).select_option("coordinator")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    assert (
        "Un coordinateur doit avoir au moins une lettre" in page.get_by_role("alert").inner_text()
    )
    page.get_by_label("Rôle", exact=True).select_option("coordinator")
    page.get_by_label("Lettre du réseau Clas").check()
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    assert "sessions du compte sont fermées" in page.get_by_role("status").inner_text()
    page.get_by_label("Nom du nouveau jeton").fill("import nocturne")
    page.get_by_role("button", name="Créer un jeton").click()
    assert "lettre_" in page.get_by_role("status").inner_text()
    assert page.get_by_role("row", name="import nocturne").count() == 1
    page.get_by_role("button", name="Révoquer le jeton site web").click()
    assert "Jeton « site web » révoqué." in page.get_by_role("status").inner_text()
    assert page.get_by_role("row", name="site web").count() == 0
    page.get_by_role("button", name="Désactiver le compte").click()  # not confirmed
    assert page.url.startswith(f"{url}/editeurs/comptes/{user_id}")
    page.get_by_label("Je veux désactiver ce compte").check()
    page.get_by_role("button", name="Désactiver le compte").click()
    assert "Compte désactivé" in page.get_by_role("status").inner_text()
    check(page, "comptes-3-desactive", 1280)
    with app.database.session() as session:
        store = AccountStore(session)
        found = store.by_email("editeur@exemple.fr")
        assert found.disabled_at is not None and found.newsletters == ["clas"]
        assert store.tokens(user_id) == []
    page.get_by_role("button", name="Réactiver le compte").click()
    assert page.get_by_role("status").inner_text() == "Compte réactivé."
    context.close()


def test_subscriber_pages_are_accessible(site: tuple[str, App], browser: Any) -> None:
    """The unsubscribe page and its answer, the preferences page with the new details and
    the data link, the data link's page and the data page, at both widths."""
    url, app = site
    add_active(app, "amina@exemple.fr", first_name="Amina", last_name="Diallo")
    unsubscribe = token_for(app, "unsubscribe", "amina@exemple.fr", ("lettre",))
    preferences = token_for(app, "preferences", "amina@exemple.fr")
    for width, suffix in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
        page = context.new_page()
        page.goto(f"{url}/preferences/{preferences}")
        assert page.get_by_text("Abonnements d'Amina Diallo").count() == 1
        check(page, f"abonne-1-preferences{suffix}", width)
        page.goto(f"{url}/desabonnement/{unsubscribe}")
        check(page, f"abonne-2-desabonnement{suffix}", width)
        if not suffix:
            page.get_by_role("button", name="Me désabonner").click()
            assert page.get_by_role("heading", level=1).inner_text() == "Désabonnement enregistré"
            check(page, "abonne-3-desabonne", width)
            page.goto(f"{url}/desabonnement/{unsubscribe}")
            assert page.get_by_role("heading", level=1).inner_text() == "Déjà désabonné"
        person = subscriber(app, "amina@exemple.fr")
        assert person is not None
        page.goto(f"{url}/mes-donnees/{app.tokens().issue('data', person)}")
        check(page, f"abonne-4-lien-donnees{suffix}", width)
        page.get_by_role("button", name="Voir mes données").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Données d'Amina Diallo"
        assert page.get_by_text("La Lettre de Profession Banlieue").count() >= 1
        check(page, f"abonne-5-mes-donnees{suffix}", width)
        context.close()
