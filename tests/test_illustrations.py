"""The image rules through the service every interface uses: alt text required, who may
change an item's image or the logo, an uploaded logo over the configured one, each image
address downloaded once."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from newsletter.accounts.permissions import OPERATOR, Actor
from newsletter.app import App
from newsletter.content.store import ItemStore
from newsletter.db import Database
from newsletter.errors import InputError, PermissionDenied
from newsletter.secrets import Secrets
from newsletter.settings import Settings
from newsletter.sources.editorial import parse_record, save_editorial
from tests.gathering import partners
from tests.images import photo, transparent_logo

COORDINATOR = Actor("coordination réaap", "coordinator", frozenset({"reaap"}),
                    frozenset({"reaap"}), None, frozenset({"reaap"}))  # fmt: skip


def an_item(app: App, networks: str = "") -> int:
    record = {"guid": f"illustre-{networks}", "kind": "actualite", "title": "Une actualité",
              "summary": "Un résumé.", "networks": networks}  # fmt: skip
    settings = app.settings
    entry = parse_record(record, settings.classification, settings.fetch.timezone)
    with app.database.session() as session:
        save_editorial(session, settings, [entry], "operateur")
        found = ItemStore(session).by_guid(entry.guid)
        assert found is not None
        return found.id


def test_alt_text_is_required_and_roles_apply(app: App) -> None:
    """No image without alt text; a coordinator changes neither the logo nor another
    network's item's image; an editor's image replaces the previous one."""
    item_id = an_item(app)
    with pytest.raises(InputError, match="texte de remplacement manquant"):
        app.illustrations.set_item_image(OPERATOR, item_id, photo(800, 600), "   ")
    with pytest.raises(PermissionDenied):
        app.illustrations.set_logo(COORDINATOR, transparent_logo(), "Profession Banlieue")
    with pytest.raises(PermissionDenied):
        app.illustrations.set_item_image(COORDINATOR, item_id, photo(800, 600), "Une photo")
    first = app.illustrations.set_item_image(OPERATOR, item_id, photo(800, 600), "Une photo")
    second = app.illustrations.set_item_image(OPERATOR, item_id, photo(640, 480), "Une autre")
    shown = app.illustrations.image_of(item_id)
    assert first.id != second.id and shown is not None and shown.alt == "Une autre"
    assert shown.width == 528 and f"/images/{second.id}-" in shown.src
    app.illustrations.remove_item_image(OPERATOR, item_id)
    assert app.illustrations.image_of(item_id) is None


def test_configured_logo_is_downloaded_once_and_an_upload_wins(
    database: Database, make_settings: Callable[..., Settings], app_secrets: Secrets
) -> None:
    """``organisation.logo_url`` is fetched once (not at every gathering); a logo an editor
    uploads is shown instead of it."""
    with partners(database, make_settings) as found:
        found.server.add("/logo.png", "image/png", transparent_logo())
        organisation = {"logo_url": found.server.url("/logo.png")}
        settings = make_settings(organisation=organisation)
        app = App(settings, database, app_secrets)
        assert app.illustrations.after_gathering() == "logo téléchargé"
        assert app.illustrations.after_gathering() == ""
        assert [path for _, path, _ in found.server.requests] == ["/logo.png"]
    logo = app.illustrations.logo()
    assert logo is not None and logo.alt == settings.organisation.name
    assert (logo.width, logo.height) == (180, 60)
    app.illustrations.set_logo(OPERATOR, photo(400, 100, "PNG"), "Logo de Profession Banlieue")
    uploaded = app.illustrations.logo()
    assert uploaded is not None and uploaded.alt == "Logo de Profession Banlieue"
