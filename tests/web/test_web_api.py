"""The JSON API over real HTTP, on SQLite and PostgreSQL: push items, read them back."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy.engine import make_url

from newsletter.accounts.store import AccountStore
from newsletter.app import App, build
from newsletter.content.store import ItemStore
from newsletter.db import Database
from newsletter.secrets import ENV_WEB_SECRET
from newsletter.settings import Settings
from newsletter.web.app import create_app
from tests.conftest import ON_SQLITE
from tests.web.client import SECRET, http_client, http_get, serve
from tests.web.conftest import add_user, seed

EVENT = {
    "id": "agenda-2027-014",
    "kind": "agenda",
    "title": "Séminaire : l'aller-vers dans les quartiers",
    "summary": "<p>Matinée d'échanges.</p><script>alert(1)</script>",
    "url": "https://www.professionbanlieue.org/seminaire-aller-vers?utm_source=lettre",
    "starts_at": "2027-02-04T09:30",
    "ends_at": "Jeudi 4 février 2027 à 12h30",
    "place": "Bobigny",
    "organiser": "Profession Banlieue",
    "themes": ["participation"],
    "networks": ["reaap"],
}


@pytest.fixture
def api(site: str, lettre: App, editor: str) -> Iterator[httpx.Client]:
    """A client carrying an editor's API token."""
    with lettre.database.session() as session:
        token = AccountStore(session).create_token(editor, "site web")
    headers = {"Authorization": f"Bearer {token}"}
    with http_client(base_url=f"{site}/api/v1", headers=headers, timeout=10) as client:
        yield client


def test_pushing_an_item_is_idempotent(api: httpx.Client, lettre: App) -> None:
    """POST /items creates an item (201), the same id again changes nothing (200, same
    item), a changed field updates it in place."""
    created = api.post("/items", json=EVENT)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["title"] == EVENT["title"] and body["networks"] == ["reaap"]
    assert "<script" not in body["summary_html"] and "<p>Matinée" in body["summary_html"]
    assert body["url"] == EVENT["url"]  # as given; the canonical form is for matching only
    assert body["starts_at"] == "2027-02-04T08:30:00Z"
    assert body["ends_at"] == "2027-02-04T11:30:00Z"
    again = api.post("/items", json=EVENT)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    moved = api.post(
        "/items",
        json=EVENT
        | {"starts_at": "2027-02-05T09:30", "ends_at": "2027-02-05T12:30", "cancelled": True},
    )
    assert moved.status_code == 200 and moved.json()["id"] == body["id"]
    backwards = api.post("/items", json=EVENT | {"starts_at": "2027-02-06T09:30"})
    assert backwards.status_code == 400 and "la fin précède le début" in backwards.text
    assert moved.json()["cancelled"] and moved.json()["revision"] == 2
    with lettre.database.session() as session:
        assert len(ItemStore(session).search(limit=10)) == 1


