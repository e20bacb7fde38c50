"""The back office over real HTTP: subscribers (search, person page, add or invite, edit,
unsubscribe, reactivate, erase), the browser import (preview, columns, confirmation,
report, size limit), exports, segments, bounces, lists, the dashboard's counts, an
edition's segment; coordinators limited to their network; CSRF on every form."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from newsletter.app import App
from newsletter.audit.models import AuditEntry
from newsletter.demo.people import Person
from newsletter.editions.models import Edition
from newsletter.editions.store import EditionStore
from subscribers.models import Subscriber
from tests.dispatching import relay
from tests.smtp_server import SmtpTestServer
from tests.web.backoffice import COORDINATOR, EDITOR, LETTRE, audience, office_file
from tests.web.client import csrf_of, http_client, login
from tests.web.conftest import public_site
from tests.web.test_web_public import statuses, subscriber

LIMIT = 60_000


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpTestServer]:
    with SmtpTestServer() as server:
        yield server


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, project_config: dict[str, Any], smtp: SmtpTestServer
) -> Iterator[tuple[str, App, list[Person]]]:
    folder: Path = tmp_path_factory.mktemp("backoffice")
    overrides = {"transport": relay(smtp.port), "web": {"import_max_bytes": LIMIT}}
    with public_site(folder, project_config, **overrides) as (url, app):
        yield url, app, audience(app)


def client_for(url: str, email: str) -> Iterator[httpx.Client]:
    with http_client(base_url=url, timeout=20) as client:
        assert login(client, email).status_code == 303
        yield client


@pytest.fixture(scope="module")
def editor(site: tuple[str, App, list[Person]]) -> Iterator[httpx.Client]:
    yield from client_for(site[0], EDITOR)


@pytest.fixture(scope="module")
def coordinator(site: tuple[str, App, list[Person]]) -> Iterator[httpx.Client]:
    yield from client_for(site[0], COORDINATOR)


def post(client: httpx.Client, page: str, action: str, data: dict[str, Any]) -> httpx.Response:
    """A form of ``page`` sent with the page's CSRF token."""
    return client.post(action, data={"csrf_token": csrf_of(client.get(page).text), **data})


def id_of(app: App, email: str) -> int:
    found = subscriber(app, email)
    assert found is not None
    return found.id


def test_search_filters_and_counts(
    site: tuple[str, App, list[Person]], editor: httpx.Client
) -> None:
    """The list searches address, name, organisation and commune ignoring case and accents,
    filters, counts and pages; labels, never keys."""
    _url, _app, everyone = site
    page = editor.get("/editeurs/abonnes").text
    assert f"<strong>{LETTRE}</strong> personnes trouvées" in page and "Page suivante" not in page
    target = everyone[3]
    typed = target.last_name.upper().replace("É", "E")
    found = editor.get("/editeurs/abonnes", params={"q": f"{typed} {target.first_name}"}).text
    assert target.email in found
    commune = editor.get("/editeurs/abonnes", params={"territoire": target.commune.lower()}).text
    assert target.email in commune
    reaap = editor.get("/editeurs/abonnes", params={"liste": "reaap"}).text
    assert "<strong>15</strong> personnes trouvées" in reaap and "Lettre du Réaap : abonné" in reaap
    assert "Exporter cette liste (CSV)" in reaap
    bounced = editor.get("/editeurs/abonnes", params={"adresse": "bounced"}).text
    assert "<strong>2</strong> personnes trouvées" in bounced and everyone[1].email in bounced
    labels = editor.get("/editeurs/abonnes", params={"profil": "elu"}).text
    assert "Élu·e" in labels and ">elu<" not in labels
    for name in ("liste", "abonnement", "adresse", "profil", "theme", "format"):
        assert editor.get("/editeurs/abonnes", params={name: "inconnu"}).status_code == 400


