"""Security over real HTTP: CSRF, session fixation, brute force, injection, roles, tokens."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import Depends, Form
from fastapi.responses import PlainTextResponse
from fastapi.routing import APIRoute

from newsletter.accounts.models import User
from newsletter.accounts.store import AccountStore
from newsletter.app import App
from newsletter.content.store import ItemStore
from newsletter.web.app import SESSION_COOKIE, create_app
from newsletter.web.auth import require_newsletter
from newsletter.web.csrf import csrf_exempt, verify_csrf
from tests.conftest import ON_SQLITE
from tests.web.client import (
    PASSWORD,
    csrf_of,
    http_client,
    http_get,
    http_post,
    login,
    post_form,
    serve,
)
from tests.web.conftest import add_user, seed

pytestmark = ON_SQLITE
INJECTION = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# Stored text is plain text: entities typed in a feed or a form become these characters.
ENCODED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; titre"


def test_post_without_or_with_a_wrong_csrf_token_is_refused(
    browser_client: httpx.Client, lettre: App, editor: str
) -> None:
    """Every form POST needs the session's CSRF token: none, a wrong one or another
    session's token gets 403 and changes nothing."""
    (item_id,) = seed(lettre, {"title": "Une fiche"})
    login(browser_client, editor)
    path = f"/editeurs/elements/{item_id}"
    form = {"kind": "publication"}
    with http_client(base_url=str(browser_client.base_url)) as other:
        foreign_token = csrf_of(other.get("/editeurs/connexion").text)
    for token in (None, "faux", foreign_token, "é" * 43):
        data = form if token is None else {**form, "csrf_token": token}
        response = browser_client.post(path, data=data)
        assert response.status_code == 403, token
        assert "Formulaire expiré" in response.text
    assert browser_client.post("/editeurs/deconnexion").status_code == 403
    assert browser_client.post("/editeurs/connexion", data={"email": editor}).status_code == 403
    assert browser_client.get("/editeurs/").status_code == 200  # still logged in
    with lettre.database.session() as session:
        assert AccountStore(session).find(editor) is not None
    assert post_form(browser_client, path, form).status_code == 303


def test_every_route_of_two_apps_checks_csrf(lettre: App) -> None:
    """Every route of the site carries the CSRF check (a router made otherwise than by
    ``site_router`` would take forms unchecked), in each app the process builds: they share
    the routes, resolved once."""
    first, second = create_app(lettre), create_app(lettre)
    routes = [route for route in first.routes if isinstance(route, APIRoute)]
    assert len(routes) > 100
    for route in routes:
        assert verify_csrf in [dependency.call for dependency in route.dependant.dependencies]
    assert [route for route in second.routes if isinstance(route, APIRoute)] == routes


def test_login_starts_a_new_session(browser_client: httpx.Client, editor: str) -> None:
    """Session fixation: the cookie from before login is replaced, and it never grants
    access afterwards; the CSRF token changes too."""
    page = browser_client.get("/editeurs/connexion")
    before = browser_client.cookies[SESSION_COOKIE]
    token_before = csrf_of(page.text)
    response = browser_client.post("/editeurs/connexion", data={
        "csrf_token": token_before, "email": editor, "password": PASSWORD})  # fmt: skip
    assert response.status_code == 303
    after = browser_client.cookies[SESSION_COOKIE]
    assert after != before
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=28800" in cookie
    assert csrf_of(browser_client.get("/editeurs/").text) != token_before
    with http_client(base_url=str(browser_client.base_url)) as attacker:
        attacker.cookies.set(SESSION_COOKIE, before)
        assert attacker.get("/editeurs/").status_code == 303


def test_secure_cookie_when_configured(lettre: App, editor: str) -> None:
    """With web.secure_cookies the session cookie is marked Secure."""
    settings = lettre.settings.model_copy(
        update={"web": lettre.settings.web.model_copy(update={"secure_cookies": True})}
    )
    secure = App(settings=settings, database=lettre.database, secrets=lettre.secrets)
    with serve(create_app(secure)) as url:
        response = http_get(f"{url}/editeurs/connexion")
    assert "; secure" in response.headers["set-cookie"].lower()


