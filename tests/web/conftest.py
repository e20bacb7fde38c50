"""Web fixtures: the wired app on a real database, served by uvicorn, and accounts.

The web layer does not talk SQL itself, so most web modules run on SQLite only
(``pytestmark = ON_SQLITE``) to keep the suite fast; the stores they call are tested on
both databases, and test_web_api.py runs on both.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import tomli_w

from newsletter.accounts.store import AccountStore
from newsletter.app import App, build
from newsletter.content.store import ItemStore
from newsletter.db import Database
from newsletter.secrets import ENV_PEPPER, ENV_SECRET_KEYS, ENV_WEB_SECRET
from newsletter.settings import Settings, load_settings
from newsletter.sources.editorial import parse_record, save_editorial
from newsletter.web.app import create_app
from tests.conftest import PEPPER, ROOT, SIGNING_KEYS, merged
from tests.databases import sqlite_copy
from tests.web.chromium import watched_tab
from tests.web.client import PASSWORD, SECRET, http_client, reserve, serve, url_of

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def add_user(app: App, email: str, role: str = "editor", newsletters: tuple[str, ...] = (),
             name: str = "") -> None:  # fmt: skip
    with app.database.session() as session:
        AccountStore(session).add(email, role, PASSWORD, name, newsletters)


@pytest.fixture
def lettre(database: Database, make_settings: Callable[..., Settings]) -> Iterator[App]:
    """The application wired on the test database (SQLite, then PostgreSQL)."""
    app = build(make_settings(database={"url": database.url}),
                {**os.environ, ENV_WEB_SECRET: SECRET})  # fmt: skip
    yield app
    app.close()


@pytest.fixture
def site(lettre: App) -> Iterator[str]:
    """Base URL of the web app served by a real uvicorn server."""
    with serve(create_app(lettre)) as url:
        yield url


@pytest.fixture
def browser_client(site: str) -> Iterator[httpx.Client]:
    """An HTTP client keeping cookies, not following redirects (they are checked)."""
    with http_client(base_url=site, timeout=10) as client:
        yield client


@pytest.fixture
def editor(lettre: App) -> str:
    add_user(lettre, "redaction@exemple.fr", "editor", name="Rédaction")
    return "redaction@exemple.fr"


@pytest.fixture
def admin(lettre: App) -> str:
    add_user(lettre, "admin@exemple.fr", "admin", name="Administration")
    return "admin@exemple.fr"


def seed(app: App, *records: dict[str, Any]) -> list[int]:
    """Store items as an editor would type them; their ids."""
    settings = app.settings
    entries = [
        parse_record({"kind": "fiche", **record}, settings.classification,
                     settings.fetch.timezone)
        for record in records
    ]  # fmt: skip
    with app.database.session() as session:
        save_editorial(session, settings, entries, "tests")
        store = ItemStore(session)
        return [store.by_guid(entry.guid).id for entry in entries]  # type: ignore[union-attr]


@contextmanager
def public_site(
    folder: Path, project_config: dict[str, Any], **overrides: Any
) -> Iterator[tuple[str, App]]:
    """The app on SQLite, its config written to ``folder`` (sends started from the pages
    read it), link secrets set, served at the address its emails link to."""
    sock = reserve()
    url = url_of(sock)
    data = merged(project_config, {
        "database": {"url": sqlite_copy(folder)},
        "organisation": {"public_url": url},
        "rendering": {"templates": str(ROOT / "templates" / "email")},
    })  # fmt: skip
    path = folder / "config.toml"
    path.write_text(tomli_w.dumps(merged(data, overrides)), encoding="utf-8")
    environ = {**os.environ, ENV_SECRET_KEYS: ",".join(SIGNING_KEYS), ENV_PEPPER: PEPPER,
               ENV_WEB_SECRET: SECRET}  # fmt: skip
    app = build(load_settings(path, environ), environ)
    try:
        with serve(create_app(app), sock) as served:
            yield served, app
    finally:
        app.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh desktop tab of the module's ``browser``; console errors (a CSP violation, a
    script error) fail the test."""
    with watched_tab(browser, DESKTOP) as tab:
        yield tab
