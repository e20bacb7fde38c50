"""Editors' pages over real HTTP: login, dashboard, items search, fixing and adding items."""

from __future__ import annotations

import html
from dataclasses import replace

import httpx
import pytest

from newsletter.app import App
from newsletter.content.classify import Classifier
from newsletter.content.entries import Entry
from newsletter.content.prepare import prepare
from newsletter.content.store import ItemStore
from newsletter.errors import ConfigError
from newsletter.sources.http import Validators
from newsletter.sources.store import SourceStore
from newsletter.web.app import create_app
from tests.conftest import ON_SQLITE
from tests.web.client import csrf_of, http_get, login, post_form, serve
from tests.web.conftest import seed

pytestmark = ON_SQLITE


def test_pages_need_a_login(browser_client: httpx.Client) -> None:
    """An anonymous visitor is sent to the login form, which brings them back afterwards."""
    response = browser_client.get("/editeurs/elements?type=fiche")
    assert response.status_code == 303
    assert response.headers["location"] == (
        "/editeurs/connexion?suite=%2Fediteurs%2Felements%3Ftype%3Dfiche"
    )
    page = browser_client.get(response.headers["location"])
    assert page.status_code == 200 and '<html lang="fr">' in page.text
    assert 'value="/editeurs/elements?type=fiche"' in page.text


def test_login_then_dashboard_shows_sources_and_items(
    browser_client: httpx.Client, lettre: App, editor: str
) -> None:
    """After login the dashboard lists sources with their failure streaks and the warnings
    of their last reading, and the latest items."""
    with lettre.database.session() as session:
        store = SourceStore(session)
        broken = store.ensure("partenaire-en-panne", "Partenaire en panne")
        for _ in range(4):
            store.record_failure(broken, "HTTP 503")
        store.ensure("editorial", "Saisie éditoriale")
        repaired = store.ensure("partenaire-repare", "Partenaire réparé")
        store.record_success(repaired, Validators(), 0, "flux réparé : XML mal formé ligne 12"
                             " (document tronqué)\n2 lien(s) non http(s) ignoré(s)")  # fmt: skip
    seed(lettre, {"title": "Cités éducatives : premier bilan"})
    response = login(browser_client, editor)
    assert response.status_code == 303 and response.headers["location"] == "/editeurs/"
    page = browser_client.get("/editeurs/").text
    assert "1 source en échec" in page and "Partenaire en panne" in page
    assert '<strong class="badge badge--alert">4</strong>' in page and "HTTP 503" in page
    assert "Cités éducatives : premier bilan" in page
    assert "1 source lue avec réserve" in page and "<strong>Partenaire réparé</strong>" in page
    assert "<li>flux réparé : XML mal formé ligne 12 (document tronqué)</li>" in page
    assert "Rédaction" in page  # who is logged in


def test_wrong_password_gets_the_form_again(browser_client: httpx.Client, editor: str) -> None:
    """A refused login shows a neutral French message and keeps the typed address."""
    response = login(browser_client, editor, "pas le bon mot de passe")
    assert response.status_code == 400
    assert "Connexion refusée" in response.text and f'value="{editor}"' in response.text
    assert browser_client.get("/editeurs/").status_code == 303


def test_items_search_filters_and_pages(
    browser_client: httpx.Client, lettre: App, editor: str
) -> None:
    """Items can be filtered by kind, theme, network and title text, 25 per page."""
    seed(lettre, *({"title": f"Fiche numéro {n}", "guid": f"f{n}"} for n in range(30)))
    seed(lettre, {"kind": "agenda", "title": "Soirée du Réaap", "starts_at": "2026-12-08T18:30",
                  "networks": "reaap", "themes": "education"})  # fmt: skip
    login(browser_client, editor)
    first = browser_client.get("/editeurs/elements").text
    assert first.count('<th scope="row">') == 25 and "Page suivante" in first
    second = browser_client.get("/editeurs/elements?page=2").text
    assert second.count('<th scope="row">') == 6 and "Page précédente" in second
    for query in ("type=agenda", "reseau=reaap", "theme=education", "q=r%C3%A9aap"):
        page = browser_client.get(f"/editeurs/elements?{query}").text
        assert page.count('<th scope="row">') == 1 and "Soirée du Réaap" in page, query
    assert "Aucun élément" in browser_client.get("/editeurs/elements?q=introuvable").text
    unknown = browser_client.get("/editeurs/elements?reseau=inconnu")
    assert unknown.status_code == 400 and "Réseau inconnu" in unknown.text