def test_login_brute_force_is_throttled(site: str, lettre: App, editor: str) -> None:
    """After 5 failures the 6th attempt is refused even with the right password, with the
    same neutral message; other accounts from another address are unaffected."""
    with http_client(base_url=site) as client:
        for _ in range(5):
            assert login(client, editor, "mauvais mot de passe").status_code == 400
        refused = login(client, editor, PASSWORD)
        assert refused.status_code == 400 and "Connexion refusée" in refused.text
        assert client.get("/editeurs/").status_code == 303
    with lettre.database.session() as session:
        assert AccountStore(session).by_email(editor).failed_attempts == 5


def test_one_address_trying_many_accounts_is_throttled(site: str, lettre: App, editor: str) -> None:
    """Failures are also counted per client address: spraying passwords over several
    accounts (existing or not) locks that address out."""
    add_user(lettre, "autre@exemple.fr")
    with http_client(base_url=site) as client:
        for number in range(5):
            assert login(client, f"personne{number}@exemple.fr", "essai").status_code == 400
        assert login(client, "autre@exemple.fr", PASSWORD).status_code == 400


def test_injected_html_is_shown_escaped(
    browser_client: httpx.Client, lettre: App, admin: str
) -> None:
    """Markup typed into any text field (title, place, organiser, territory, summary,
    names, login address, search box) is displayed as text, never run."""
    (item_id,) = seed(lettre, {
        "kind": "agenda", "title": ENCODED, "place": ENCODED, "organiser": ENCODED,
        "territory": ENCODED, "summary": INJECTION, "starts_at": "2026-12-08T18:30",
    })  # fmt: skip
    with lettre.database.session() as session:
        assert ItemStore(session).get(item_id).title.startswith("<script>")
    add_user(lettre, "nom@exemple.fr", name=INJECTION)
    refused = login(browser_client, INJECTION, "x")
    login(browser_client, admin)
    pages = [
        refused.text,
        browser_client.get("/editeurs/").text,
        browser_client.get("/editeurs/elements").text,
        browser_client.get(f"/editeurs/elements?q={INJECTION}").text,
        browser_client.get(f"/editeurs/elements/{item_id}").text,
        browser_client.get("/editeurs/comptes").text,
        post_form(browser_client, "/editeurs/elements/nouveau",
                  {"kind": "agenda", "title": INJECTION, "place": ENCODED}).text,
        post_form(browser_client, "/editeurs/comptes",
                  {"email": INJECTION, "display_name": INJECTION, "role": "editor"}).text,
    ]  # fmt: skip
    for number, page in enumerate(pages):
        assert "<script" not in page and "<img" not in page, number
    assert "&lt;script&gt;" in pages[-1] and "&lt;script&gt;" in pages[-3]


def test_only_admins_manage_accounts(
    browser_client: httpx.Client, lettre: App, editor: str, admin: str
) -> None:
    """Editors and coordinators get 403 on the accounts page and cannot create one;
    an admin can."""
    add_user(lettre, "coord@exemple.fr", "coordinator", ("reaap",))
    new = {"email": "nouveau@exemple.fr", "role": "admin", "password": PASSWORD,
           "confirmation": PASSWORD}  # fmt: skip
    for email in (editor, "coord@exemple.fr"):
        with http_client(base_url=str(browser_client.base_url)) as client:
            login(client, email)
            assert client.get("/editeurs/comptes").status_code == 403
            token = csrf_of(client.get("/editeurs/").text)
            response = client.post("/editeurs/comptes", data={"csrf_token": token, **new})
            assert response.status_code == 403 and "Accès refusé" in response.text
            assert 'href="/editeurs/comptes"' not in client.get("/editeurs/").text
    with lettre.database.session() as session:
        assert AccountStore(session).find("nouveau@exemple.fr") is None
    login(browser_client, admin)
    created = post_form(browser_client, "/editeurs/comptes", new)
    assert created.status_code == 303
    assert "Compte nouveau@exemple.fr créé." in browser_client.get("/editeurs/comptes").text


