"""« Mon compte »: an editor changes their own password (the current one checked like a
login, throttled even against parallel guesses; every other session ends, API tokens are
revoked, this one goes on anew) and closes the sessions left open elsewhere; each message
next to its form; axe-core finds no serious violation, screenshots at 1280 and 390 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from newsletter.accounts.passwords import verify_password
from newsletter.accounts.store import AccountStore
from newsletter.app import App
from tests.web.axe import serious_violations
from tests.web.chromium import chromium, log_in, shoot, watched_tab
from tests.web.client import PASSWORD, csrf_of, http_client, login
from tests.web.conftest import DESKTOP, PHONE, add_user, public_site

PAGE = "/editeurs/mon-compte"
NEW = "Trois chats mangent des bretzels au printemps"


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, project_config: dict[str, Any]
) -> Iterator[tuple[str, App]]:
    folder: Path = tmp_path_factory.mktemp("mon-compte")
    with public_site(folder, project_config) as served:
        yield served


@pytest.fixture
def client(site: tuple[str, App]) -> Iterator[Any]:
    """Logged-in clients (``client(email)``), closed after the test."""
    opened: list[httpx.Client] = []

    def open_as(email: str, password: str = PASSWORD) -> httpx.Client:
        made = http_client(base_url=site[0], timeout=30)
        opened.append(made)
        assert login(made, email, password).status_code == 303
        return made

    yield open_as
    for made in opened:
        made.close()


def post(client: httpx.Client, action: str, data: dict[str, str]) -> str:
    """Send a form of the page; the page it comes back to, at the form's message."""
    token = csrf_of(client.get(PAGE).text)
    answer = client.post(f"{PAGE}/{action}", data={"csrf_token": token, **data})
    assert answer.status_code == 303 and answer.headers["location"].startswith(PAGE + "#")
    return client.get(PAGE).text


def section(page: str, title_id: str) -> str:
    start = page.index(f'id="{title_id}"')
    return page[start : page.index("</section>", start)]


def logged_in(client: httpx.Client) -> bool:
    return client.get(PAGE).status_code == 200


def test_an_editor_changes_their_own_password(site: tuple[str, App], client: Any) -> None:
    """A wrong current password, two different new ones or a weak one are refused next to
    the form, nothing changed; a good change keeps this session, ends the other one,
    revokes the API tokens; the old password no longer logs in, the new one does."""
    url, app = site
    add_user(app, "ines@exemple.fr", "editor", name="Inès Haddad")
    with app.database.session() as session:
        AccountStore(session).create_token("ines@exemple.fr", "site")
    here, elsewhere = client("ines@exemple.fr"), client("ines@exemple.fr")
    for typed, said in [
        ({"actuel": "pas le bon", "nouveau": NEW, "confirmation": NEW},
         "Mot de passe actuel incorrect"),
        ({"actuel": PASSWORD, "nouveau": NEW, "confirmation": NEW + "!"},
         "Les deux mots de passe diffèrent"),
        ({"actuel": PASSWORD, "nouveau": "azertyuiop12", "confirmation": "azertyuiop12"},
         "Mot de passe trop facile à deviner"),
    ]:  # fmt: skip
        form = section(post(here, "mot-de-passe", typed), "titre-mot-de-passe")
        assert 'role="alert"' in form and said in form
    assert logged_in(elsewhere)
    done = section(post(here, "mot-de-passe",
                        {"actuel": PASSWORD, "nouveau": NEW, "confirmation": NEW}),
                   "titre-mot-de-passe")  # fmt: skip
    assert "Mot de passe changé. Vos autres sessions sont fermées" in done
    assert logged_in(here) and not logged_in(elsewhere)
    with app.database.session() as session:
        store = AccountStore(session)
        assert store.tokens(store.by_email("ines@exemple.fr").id) == []
    with http_client(base_url=url) as again:
        assert login(again, "ines@exemple.fr", PASSWORD).status_code == 400
        assert login(again, "ines@exemple.fr", NEW).status_code == 303


def test_sessions_left_open_are_listed_and_closed(site: tuple[str, App], client: Any) -> None:
    """Three logins, three sessions listed, this one marked; closing the others logs the
    two other clients out and leaves this one; with one session left, the button is off."""
    add_user(site[1], "karim@exemple.fr", "editor")
    here, *others = (client("karim@exemple.fr") for _ in range(3))
    listed = section(here.get(PAGE).text, "titre-sessions")
    assert listed.count("<tr>") == 4 and listed.count("cette session") == 1  # header + 3
    closed = section(post(here, "sessions", {}), "titre-sessions")
    assert "2 autre(s) session(s) fermée(s)." in closed
    assert logged_in(here) and not any(logged_in(other) for other in others)
    assert closed.count("<tr>") == 2 and re.search(r"<button[^>]*disabled", closed)