def test_fixing_an_item_records_overrides(
    browser_client: httpx.Client, lettre: App, editor: str
) -> None:
    """The item form changes kind, networks, themes, dates and cancelled; only changed
    fields become overrides, which later feed updates keep."""
    (item_id,) = seed(lettre, {"kind": "actualite", "title": "Rencontre des parents",
                               "themes": "participation"})  # fmt: skip
    login(browser_client, editor)
    path = f"/editeurs/elements/{item_id}"
    response = post_form(browser_client, path, {
        "kind": "agenda", "themes": ["participation"], "networks": ["reaap", "clas"],
        "starts_at": "2026-12-08T18:30", "ends_at": "2026-12-08T21:00", "cancelled": "true",
        "published_at": "",
    })  # fmt: skip
    assert response.status_code == 303 and response.headers["location"] == f"{path}#titre-corriger"
    page = browser_client.get(path).text
    assert "Élément corrigé." in page
    with lettre.database.session() as session:
        item = ItemStore(session).get(item_id)
        assert item.kind == "agenda" and sorted(item.networks) == ["clas", "reaap"]
        assert item.cancelled and item.starts_at is not None
        assert item.starts_at.isoformat() == "2026-12-08T17:30:00+00:00"
        assert set(item.overrides) == {"kind", "networks", "starts_at", "ends_at", "cancelled"}
    again = post_form(browser_client, path, {
        "kind": "agenda", "themes": ["participation"], "networks": ["clas", "reaap"],
        "starts_at": "2026-12-08T18:30", "ends_at": "2026-12-08T21:00", "cancelled": "true",
    })  # fmt: skip
    assert "Aucune modification." in browser_client.get(again.headers["location"]).text


def merged_item(app: App) -> int:
    """Two partners announcing the same page: one item, the second announcement merged."""
    classifier = Classifier.from_settings(app.settings.classification)
    with app.database.session() as session:
        sources, store = SourceStore(session), ItemStore(session)
        for key, title in (("crpv", "Rencontre jeunesse"), ("oriv", "Rencontre du réseau")):
            source = sources.ensure(key, f"Centre de ressources {key.upper()}")
            entry = Entry(key, f"{key}-1", title, "actualite", None,
                          url="https://exemple.fr/rencontre?utm_source=lettre")  # fmt: skip
            store.save_entries(source.id, prepare([entry], classifier, app.settings.fetch.timezone))
        item = store.by_guid("crpv-1")
        assert item is not None and len(item.sources) == 2
        return item.id


def test_splitting_a_merged_announcement(
    browser_client: httpx.Client, lettre: App, editor: str
) -> None:
    """The item page says why an announcement was merged; its button, once confirmed (CSRF
    checked), makes it an item of its own and says which."""
    item_id = merged_item(lettre)
    login(browser_client, editor)
    path = f"/editeurs/elements/{item_id}"
    page = browser_client.get(path).text
    assert "Réunie à l'élément : même adresse (https://exemple.fr/rencontre)." in page
    assert "Séparer cette annonce" in page
    credit = int(page.split('name="annonce" value="')[1].split('"')[0])
    form = {"csrf_token": csrf_of(page), "annonce": credit}
    unconfirmed = browser_client.post(f"{path}/separer", data=form)
    assert unconfirmed.status_code == 400 and "séparation non confirmée" in unconfirmed.text
    forged = browser_client.post(
        f"{path}/separer", data=form | {"csrf_token": "x", "confirmer": "oui"}
    )
    assert forged.status_code == 403
    done = browser_client.post(f"{path}/separer", data=form | {"confirmer": "oui"})
    assert done.status_code == 303 and done.headers["location"] == path
    after = html.unescape(browser_client.get(path).text)
    assert f"Annonce séparée : elle forme désormais l'élément n° {item_id + 1}." in after
    assert "Séparer cette annonce" not in after
    with lettre.database.session() as session:
        split_off = ItemStore(session).get(item_id + 1)
        assert split_off.title == "Rencontre du réseau"
        assert [credit.guid for credit in split_off.sources] == ["oriv-1"]


def test_an_invalid_fix_is_refused_with_its_reason(
    browser_client: httpx.Client, lettre: App, editor: str
) -> None:
    """An agenda entry without start, an end before the start or an unknown network: 400."""
    (item_id,) = seed(lettre, {"title": "Une fiche"})
    login(browser_client, editor)
    path = f"/editeurs/elements/{item_id}"
    cases = [
        ({"kind": "agenda"}, "date de début"),
        ({"kind": "fiche", "starts_at": "2026-12-08T18:00", "ends_at": "2026-12-08T10:00"},
         "la fin précède le début"),
        ({"kind": "fiche", "networks": ["inconnu"]}, "réseau inconnu"),
        ({"kind": "blog"}, "type inconnu"),
    ]  # fmt: skip
    for form, message in cases:
        response = post_form(browser_client, path, form)
        assert response.status_code == 400 and message in response.text, form
    with lettre.database.session() as session:
        assert ItemStore(session).get(item_id).overrides == {}