def test_bad_items_get_french_errors(api: httpx.Client) -> None:
    """Invalid input is answered 400/422 in French JSON, never a server error."""
    cases = [
        (EVENT | {"url": "javascript:alert(1)"}, 400, "adresse http(s) invalide"),
        (EVENT | {"starts_at": ""}, 400, "date de début"),
        (EVENT | {"starts_at": "le 31 février"}, 400, "date illisible"),
        (EVENT | {"starts_at": "0001-01-01T00:00+14:00"}, 400, "date hors limites"),
        (EVENT | {"themes": ["sport"]}, 400, "thème inconnu"),
        (EVENT | {"kind": "blog"}, 422, "requête invalide"),
        ({"title": "sans identifiant"}, 422, "requête invalide"),
        (EVENT | {"inconnu": 1}, 422, "requête invalide"),
    ]
    for payload, status, message in cases:
        response = api.post("/items", json=payload)
        assert response.status_code == status, (payload, response.text)
        assert message in response.json()["error"], response.json()
    missing = api.post("/items", json={"title": "x"}).json()
    assert {"field": "body.id", "message": "champ obligatoire absent"} in missing["fields"]
    broken = api.post(
        "/items", content=b"{pas du json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422


def test_reading_items(api: httpx.Client, lettre: App) -> None:
    """GET /items filters by kind, theme, network and text, with offset pagination;
    GET /items/{id} returns one item or a 404 in JSON."""
    seed(lettre, *({"title": f"Fiche {n}", "guid": f"f{n}"} for n in range(7)))
    (event_id,) = seed(lettre, {"kind": "agenda", "title": "Soirée du Réaap",
                                "starts_at": "2026-12-08T18:30", "networks": "reaap"})  # fmt: skip
    page = api.get("/items", params={"kind": "fiche", "limit": 5}).json()
    assert len(page["items"]) == 5 and page["next_offset"] == 5
    rest = api.get("/items", params={"kind": "fiche", "limit": 5, "offset": 5}).json()
    assert len(rest["items"]) == 2 and rest["next_offset"] is None
    for params in ({"network": "reaap"}, {"q": "réaap"}, {"kind": "agenda"}):
        found = api.get("/items", params=params).json()["items"]
        assert [item["id"] for item in found] == [event_id], params
    one = api.get(f"/items/{event_id}")
    assert one.status_code == 200 and one.json()["title"] == "Soirée du Réaap"
    for path in ("/items/999999", "/items/99999999999999"):
        missing = api.get(path)
        assert missing.status_code in (404, 422) and missing.json()["error"]
    assert api.get("/items/999999").status_code == 404
    assert api.get("/inconnu").json()["error"] == "cette adresse ne correspond à aucune page"


def test_a_coordinator_pushes_items_of_their_network_only(
    api: httpx.Client, site: str, lettre: App
) -> None:
    """A coordinator's token reads items and pushes those of its network; an item of
    another network, or of none, is refused (403) and nothing is stored."""
    add_user(lettre, "coord@exemple.fr", "coordinator", ("reaap",))
    with lettre.database.session() as session:
        token = AccountStore(session).create_token("coord@exemple.fr")
    headers = {"Authorization": f"Bearer {token}"}
    with http_client(base_url=f"{site}/api/v1", headers=headers, timeout=30) as coordinator:
        assert coordinator.get("/items").status_code == 200
        assert coordinator.post("/items", json=EVENT).status_code == 201
        for networks in (["clas"], []):
            refused = coordinator.post("/items", json=EVENT | {"id": "autre", "networks": networks})
            assert refused.status_code == 403, refused.text
            assert refused.json()["error"] == "cet élément ne relève pas de votre réseau"
    with lettre.database.session() as session:
        assert len(ItemStore(session).search(limit=10)) == 1


def test_openapi_describes_the_api(site: str) -> None:
    """The OpenAPI document lists the item and edition operations, their bearer security
    and French descriptions; the pages (editors', subscribers', archive) are not in it."""
    spec = http_get(f"{site}/api/v1/openapi.json").json()
    assert set(spec["paths"]) == {"/api/v1/items", "/api/v1/items/{item_id}",
                                  "/api/v1/editions", "/api/v1/editions/{edition_id}"}  # fmt: skip
    counts = spec["components"]["schemas"]["Counts"]["properties"]
    assert {"sent", "deferred", "failed", "skipped"} <= set(counts)
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    post = spec["paths"]["/api/v1/items"]["post"]
    assert {"200", "201", "400", "401", "403", "422"} <= set(post["responses"])
    assert "idempotent" in post["description"]


@ON_SQLITE
def test_locked_database_is_a_french_503(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    """A write that waits past the busy timeout for another process's transaction (a big
    import's last step) is answered 503 in French JSON with a hint and Retry-After, not 500;
    once the database is free the same request succeeds."""
    settings = make_settings(database={"url": f"{database.url}?timeout=0.3"})
    app = build(settings, {**os.environ, ENV_WEB_SECRET: SECRET})
    add_user(app, "redaction@exemple.fr")
    with app.database.session() as session:
        token = AccountStore(session).create_token("redaction@exemple.fr", "site web")
    path = make_url(database.url).database
    assert path
    holder = sqlite3.connect(path, isolation_level=None)
    headers = {"Authorization": f"Bearer {token}"}
    with (
        serve(create_app(app)) as site,
        http_client(base_url=f"{site}/api/v1", headers=headers, timeout=10) as api,
    ):
        holder.execute("BEGIN IMMEDIATE")
        busy = api.post("/items", json=EVENT)
        holder.execute("ROLLBACK")
        assert busy.status_code == 503, busy.text
        assert busy.headers["Retry-After"] == "5"
        body = busy.json()
        assert body["error"].startswith("base de données occupée") and "réessayez" in body["hint"]
        assert api.post("/items", json=EVENT).status_code == 201
    holder.close()
    app.close()
