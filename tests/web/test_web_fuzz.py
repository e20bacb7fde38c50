"""The API (items and editions) fuzzed from its own OpenAPI description (schemathesis)
against the real server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import negative_data_rejection, positive_data_acceptance

from newsletter.accounts.store import AccountStore
from newsletter.app import build
from newsletter.editions.assembly import assemble
from newsletter.editions.store import EditionStore
from newsletter.secrets import ENV_WEB_SECRET
from newsletter.settings import validate_settings
from newsletter.web.app import create_app
from tests.databases import sqlite_copy
from tests.web.client import PASSWORD, SECRET, serve
from tests.web.conftest import seed

# Business rules beyond the schema refuse some schema-valid items (400, documented), and
# unknown query parameters are ignored, as usual on HTTP: these two checks do not apply.
LENIENT = [positive_data_acceptance, negative_data_rejection]


@pytest.fixture(scope="module")
def fuzzed_site(
    tmp_path_factory: pytest.TempPathFactory, project_config: dict[str, Any]
) -> Iterator[tuple[str, str]]:
    """The app on SQLite with a few items and an edition, served once for the module; URL
    and token."""
    folder: Path = tmp_path_factory.mktemp("fuzz")
    data = {**project_config, "database": {"url": sqlite_copy(folder)}}
    app = build(validate_settings(data, folder / "config.toml"),
                {**os.environ, ENV_WEB_SECRET: SECRET})  # fmt: skip
    with app.database.session() as session:
        AccountStore(session).add("site@exemple.fr", "editor", PASSWORD)
        token = AccountStore(session).create_token("site@exemple.fr", "fuzz")
    seed(
        app,
        {"title": "Une fiche"},
        {
            "kind": "agenda",
            "title": "Un rendez-vous",
            "starts_at": "2026-12-08T18:30",
            "networks": "reaap",
        },
    )
    with app.database.session() as session:
        assemble(EditionStore(session), "lettre", app.settings.newsletter("lettre"),
                 "Europe/Paris", day=date(2026, 12, 1))  # fmt: skip
    try:
        with serve(create_app(app)) as url:
            yield url, token
    finally:
        app.close()


def malformed(response: Any) -> bool:
    """The HTTP server's own refusal of a request it cannot parse (a negative case may carry
    a header such as ``Content-Length: ;?>rtY``): 400, plain text, from uvicorn, which is
    right (RFC 9112 §6.3) and no answer of the API's to check against its description."""
    return bool(
        response.status_code == 400
        and response.headers.get("content-type", [""])[0].startswith("text/plain")
        and response.text == "Invalid HTTP request received."
    )


def test_the_api_never_fails(fuzzed_site: tuple[str, str]) -> None:
    """Whatever the input, allowed by the spec or not, no 5xx; answers conform to the
    documented statuses, content types and schemas (a request too malformed for HTTP is
    refused by the server itself: see ``malformed``)."""
    url, token = fuzzed_site
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 5
    for operation in operations:
        cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                          operation.as_strategy(GenerationMode.NEGATIVE))  # fmt: skip

        @given(case=cases)
        @settings(max_examples=30, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def call(case: Any) -> None:
            response = case.call(headers=headers)
            if malformed(response):
                return  # the HTTP server refused it before the API saw it, as it must
            case.validate_response(response, excluded_checks=LENIENT, headers=headers)

        call()