def test_person_page_and_its_actions(
    site: tuple[str, App, list[Person]], editor: httpx.Client
) -> None:
    """The person page shows subscriptions, consents with their source, bounces and
    history; editing, unsubscribing, reactivating and erasing work from it, each message
    next to its form, each action in the history."""
    _url, app, everyone = site
    bounced = id_of(app, everyone[1].email)
    path = f"/editeurs/abonnes/{bounced}"
    page = editor.get(path).text
    for expected in ("Lettre du Réaap", "annuaire 2025", "import de fichier", "version 2026-01",
                     "erreur définitive", "User unknown", "Réactiver l'adresse"):  # fmt: skip
        assert expected in page, expected
    missing = post(editor, path, f"{path}/reactiver", {"motif": ""})
    assert missing.headers["location"] == f"{path}#rebonds"
    assert "Motif de la réactivation manquant" in editor.get(path).text
    post(editor, path, f"{path}/reactiver", {"motif": "boîte rouverte"})
    page = editor.get(path).text
    assert "Adresse réactivée" in page and "Réactiver l'adresse" not in page
    assert statuses(app, everyone[1].email) == {"lettre": "active", "reaap": "active"}
    form = {"first_name": "Aïcha", "last_name": "Benali", "profile": "etat", "format": "text",
            "themes": ["habitat"], "commune": "Pantin", "department": "93"}  # fmt: skip
    edited = post(editor, path, path, form)
    assert edited.headers["location"] == f"{path}#fiche"
    assert "Modifié : civilité, prénom, nom, organisme" in editor.get(path).text
    bad = post(editor, path, path, form | {"department": "999"})
    assert bad.status_code == 400 and "Département invalide" in bad.text
    post(editor, path, f"{path}/desabonner", {"liste": "reaap"})
    page = editor.get(path).text
    assert "Désabonnement enregistré : Lettre du Réaap." in page
    assert statuses(app, everyone[1].email) == {"lettre": "active", "reaap": "unsubscribed"}
    for action in ("réactivation", "modification d’un abonné", "désabonnement par un éditeur"):
        assert action in page
    confirm = editor.get(f"{path}/effacer").text
    assert "ses abonnements (2) et leurs consentements (2)" in confirm
    refused = post(editor, f"{path}/effacer", f"{path}/effacer", {})
    assert "non confirmé" in editor.get(refused.headers["location"]).text
    post(editor, f"{path}/effacer", f"{path}/effacer", {"confirmer": "oui"})
    assert subscriber(app, everyone[1].email) is None
    assert editor.get(path).status_code == 404


def test_adding_someone(
    site: tuple[str, App, list[Person]], editor: httpx.Client, smtp: SmtpTestServer
) -> None:
    """With a consent source the person is subscribed at once; without, they get the
    confirmation email and stay pending; errors come back on the form."""
    _url, app, _ = site
    form = {"email": "nadia.haddad@cs-pantin.fr", "lists": ["clas"], "last_name": "Haddad",
            "source": "bulletin papier du 2 décembre", "profile": "professionnel"}  # fmt: skip
    added = post(editor, "/editeurs/abonnes/nouveau", "/editeurs/abonnes/nouveau", form)
    assert added.status_code == 303 and added.headers["location"].endswith("#abonnements")
    assert "est abonné·e à Lettre du réseau Clas" in editor.get(added.headers["location"]).text
    assert statuses(app, "nadia.haddad@cs-pantin.fr") == {"clas": "active"}
    before = len(smtp.messages)
    invited = post(editor, "/editeurs/abonnes/nouveau", "/editeurs/abonnes/nouveau",
                   form | {"email": "inès.moreau@cs-stains.fr", "source": ""})  # fmt: skip
    assert "Invitation envoyée" in editor.get(invited.headers["location"]).text
    assert statuses(app, "inès.moreau@cs-stains.fr") == {"clas": "pending"}
    assert len(smtp.messages) == before + 1
    bad = post(editor, "/editeurs/abonnes/nouveau", "/editeurs/abonnes/nouveau",
               form | {"email": "pas une adresse"})  # fmt: skip
    assert bad.status_code == 400 and "adresse électronique invalide" in bad.text, bad.text[-3000:]
    assert 'value="Haddad"' in bad.text