def test_coordinators_are_kept_to_their_newsletter(lettre: App) -> None:
    """require_newsletter lets a coordinator reach only their newsletters' pages, editors
    all of them; csrf_exempt opens a POST to requests without session (RFC 8058)."""
    add_user(lettre, "coord@exemple.fr", "coordinator", ("reaap",))
    add_user(lettre, "redaction@exemple.fr", "editor")
    web = create_app(lettre)

    @web.get("/editeurs/lettres/{newsletter}/essai")
    def newsletter_page(
        newsletter: str, user: Annotated[User, Depends(require_newsletter())]
    ) -> PlainTextResponse:
        return PlainTextResponse(f"{user.email} {newsletter}")

    @web.post("/essai/un-clic")
    @csrf_exempt
    def one_click(list_unsubscribe: Annotated[str, Form(alias="List-Unsubscribe")]) -> str:
        return list_unsubscribe

    with serve(web) as url:
        with http_client(base_url=url) as coordinator:
            login(coordinator, "coord@exemple.fr")
            assert coordinator.get("/editeurs/lettres/reaap/essai").status_code == 200
            refused = coordinator.get("/editeurs/lettres/lettre-pb/essai")
            assert refused.status_code == 403 and "lettre-pb" in refused.text
        with http_client(base_url=url) as redaction:
            login(redaction, "redaction@exemple.fr")
            assert redaction.get("/editeurs/lettres/lettre-pb/essai").status_code == 200
        one_click_post = http_post(f"{url}/essai/un-clic",
                                    data={"List-Unsubscribe": "One-Click"})  # fmt: skip
        assert one_click_post.status_code == 200


def test_changing_a_password_ends_other_sessions(
    browser_client: httpx.Client, lettre: App, editor: str
) -> None:
    """A session opened with the old password stops working once it is changed."""
    login(browser_client, editor)
    assert browser_client.get("/editeurs/").status_code == 200
    with lettre.database.session() as session:
        AccountStore(session).set_password(editor, "un tout nouveau mot de passe")
    assert browser_client.get("/editeurs/").status_code == 303


def test_login_never_redirects_elsewhere(browser_client: httpx.Client, editor: str) -> None:
    """The page to return to after login is always inside the editors' area."""
    for target in ("https://malveillant.example/", "//malveillant.example/", "/\\\\evil",
                   "/api/v1/items"):  # fmt: skip
        page = browser_client.get("/editeurs/connexion", params={"suite": target})
        response = browser_client.post("/editeurs/connexion", data={
            "csrf_token": csrf_of(page.text), "email": editor, "password": PASSWORD,
            "suite": target})  # fmt: skip
        assert response.headers["location"] == "/editeurs/", target
        browser_client.cookies.clear()


def test_api_needs_a_valid_token(site: str, lettre: App, editor: str) -> None:
    """The API answers 401 in JSON (French) without a token, with a wrong one, or with a
    session cookie instead; a token works and its digest only is stored."""
    with lettre.database.session() as session:
        token = AccountStore(session).create_token(editor, "site")
    with http_client(base_url=site) as client:
        for headers in (
            {},
            {"Authorization": "Bearer lettre_faux"},
            {"Authorization": "Basic YTpi"},
            {"Authorization": f"Bearer {token}x"},
        ):
            response = client.get("/api/v1/items", headers=headers)
            assert response.status_code == 401, headers
            assert response.json()["error"] == "jeton d'API absent ou invalide"
            assert response.headers["www-authenticate"] == "Bearer"
        login(client, editor)
        assert client.get("/api/v1/items").status_code == 401  # cookies are not enough
        ok = client.get("/api/v1/items", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
    with lettre.database.session() as session:
        from newsletter.accounts.models import ApiToken

        stored = [row.token_hash for row in session.query(ApiToken)]
        assert token not in stored and len(stored) == 1 and len(stored[0]) == 64
