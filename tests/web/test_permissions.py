"""Who may do what, as one matrix (role × action × owner) tried through the web pages, the
API and the command line: the rules of accounts.permissions hold whatever an account uses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from click.testing import CliRunner

from newsletter.accounts.permissions import OPERATOR
from newsletter.accounts.store import AccountStore
from newsletter.app import App
from newsletter.audit.store import AuditStore
from newsletter.cli import cli
from newsletter.content.models import ItemProposal
from newsletter.content.store import ItemStore
from newsletter.editions.assembly import assemble
from newsletter.editions.store import EditionStore
from tests.web.client import csrf_of, http_client, login, post_form
from tests.web.conftest import add_user, public_site

ROLES = ("admin", "editor", "coordinator")
ACCOUNTS = {role: f"{role}@exemple.fr" for role in ROLES}
# Owner of what is acted on: the coordinator's network (reaap), another network (clas),
# or the coordinator's network but carried by another newsletter's edition (the Lettre).
OWNERS = ("mine", "other", "carried")
ALLOWED = {  # (role, owner) -> may correct directly
    **{(role, owner): True for role in ("admin", "editor") for owner in OWNERS},
    ("coordinator", "mine"): True,
    ("coordinator", "other"): False,
    ("coordinator", "carried"): False,
}
NETWORKS = {"mine": "reaap", "other": "clas", "carried": "reaap"}


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, project_config: dict[str, Any]
) -> Iterator[tuple[str, App, Path]]:
    """Three accounts; a Lettre draft and a Réaap draft; served."""
    folder: Path = tmp_path_factory.mktemp("permissions")
    with public_site(folder, project_config) as (url, app):
        for role, email in ACCOUNTS.items():
            add_user(app, email, role, ("reaap",) if role == "coordinator" else ())
        yield url, app, folder / "config.toml"


def new_items(app: App, label: str) -> dict[str, int]:
    """One item per owner, typed by the operator; the "carried" one put in a Lettre
    edition."""
    ids = {}
    for owner in OWNERS:
        record = {"kind": "fiche", "title": f"{label} {owner}", "networks": NETWORKS[owner],
                  "url": "https://exemple.fr/fiche"}  # fmt: skip
        ids[owner], _ = app.items.create(OPERATOR, record)
    with app.database.session() as session:
        store = EditionStore(session)
        edition = store.open_edition("lettre") or assemble(
            store, "lettre", app.settings.newsletter("lettre"), "Europe/Paris",
            day=date(2027, 3, 2))  # fmt: skip
        store.add_item(edition, ids["carried"], app.settings.newsletter("lettre"), "fiches")
    return ids


def state(app: App, item_id: int) -> tuple[bool, int]:
    """Whether the item is cancelled, and how many corrections are proposed for it."""
    with app.database.session() as session:
        item = ItemStore(session).get(item_id)
        proposals = session.query(ItemProposal).filter_by(item_id=item_id).count()
        return item.cancelled, proposals


@contextmanager
def web(url: str, role: str) -> Iterator[httpx.Client]:
    """A browser-like client logged in with the account of ``role``."""
    with http_client(base_url=url, timeout=20) as client:
        login(client, ACCOUNTS[role])
        yield client


@pytest.mark.parametrize("role", ROLES)
def test_correcting_an_item_through_the_web(site: tuple[str, App, Path], role: str) -> None:
    """The item page's form corrects the item when the account may; otherwise (a
    coordinator, for another network's item or one another newsletter carries) it records
    a proposal for the editors and leaves the item as it was."""
    url, app, _ = site
    ids = new_items(app, f"web {role}")
    with web(url, role) as client:
        for owner, item_id in ids.items():
            form = {"kind": "fiche", "networks": [NETWORKS[owner]], "cancelled": "true"}
            response = post_form(client, f"/editeurs/elements/{item_id}", form)
            assert response.status_code == 303, (owner, response.text[:300])
            expected = (True, 0) if ALLOWED[role, owner] else (False, 1)
            assert state(app, item_id) == expected, (role, owner)


@pytest.mark.parametrize("role", ROLES)
def test_correcting_an_item_through_the_command_line(
    site: tuple[str, App, Path], role: str
) -> None:
    """`newsletter --user EMAIL items set` applies the same rules: refused (exit 1, one
    French line) where the account may not correct."""
    _, app, config = site
    ids = new_items(app, f"cli {role}")
    for owner, item_id in ids.items():
        result = CliRunner().invoke(cli, ["--config", str(config), "--user", ACCOUNTS[role],
                                          "items", "set", str(item_id), "--cancelled"])  # fmt: skip
        if ALLOWED[role, owner]:
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code == 1 and "proposez la correction" in result.output
        assert state(app, item_id)[0] is ALLOWED[role, owner]


@pytest.mark.parametrize("role", ROLES)
def test_creating_items_through_the_api(site: tuple[str, App, Path], role: str) -> None:
    """Pushing an item through the API: any network for admins and editors, their own
    network only for a coordinator (403 otherwise, nothing stored)."""
    url, app, _ = site
    with app.database.session() as session:
        token = AccountStore(session).create_token(ACCOUNTS[role], "permissions")
    headers = {"Authorization": f"Bearer {token}"}
    with http_client(base_url=f"{url}/api/v1", headers=headers) as client:
        for owner in ("mine", "other"):
            body = {"id": f"api-{role}-{owner}", "kind": "actualite",
                    "title": f"API {role} {owner}", "networks": [NETWORKS[owner]]}  # fmt: skip
            response = client.post("/items", json=body)
            allowed = ALLOWED[role, owner]
            assert response.status_code == (201 if allowed else 403), (role, owner)


@pytest.mark.parametrize("role", ROLES)
def test_approving_editions_through_the_web_and_the_command_line(
    site: tuple[str, App, Path], role: str
) -> None:
    """An edition of the coordinator's newsletter may be approved by them; the Lettre's
    only by admins and editors (403 on the web, exit 1 on the command line)."""
    url, app, config = site
    with app.database.session() as session:
        store = EditionStore(session)
        made = {name: assemble(store, name, app.settings.newsletter(name), "Europe/Paris",
                               day=date(2027, 4, 6 if name == "lettre" else 8), replace=True).id
                for name in ("lettre", "reaap")}  # fmt: skip
    allowed = {"lettre": role != "coordinator", "reaap": True}
    with web(url, role) as client:
        edition_id = made["lettre"]
        token = csrf_of(client.get("/editeurs/").text)
        response = client.post(f"/editeurs/editions/{edition_id}/approuver",
                               data={"csrf_token": token})  # fmt: skip
        assert response.status_code == (303 if allowed["lettre"] else 403)
    result = CliRunner().invoke(cli, ["--config", str(config), "--user", ACCOUNTS[role],
                                      "edition", "approve", str(made["reaap"])])  # fmt: skip
    assert result.exit_code == 0, result.output
    with app.database.session() as session:
        states = {name: EditionStore(session).get(made[name]).state for name in made}
    assert states == {name: "approved" if allowed[name] else "draft" for name in made}


@pytest.mark.parametrize("role", ROLES)
def test_moving_a_send_time_through_the_web_and_the_command_line(
    site: tuple[str, App, Path], role: str
) -> None:
    """The Lettre's send time is moved by admins and editors only (403 on the web, exit 1
    on the command line): the same rule as any change to its edition."""
    url, app, config = site
    day = date.today() + timedelta(days=20)
    with app.database.session() as session:
        store = EditionStore(session)
        lettre = assemble(store, "lettre", app.settings.newsletter("lettre"), "Europe/Paris",
                          day=day, replace=True).id  # fmt: skip
    allowed = role != "coordinator"
    with web(url, role) as client:
        token = csrf_of(client.get("/editeurs/").text)
        form = {"csrf_token": token, "envoi_prevu": f"{day}T10:00"}
        response = client.post(f"/editeurs/editions/{lettre}/date", data=form)
        assert response.status_code == (303 if allowed else 403)
    moved = ["edition", "reschedule", str(lettre), f"{day} 11:00"]
    result = CliRunner().invoke(cli, ["--config", str(config), "--user", ACCOUNTS[role], *moved])
    assert result.exit_code == (0 if allowed else 1), result.output
    with app.database.session() as session:
        hour = EditionStore(session).get(lettre).send_at.astimezone(ZoneInfo("Europe/Paris")).hour
    assert hour == (11 if allowed else 9)


def test_a_coordinator_cannot_overwrite_an_item_of_the_lettre(
    site: tuple[str, App, Path],
) -> None:
    """The attack of issue 12: a Réaap coordinator typing the kind and title of an
    editorial item the approved Lettre carries is told of a conflict (nothing changes);
    their fix form only proposes; the Lettre stays approved with what it was approved with."""
    url, app, _ = site
    with web(url, "editor") as editor:
        typed = {"kind": "fiche", "title": "Rencontre des centres sociaux", "networks": ["reaap"],
                 "url": "https://www.professionbanlieue.org/rencontre"}  # fmt: skip
        assert post_form(editor, "/editeurs/elements/nouveau", typed).status_code == 303
    with app.database.session() as session:
        item = ItemStore(session).search(text="Rencontre des centres sociaux", limit=1)[0]
        store = EditionStore(session)
        lettre = assemble(store, "lettre", app.settings.newsletter("lettre"), "Europe/Paris",
                          day=date(2027, 5, 4), replace=True)  # fmt: skip
        store.add_item(lettre, item.id, app.settings.newsletter("lettre"), "fiches")
        item_id, lettre_id = item.id, lettre.id
    app.editing.approve(OPERATOR, lettre_id)
    with web(url, "coordinator") as coordinator:
        forged = typed | {"url": "https://pirate.example/", "summary": "Autre texte"}
        attack = post_form(coordinator, "/editeurs/elements/nouveau", forged)
        assert attack.status_code == 400 and "existe déjà" in attack.text
        fix = post_form(coordinator, f"/editeurs/elements/{item_id}",
                        {"kind": "fiche", "networks": ["reaap"], "cancelled": "true"})  # fmt: skip
        assert fix.status_code == 303
    with app.database.session() as session:
        item = ItemStore(session).get(item_id)
        assert item.url == typed["url"] and not item.cancelled
        edition = EditionStore(session).get(lettre_id)
        assert edition.state == "approved" and app.publishing.changes(session, edition) == []
    assert state(app, item_id) == (False, 1)


def test_an_editor_accepts_a_proposed_correction(site: tuple[str, App, Path]) -> None:
    """A coordinator's proposal shows on the item page; an editor's « Accepter » applies
    it (the trail names both), « Refuser » closes it; the coordinator cannot decide."""
    url, app, _ = site
    ids = new_items(app, "proposition")
    item_id = ids["other"]
    with web(url, "coordinator") as coordinator:
        post_form(coordinator, f"/editeurs/elements/{item_id}",
                  {"kind": "fiche", "networks": ["clas"], "cancelled": "true"})  # fmt: skip
        page = coordinator.get(f"/editeurs/elements/{item_id}").text
        assert "Corrections proposées" in page and 'value="accepter"' not in page
        with app.database.session() as session:
            proposal = session.query(ItemProposal).filter_by(item_id=item_id).one().id
        token = csrf_of(page)
        refused = coordinator.post(f"/editeurs/elements/{item_id}/proposition",
                                   data={"csrf_token": token, "proposition": proposal,
                                         "decision": "accepter"})  # fmt: skip
        assert refused.status_code == 403
    with web(url, "editor") as editor:
        page = editor.get(f"/editeurs/elements/{item_id}").text
        accepted = editor.post(f"/editeurs/elements/{item_id}/proposition",
                               data={"csrf_token": csrf_of(page), "proposition": proposal,
                                     "decision": "accepter"})  # fmt: skip
        assert accepted.status_code == 303
        assert "Proposition acceptée" in editor.get(accepted.headers["location"]).text
    assert state(app, item_id)[0] is True
    with app.database.session() as session:
        trail = [entry.action for entry in AuditStore(session).entries(item_id=item_id)]
    assert trail[:2] == ["item_accept", "item_propose"]


def test_rules_hold_for_every_pair(site: tuple[str, App, Path]) -> None:
    """The rules themselves, role × owner, as the domain answers them."""
    _, app, _ = site
    ids = new_items(app, "domaine")
    with app.database.session() as session:
        users = {role: AccountStore(session).by_email(email) for role, email in ACCOUNTS.items()}
    answers = {
        (role, owner): app.items.may_correct(app.actor(users[role]), ids[owner])
        for role in ROLES
        for owner in OWNERS
    }
    assert answers == ALLOWED
