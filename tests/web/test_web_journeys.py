"""End to end in headless Chromium (Debian's package, driven by Playwright), with emails
delivered to a real SMTP server: a subscriber subscribes, confirms from the email,
changes themes and unsubscribes; an editor previews an edition, reorders it, approves it
and sends a test, then sends it after its confirmation page. Screenshots go to
tests/artifacts/; axe-core checks the editor's pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from newsletter.accounts.permissions import OPERATOR
from newsletter.app import App
from newsletter.editions.assembly import assemble
from newsletter.editions.store import EditionStore
from tests.dispatching import fast_dispatch, populate, relay
from tests.polling import wait_until
from tests.smtp_server import SmtpTestServer
from tests.web.axe import serious_violations
from tests.web.chromium import chromium, cut_on_phone, log_in, shoot
from tests.web.conftest import DESKTOP, PHONE, add_user, public_site
from tests.web.test_web_public import confirmation_for, statuses, subscriber, token_for


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpTestServer]:
    with SmtpTestServer() as server:
        yield server


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, project_config: dict[str, Any], smtp: SmtpTestServer
) -> Iterator[tuple[str, App, int]]:
    """An approved Lettre with its items and a small audience, an editor; served."""
    folder: Path = tmp_path_factory.mktemp("journeys")
    overrides = {"transport": relay(smtp.port), "dispatch": fast_dispatch(processes=1)}
    with public_site(folder, project_config, **overrides) as (url, app):
        edition_id = populate(app, folder, 3)
        add_user(app, "claire.martin@exemple.fr", "editor", name="Claire Martin")
        yield url, app, edition_id


@pytest.fixture(scope="module")
def browser(site: tuple[str, App, int]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_subscriber_journey(site: tuple[str, App, int], page: Any, smtp: SmtpTestServer) -> None:
    """Subscribe → the confirmation email arrives → its link and button → preferences →
    themes changed → the unsubscribe link asks, then its button unsubscribes."""
    url, app, _ = site
    email = "Camille.Durand@ville-montreuil.fr"
    page.goto(url)
    page.get_by_role("main").get_by_role("link", name="S'abonner").click()
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("La Lettre de Profession Banlieue").check()
    page.get_by_label("Lettre du Réaap").check()
    page.get_by_label(re.compile("^Éducation")).check()
    page.get_by_label("Prénom").fill("Camille")
    page.get_by_label("Nom", exact=True).fill("Durand")
    page.get_by_label("Organisme").fill("Ville de Montreuil")
    page.get_by_label("Profil").select_option("professionnel")
    page.get_by_label("Commune").fill("Montreuil")
    page.get_by_label("Département").fill("93")
    shoot(page, "08-abonnement")
    page.get_by_role("button", name="M'abonner").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Vérifiez votre boîte de réception"
    wait_until(lambda: statuses(app, email) == {"lettre": "pending", "reaap": "pending"}, 10)

    page.goto(confirmation_for(smtp, email))
    page.get_by_role("button", name="Je confirme mon abonnement").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Mes préférences"
    assert "Abonnement confirmé" in page.get_by_role("status").inner_text()
    assert statuses(app, email) == {"lettre": "active", "reaap": "active"}
    assert page.get_by_label(re.compile("^Éducation")).is_checked()
    page.get_by_label(re.compile("^Habitat")).check()
    page.get_by_label(re.compile("^Texte seul")).check()
    page.get_by_role("button", name="Enregistrer mes choix").click()
    assert page.get_by_role("status").inner_text() == "Vos préférences sont enregistrées."
    assert page.get_by_label(re.compile("^Habitat")).is_checked()
    shoot(page, "09-preferences")
    found = subscriber(app, email)
    assert found is not None and sorted(found.themes) == ["education", "habitat"]
    assert found.format == "text"

    page.goto(f"{url}/desabonnement/{token_for(app, 'unsubscribe', email, ('lettre',))}")
    assert statuses(app, email) == {"lettre": "active", "reaap": "active"}
    page.get_by_role("button", name="Me désabonner").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Désabonnement enregistré"
    assert statuses(app, email) == {"lettre": "unsubscribed", "reaap": "active"}
    shoot(page, "10-desabonnement")


def test_editor_journey(site: tuple[str, App, int], page: Any, smtp: SmtpTestServer) -> None:
    """Login → the edition's preview (the email itself in the frames) → an item moved
    down (↓, then a typed position) → approval → a test send that arrives at the SMTP
    server, marked [ESSAI] → the send's confirmation page (recipients counted, warnings to
    tick) → the send, done."""
    url, app, edition_id = site
    log_in(page, url, "claire.martin@exemple.fr")
    page.wait_for_url(f"{url}/editeurs/")
    assert page.get_by_role("heading", name="Éditions à venir").is_visible()
    page.get_by_role("link", name="Éditions", exact=True).click()
    with app.database.session() as session:
        edition = EditionStore(session).get(edition_id)
        subject, period = edition.subject, edition.period
        fiches = [e.item.title for e in sorted(edition.entries, key=lambda e: e.position)
                  if e.section == "fiches"]  # fmt: skip
    page.get_by_role("link", name=f"n° {edition.number} — {period}").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == subject
    for title in ("Aperçu sur ordinateur", "Aperçu sur téléphone"):
        frame = page.frame_locator(f'iframe[title="{title}"]')
        frame.get_by_role("link", name=fiches[0]).first.wait_for(state="visible", timeout=5000)
    shoot(page, "11-edition-apercu")

    page.get_by_role("button", name=f"Descendre « {fiches[0]} »").click()
    row = page.url.split("#")[1]  # back to the moved item's row, its message just below
    assert page.locator(f"#{row} th").inner_text() == fiches[0]
    notice = page.locator(f"#{row} + tr.entries__notice").get_by_role("status").inner_text()
    assert notice.startswith("Élément placé en position 2 de sa rubrique.")
    rows = page.locator("table.entries tbody tr th[scope=row]").all_inner_texts()
    assert rows.index(fiches[1]) < rows.index(fiches[0])
    page.get_by_label(f"Position de « {fiches[0]} » dans sa rubrique").fill("2")
    page.get_by_label(f"Position de « {fiches[0]} » dans sa rubrique").press("Enter")
    assert page.url.endswith(f"#{row}")  # a typed position: back to the same row
    notice = page.locator(f"#{row} + tr.entries__notice").get_by_role("status").inner_text()
    assert notice.startswith("Élément placé en position 2 de sa rubrique.")
    page.get_by_role("button", name="Approuver l'édition").click()
    assert page.get_by_role("status").inner_text() == (
        "Édition approuvée : c’est cette version qui partira."
    )
    assert page.locator(".page-head .state").inner_text() == "approuvée"

    before = len(smtp.messages)
    page.get_by_label("Adresses").fill("relecture@exemple.fr, direction@exemple.fr")
    page.get_by_role("button", name="Envoyer l'essai").click()
    assert (
        "Envoi d’essai parti vers : relecture@exemple.fr" in page.get_by_role("status").inner_text()
    )
    received = smtp.messages[before:]
    assert sorted(r.recipients[0] for r in received) == ["direction@exemple.fr",
                                                         "relecture@exemple.fr"]  # fmt: skip
    message = received[0].parsed()
    assert message["Subject"] == f"[ESSAI] {subject}"
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert html.index(fiches[1]) < html.index(fiches[0])  # the new order went out

    assert serious_violations(page) == []
    page.set_viewport_size(PHONE)
    page.reload()
    assert cut_on_phone(page) == []
    for action in ("Monter", "Descendre", "Modifier", "Retirer"):  # no sideways scrolling
        name = f"{action} « {fiches[0]} »" + (" pour cette édition" if action == "Modifier" else "")
        box = page.get_by_role(
            "button" if action != "Modifier" else "link", name=name
        ).bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"], action
    shoot(page, "12-edition-mobile")
    page.set_viewport_size(DESKTOP)

    page.get_by_role("link", name="Envoyer maintenant…").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Envoyer maintenant"
    table = page.get_by_role("table", name="Destinataires par format et par thèmes choisis")
    assert sum(int(n) for n in table.locator("td.num").all_inner_texts()) == 3
    assert "Édition mince" in page.locator("#verifications").inner_text()
    assert serious_violations(page) == []
    shoot(page, "13-envoi-confirmation")
    page.set_viewport_size(PHONE)
    assert cut_on_phone(page) == []
    shoot(page, "13-envoi-confirmation-mobile")
    page.set_viewport_size(DESKTOP)
    page.get_by_label("J'ai lu ces avertissements et je confirme l'envoi").check()
    before = len(smtp.messages)
    page.get_by_role("button", name="Envoyer à 3 destinataires").click()
    assert page.get_by_role("status").inner_text() == "Envoi lancé."
    page.locator(".state--sent").wait_for(timeout=30_000)  # the page refreshes itself
    assert len(smtp.messages) - before == 3


def test_an_empty_edition_cannot_be_sent(site: tuple[str, App, int], page: Any) -> None:
    """The confirmation page of an approved but empty edition says why it cannot go, and
    offers no button to send it."""
    url, app, _ = site
    with app.database.session() as session:
        store = EditionStore(session)
        empty = assemble(store, "clas", app.settings.newsletter("clas"), "Europe/Paris",
                         day=date(2027, 1, 20)).id  # fmt: skip
    app.editing.approve(OPERATOR, empty)
    log_in(page, url, "claire.martin@exemple.fr")
    page.goto(f"{url}/editeurs/editions/{empty}")
    page.get_by_role("link", name="Envoyer maintenant…").click()
    refused = page.get_by_role("alert").inner_text()
    assert "L'envoi est impossible" in refused and "L’édition est vide" in refused
    assert page.get_by_role("button", name=re.compile("^Envoyer")).count() == 0
    assert serious_violations(page) == []
    shoot(page, "14-envoi-refuse")