def test_adding_an_item_by_hand(browser_client: httpx.Client, lettre: App, editor: str) -> None:
    """The add form stores an editorial item, cleaned and classified like an import;
    sending it twice does not duplicate it; a bad one comes back with its values."""
    login(browser_client, editor)
    form = {
        "kind": "agenda", "title": "Colloque <b>Parentalité</b>",
        "summary": "Premier paragraphe.\n\nSecond <script>alert(1)</script>",
        "url": "https://www.professionbanlieue.org/colloque", "starts_at": "2027-01-14T09:30",
        "place": "Bobigny", "organiser": "Profession Banlieue", "networks": ["reaap"],
        "territory": "Seine-Saint-Denis",
    }  # fmt: skip
    response = post_form(browser_client, "/editeurs/elements/nouveau", form)
    assert response.status_code == 303
    item_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert "Élément enregistré." in browser_client.get(response.headers["location"]).text
    with lettre.database.session() as session:
        item = ItemStore(session).get(item_id)
        assert item.title == "Colloque Parentalité" and "<script" not in item.summary
        assert item.networks == ["reaap"] and item.sources[0].guid.startswith("editorial:")
    twice = post_form(browser_client, "/editeurs/elements/nouveau", form)
    assert twice.headers["location"] == response.headers["location"]
    bad = post_form(browser_client, "/editeurs/elements/nouveau",
                    form | {"url": "javascript:alert(1)", "title": "Titre gardé"})  # fmt: skip
    assert bad.status_code == 400 and "adresse http(s) invalide" in bad.text
    assert 'value="Titre gardé"' in bad.text


def test_logout_ends_the_session(browser_client: httpx.Client, editor: str) -> None:
    """After logging out, the editors' pages ask for a login again."""
    login(browser_client, editor)
    assert browser_client.get("/editeurs/").status_code == 200
    response = post_form(browser_client, "/editeurs/", {})
    assert response.status_code == 405  # the dashboard has no form; logout is elsewhere
    token_page = browser_client.get("/editeurs/").text
    out = browser_client.post("/editeurs/deconnexion", data={"csrf_token": csrf_of(token_page)})
    assert out.status_code == 303
    assert browser_client.get("/editeurs/").status_code == 303
    assert "Vous êtes déconnecté." in browser_client.get("/editeurs/connexion").text


def test_errors_are_french_pages(browser_client: httpx.Client, editor: str) -> None:
    """Unknown pages and items get a French 404 page in the site's layout."""
    login(browser_client, editor)
    for path in ("/editeurs/inexistant", "/editeurs/elements/999999", "/editeurs/elements/9" * 3):
        response = browser_client.get(path)
        assert response.status_code == 404, path
        assert "text/html" in response.headers["content-type"]
        assert '<html lang="fr">' in response.text and "introuvable" in response.text


def test_security_headers_on_every_answer(browser_client: httpx.Client, editor: str) -> None:
    """Pages, redirects, errors and the API carry the CSP and the other protective headers."""
    login(browser_client, editor)
    for path in ("/editeurs/", "/editeurs/connexion", "/", "/editeurs/absent", "/api/v1/items",
                 "/static/lettre.css"):  # fmt: skip
        headers = browser_client.get(path).headers
        policy = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, path
        assert "unsafe-inline" not in policy
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
    assert browser_client.get("/editeurs/").headers["cache-control"] == "no-store"


def test_the_app_needs_its_signing_key(lettre: App) -> None:
    """Without NEWSLETTER_WEB_SECRET (or with a short one) the app refuses to start."""
    for secret in ("", "court"):
        keys = replace(lettre.secrets, raw_web_secret=secret)
        with pytest.raises(ConfigError, match="NEWSLETTER_WEB_SECRET"):
            create_app(replace(lettre, secrets=keys))


def test_an_unexpected_error_is_a_french_500(lettre: App) -> None:
    """A bug gives a French 500 page (JSON under /api/) with the security headers, and
    does not leak the exception's text."""
    web = create_app(lettre)

    @web.get("/editeurs/panne")
    @web.get("/api/v1/panne")
    def broken() -> None:
        raise RuntimeError("détail interne secret")

    with serve(web) as url:
        page = http_get(f"{url}/editeurs/panne")
        api = http_get(f"{url}/api/v1/panne")
    assert page.status_code == 500 and "Erreur interne" in page.text
    assert api.status_code == 500 and api.json()["error"] == "erreur interne"
    for response in (page, api):
        assert "secret" not in response.text
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