def test_import_in_the_browser(site: tuple[str, App, list[Person]], editor: httpx.Client) -> None:
    """Upload → preview (encoding, delimiter, columns, first rows; nothing written) → the
    address column chosen by hand → the exact report → confirmation with a source → the
    follow-up page shows the report; the people are there, once."""
    _url, app, everyone = site
    newcomers = everyone[LETTRE : LETTRE + 20]
    token = csrf_of(editor.get("/editeurs/abonnes/import").text)
    files = {"fichier": ("contacts.csv", office_file(newcomers), "text/csv")}
    uploaded = editor.post("/editeurs/abonnes/import", files=files,
                           data={"csrf_token": token, "liste": "clas"})  # fmt: skip
    assert uploaded.status_code == 303
    preview_path = uploaded.headers["location"].split("?")[0]
    page = editor.get(uploaded.headers["location"]).text
    assert "Windows-1252" in page and "« ; »" in page
    assert "Colonne de l&#39;adresse électronique introuvable" in page
    assert newcomers[0].email in page  # the first rows, as written
    assert subscriber(app, newcomers[0].email) is None
    header = re.findall(r'<th scope="col">([^<]*)</th>', page)
    address = header.index("Courriel professionnel (pro)")
    chosen = {f"colonne-{i}": key for i, key in enumerate(
        ["civility", "first_name", "last_name", "email", "organisation", "function", "profile",
         "commune", "postcode", "themes", "format"])}  # fmt: skip
    assert chosen[f"colonne-{address}"] == "email"
    page = editor.get(preview_path, params={"liste": "clas", **chosen}).text
    assert "Ligne refusée" in page or "Lignes refusées" in page
    assert "Adresse électronique invalide « pas-une-adresse »" in page
    assert '<span class="counts__number">20</span> nouvelles personnes' in page
    assert "Doublons fusionnés" in page and "Importer 20 personnes" in page
    assert subscriber(app, newcomers[0].email) is None
    confirm = {"liste": "clas", "source": "annuaire des centres sociaux", **chosen}
    started = post(editor, f"{preview_path}?liste=clas&{_query(chosen)}", preview_path, confirm)
    assert started.headers["location"] == f"{preview_path}/suivi"
    report = _follow(editor, started.headers["location"])
    assert "Import terminé." in report and "20 personne(s) ont été créée(s)" in report
    assert "20 ont été abonnée(s) à « Lettre du réseau Clas »" in report  # its label, not key
    assert "ligne 4 : adresse électronique invalide" in report
    assert all(statuses(app, person.email) == {"clas": "active"} for person in newcomers)
    again = post(editor, f"{preview_path}?{_query(chosen)}", preview_path, confirm)
    assert "Import terminé." in _follow(editor, again.headers["location"])
    with app.database.session() as session:
        imports = session.scalars(
            sa.select(AuditEntry).where(
                AuditEntry.action == "import", AuditEntry.list_key == "clas"
            )
        )
        assert len(list(imports)) == 1  # the confirmation sent twice imports once


def _query(values: dict[str, str]) -> str:
    return "&".join(f"{key}={value}" for key, value in values.items())