def test_an_admin_replaces_a_lost_password(site: tuple[str, App], client: Any) -> None:
    """On the account's page (admins only: 403 for an editor): the same rules as any
    password, the account's sessions end, the new password logs in; an admin's own is
    changed in « Mon compte », where the current one is asked."""
    url, app = site
    add_user(app, "chef@exemple.fr", "admin")
    add_user(app, "oubli@exemple.fr", "editor")
    with app.database.session() as session:
        store = AccountStore(session)
        chef, forgetful = (
            store.by_email(email).id for email in ("chef@exemple.fr", "oubli@exemple.fr")
        )
    admin, editor = client("chef@exemple.fr"), client("oubli@exemple.fr")

    def replace(by: httpx.Client, user_id: int, password: str) -> httpx.Response:
        page = f"/editeurs/comptes/{user_id}"
        token = csrf_of(by.get("/editeurs/").text)
        return by.post(f"{page}/mot-de-passe", data={"csrf_token": token, "nouveau": password,
                                                     "confirmation": password})  # fmt: skip

    assert replace(editor, forgetful, NEW).status_code == 403
    assert replace(admin, forgetful, "azertyuiop12").status_code == 303
    page = admin.get(f"/editeurs/comptes/{forgetful}").text
    assert "Mot de passe trop facile à deviner" in section(page, "titre-mot-de-passe")
    assert logged_in(editor)
    assert replace(admin, forgetful, NEW).status_code == 303
    assert "Mot de passe remplacé" in admin.get(f"/editeurs/comptes/{forgetful}").text
    assert not logged_in(editor)
    with http_client(base_url=url) as again:
        assert login(again, "oubli@exemple.fr", NEW).status_code == 303
    assert replace(admin, chef, NEW).status_code == 303
    own = admin.get(f"/editeurs/comptes/{chef}").text
    assert "Remplacer un mot de passe perdu" not in own and logged_in(admin)
    with app.database.session() as session:
        assert verify_password(AccountStore(session).by_email("chef@exemple.fr").password_hash,
                               PASSWORD)  # fmt: skip


def test_my_account_in_a_browser(site: tuple[str, App]) -> None:
    """Reached from the name in the header; labelled fields, the message next to the form;
    no serious axe violation, nothing cut on a phone."""
    url, app = site
    add_user(app, "camille@exemple.fr", "coordinator", ("reaap",), name="Camille Martin")
    with chromium() as browser:
        for viewport, suffix in ((DESKTOP, ""), (PHONE, "-mobile")):
            with watched_tab(browser, viewport) as page:
                log_in(page, url, "camille@exemple.fr")
                page.get_by_role("link", name=re.compile("^Camille Martin")).click()
                assert page.get_by_role("heading", level=1).inner_text() == "Mon compte"
                page.get_by_label("Mot de passe actuel").fill("pas le bon")
                page.get_by_label("Nouveau mot de passe (obligatoire)", exact=True).fill(NEW)
                page.get_by_label("Nouveau mot de passe, une seconde fois").fill(NEW)
                page.get_by_role("button", name="Changer mon mot de passe").click()
                alert = page.locator("section", has=page.locator("#titre-mot-de-passe"))
                assert "Mot de passe actuel incorrect" in alert.get_by_role("alert").inner_text()
                assert serious_violations(page) == []
                assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
                shoot(page, f"30-mon-compte{suffix}")


def test_guessing_the_current_password_from_an_open_session_is_throttled(
    site: tuple[str, App], client: Any
) -> None:
    """Twelve wrong current passwords at once from a session left open: the login throttle
    counts them before any check, so at most ``web.login_max_failures`` reach Argon2 and
    then even the right one is refused for the lockout. (Last of the module: it locks this
    client's address out of the module's server.)"""
    url, app = site
    add_user(app, "partage@exemple.fr", "editor")
    open_session = client("partage@exemple.fr")
    token = csrf_of(open_session.get(PAGE).text)
    cookies = dict(open_session.cookies)

    def guess(number: int) -> None:
        typed = {"csrf_token": token, "actuel": f"essai {number}", "nouveau": NEW,
                 "confirmation": NEW}  # fmt: skip
        with http_client(base_url=url, cookies=cookies, timeout=60) as copy:
            copy.post(f"{PAGE}/mot-de-passe", data=typed)

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(guess, range(12)))
    with app.database.session() as session:
        failed = AccountStore(session).by_email("partage@exemple.fr").failed_attempts
    assert failed <= app.settings.web.login_max_failures
    right = {"actuel": PASSWORD, "nouveau": NEW, "confirmation": NEW}
    assert "Mot de passe actuel incorrect" in post(open_session, "mot-de-passe", right)
    with app.database.session() as session:  # the password did not change
        user = AccountStore(session).by_email("partage@exemple.fr")
        assert verify_password(user.password_hash, PASSWORD)