def _follow(client: httpx.Client, path: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page = client.get(path).text
        if 'http-equiv="refresh"' not in page:
            return page
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


def test_a_file_over_the_limit_is_refused(
    site: tuple[str, App, list[Person]], editor: httpx.Client
) -> None:
    """A file over web.import_max_bytes gets a 413 page saying the limit, in French."""
    token = csrf_of(editor.get("/editeurs/abonnes/import").text)
    files = {"fichier": ("gros.csv", b"courriel\r\n" + b"a@exemple.fr\r\n" * 6000, "text/csv")}
    refused = editor.post("/editeurs/abonnes/import", files=files,
                          data={"csrf_token": token, "liste": "lettre"})  # fmt: skip
    assert refused.status_code == 413
    assert "fichier trop volumineux (84 Ko ; au plus 60 Ko)" in refused.text
    empty = editor.post("/editeurs/abonnes/import", data={"csrf_token": token, "liste": "lettre"})
    assert empty.status_code == 400 and "aucun fichier reçu" in empty.text


def test_export_is_a_spreadsheet_file(
    site: tuple[str, App, list[Person]], editor: httpx.Client
) -> None:
    """The export of a list or a segment is the command line's CSV: BOM, ;, CRLF."""
    exported = editor.get("/editeurs/abonnes/export", params={"liste": "reaap"})
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert 'filename="abonnes-reaap-' in exported.headers["content-disposition"]
    assert exported.content.startswith(b"\xef\xbb\xbfcourriel;")
    assert exported.text.count("\r\n") >= 14
    segment = editor.get("/editeurs/abonnes/export", params={"segment": "elus-93"})
    rows = segment.text.splitlines()[1:]
    assert rows and all(";Élu·e;" in line for line in rows)


def test_segment_builder(site: tuple[str, App, list[Person]], editor: httpx.Client) -> None:
    """« Compter » gives the recipients and a sample, without saving; saving names the
    segment after its label; renaming; deleting is refused while an edition uses it, then
    allowed; an edition's segment is chosen on its page."""
    _url, app, _ = site
    query = {"profils": ["elu", "etat"], "departements": "93", "audience": "lettre", "compter": "1"}
    counted = editor.get("/editeurs/segments/nouveau", params=query).text
    with app.database.session() as session:
        expected = app.segmenting.count(app.actor(_user(app)), {"profiles": ["elu", "etat"],
                                        "departments": ["93"]}, "lettre").total  # fmt: skip
    assert f"<strong>{expected}</strong> destinataire" in counted and "Par exemple" in counted
    form = {"profils": ["elu", "etat"], "departements": "93", "libelle": "Élus et État du 93"}
    saved = post(editor, "/editeurs/segments/nouveau", "/editeurs/segments/nouveau", form)
    assert saved.headers["location"] == "/editeurs/segments/elus-et-etat-du-93#segment"
    page = editor.get("/editeurs/segments/elus-et-etat-du-93").text
    assert "Segment « Élus et État du 93 » enregistré." in page and "Exporter les membres" in page
    path = "/editeurs/segments/elus-et-etat-du-93"
    post(editor, path, f"{path}/renommer", {"libelle": "Décideurs du 93"})
    assert "Segment renommé « Décideurs du 93 »" in editor.get(path).text
    with app.database.session() as session:
        edition = Edition(newsletter="lettre", number=500, state="draft",
                          send_at=_soon(), next_send_at=_soon())  # fmt: skip
        session.add(edition)
        session.flush()
        edition_id = edition.id
    chosen = post(
        editor,
        f"/editeurs/editions/{edition_id}",
        f"/editeurs/editions/{edition_id}/segment",
        {"segment": "elus-et-etat-du-93"},
    )
    assert (
        "Destinataires : segment « Décideurs du 93 »."
        in editor.get(chosen.headers["location"]).text
    )
    with app.database.session() as session:
        assert EditionStore(session).get(edition_id).segment == "elus-et-etat-du-93"
    refused = post(editor, path, f"{path}/supprimer", {})
    assert "Segment utilisé par : La Lettre de Profession Banlieue n° 500" in editor.get(
        refused.headers["location"]).text  # fmt: skip
    post(editor, f"/editeurs/editions/{edition_id}", f"/editeurs/editions/{edition_id}/segment",
         {"segment": ""})  # fmt: skip
    deleted = post(editor, path, f"{path}/supprimer", {})
    assert deleted.headers["location"] == "/editeurs/segments"
    assert editor.get(path).status_code == 404
    listing = editor.get("/editeurs/segments").text
    assert "Élus de Seine-Saint-Denis" in listing and "profil Élu·e" in listing


def _soon() -> Any:
    from newsletter.db import utcnow

    return utcnow()


def _user(app: App) -> Any:
    from newsletter.accounts.store import AccountStore

    with app.database.session() as session:
        return AccountStore(session).by_email(EDITOR)


def test_bounces_lists_and_dashboard(
    site: tuple[str, App, list[Person]], editor: httpx.Client
) -> None:
    """The bounces page lists events with their effect; the lists page its counts, months,
    double opt-in settings and description; the dashboard the last 30 days."""
    _url, _app, everyone = site
    bounces = editor.get("/editeurs/rebonds").text
    assert "erreur définitive" in bounces and "adresse mise en erreur, exclue" in bounces
    assert everyone[2].email in bounces and f'aria-label="Réactiver {everyone[2].email}"' in bounces
    soft = editor.get("/editeurs/rebonds", params={"type": "soft"}).text
    assert everyone[7].email in soft and everyone[2].email not in soft
    listing = editor.get("/editeurs/listes").text
    assert "Lettre du Réaap" in listing and "Soutien à la parentalité" in listing
    page = editor.get("/editeurs/listes/reaap").text
    for expected in ("Double confirmation", "7 jours", "Abonnements et désabonnements par mois",
                     "Abonnés actifs par profil", "Abonnés actifs par département"):  # fmt: skip
        assert expected in page, expected
    dashboard = editor.get("/editeurs/").text
    assert "Rebonds et plaintes des 30 derniers jours" in dashboard
    assert editor.get("/editeurs/listes/inconnue").status_code == 404


def test_coordinators_see_their_network_only(
    site: tuple[str, App, list[Person]], coordinator: httpx.Client
) -> None:
    """A Réaap coordinator lists the Réaap's people only, sees only the Réaap's
    subscription of someone also on the Lettre, and every page or action about the
    Lettre's people, list, export or segments answers 403 and changes nothing."""
    _url, app, everyone = site
    listing = coordinator.get("/editeurs/abonnes").text
    assert "<strong>14</strong> personnes trouvées" in listing  # one of the 15 was erased
    assert everyone[20].email not in listing and "Segments" not in listing.split("<main")[0]
    both = id_of(app, everyone[5].email)
    page = coordinator.get(f"/editeurs/abonnes/{both}").text
    assert "Lettre du Réaap" in page and "La Lettre de Profession Banlieue" not in page
    lettre_only = id_of(app, everyone[20].email)
    token = csrf_of(listing)
    for method, path, data in (
        ("get", f"/editeurs/abonnes/{lettre_only}", {}),
        ("get", f"/editeurs/abonnes/{lettre_only}/effacer", {}),
        ("post", f"/editeurs/abonnes/{lettre_only}", {"last_name": "X"}),
        ("post", f"/editeurs/abonnes/{lettre_only}/desabonner", {"liste": ""}),
        ("post", f"/editeurs/abonnes/{lettre_only}/reactiver", {"motif": "x"}),
        ("post", f"/editeurs/abonnes/{lettre_only}/effacer", {"confirmer": "oui"}),
        ("post", f"/editeurs/abonnes/{both}/effacer", {"confirmer": "oui"}),
        ("post", f"/editeurs/abonnes/{both}/desabonner", {"liste": "lettre"}),
        ("get", "/editeurs/abonnes?liste=lettre", {}),
        ("get", "/editeurs/abonnes/export?liste=lettre", {}),
        ("get", "/editeurs/listes/lettre", {}),
        ("get", "/editeurs/segments", {}),
        ("get", "/editeurs/segments/nouveau?compter=1", {}),
    ):  # fmt: skip
        if method == "get":
            response = coordinator.get(path)
        else:
            response = coordinator.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 403, path
    assert statuses(app, everyone[20].email) == {"lettre": "active"}
    assert statuses(app, everyone[5].email) == {"lettre": "active", "reaap": "active"}
    exported = coordinator.get("/editeurs/abonnes/export", params={"liste": "reaap"}).text
    assert everyone[5].email in exported and "lettre" not in exported.split("\r\n", 1)[1]
    assert list(app.overviews.lists(app.actor(_coordinator(app)))) == ["reaap"]


def _coordinator(app: App) -> Any:
    from newsletter.accounts.store import AccountStore

    with app.database.session() as session:
        return AccountStore(session).by_email(COORDINATOR)


def test_back_office_forms_need_the_csrf_token(
    site: tuple[str, App, list[Person]], editor: httpx.Client
) -> None:
    """Every back-office form is refused (403) without the session's token."""
    _url, app, everyone = site
    target = id_of(app, everyone[6].email)
    for path in (f"/editeurs/abonnes/{target}", f"/editeurs/abonnes/{target}/desabonner",
                 f"/editeurs/abonnes/{target}/reactiver", f"/editeurs/abonnes/{target}/effacer",
                 "/editeurs/abonnes/nouveau", "/editeurs/abonnes/import",
                 "/editeurs/segments/nouveau", "/editeurs/segments/elus-93/supprimer"):  # fmt: skip
        response = editor.post(path, data={"confirmer": "oui", "liste": "", "motif": "x",
                                           "email": "x@exemple.fr", "lists": "lettre"})  # fmt: skip
        assert response.status_code == 403, path
    with app.database.session() as session:
        assert session.get(Subscriber, target) is not None
