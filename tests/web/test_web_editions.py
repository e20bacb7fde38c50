"""Edition pages over real HTTP: list, preview exactly as sent, editing, approval, test
send and a real send started from the page, with its progress; roles; the editions API."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from newsletter.app import App
from newsletter.content.store import ItemStore
from newsletter.editions.assembly import assemble
from newsletter.editions.store import EditionStore
from newsletter.services import sending
from newsletter.web.routes.editions import PREVIEW_CSP
from subscribers.consent import Consent
from subscribers.details import Details
from tests.dispatching import fast_dispatch, populate, relay
from tests.polling import wait_until
from tests.smtp_server import SmtpTestServer
from tests.web.client import csrf_of, http_client, http_post, login
from tests.web.conftest import add_user, public_site

INJECTION = '<script>alert("x")</script><img src=x onerror=alert(1)>'
RECIPIENTS = 6


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpTestServer]:
    with SmtpTestServer() as server:
        yield server


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, project_config: dict[str, Any], smtp: SmtpTestServer
) -> Iterator[tuple[str, App, dict[str, int]]]:
    """An approved Lettre with an audience, a Réaap draft, three accounts; served."""
    folder: Path = tmp_path_factory.mktemp("editions")
    overrides = {"transport": relay(smtp.port), "dispatch": fast_dispatch(processes=1),
                 "rendering": {"max_html_bytes": 10_000}}  # fmt: skip
    with public_site(folder, project_config, **overrides) as (url, app):
        lettre = populate(app, folder, RECIPIENTS)
        with app.database.session() as session:
            store = EditionStore(session)
            reaap = assemble(
                store,
                "reaap",
                app.settings.newsletter("reaap"),
                "Europe/Paris",
                day=date.today() + timedelta(days=10),
            ).id  # to come: programmable
        add_user(app, "redaction@exemple.fr", "editor")
        add_user(app, "coord@exemple.fr", "coordinator", ("reaap",))
        yield url, app, {"lettre": lettre, "reaap": reaap}


class Markup(HTMLParser):
    """Tags and event-handler attributes an HTML document really contains."""

    def __init__(self) -> None:
        super().__init__()
        self.found: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.add(tag)
        self.found.update(name for name, _ in attrs if name.startswith("on"))


def markup_of(html: str) -> set[str]:
    parser = Markup()
    parser.feed(html)
    return parser.found


def act(client: httpx.Client, page: str, action: str, data: dict[str, str]) -> httpx.Response:
    """Send one of the edition page's forms, with the page's CSRF token."""
    token = csrf_of(client.get(page).text)
    return client.post(f"{page}/{action}", data={"csrf_token": token, **data})


@pytest.fixture(scope="module")
def editor(site: tuple[str, App, dict[str, int]]) -> Iterator[httpx.Client]:
    with http_client(base_url=site[0], timeout=20) as client:
        login(client, "redaction@exemple.fr")
        yield client


def test_preview_is_the_message_as_sent(
    site: tuple[str, App, dict[str, int]], editor: httpx.Client
) -> None:
    """The preview frame serves Publishing.preview (the send path's rendering with a sample
    subscriber's values) under a sandboxing CSP; the page shows the same text part, the
    size warning and a frame per width; another variant drops items of other themes."""
    url, app, ids = site
    edition_id = ids["lettre"]
    with app.database.session() as session:
        edition = EditionStore(session).get(edition_id)
        expected = app.publishing.preview(session, edition)
        education = app.publishing.preview(session, edition, frozenset({"education"}))
    frame = editor.get(f"/editeurs/editions/{edition_id}/apercu.html")
    assert frame.status_code == 200 and frame.text == expected.html
    assert frame.headers["content-security-policy"] == PREVIEW_CSP
    assert "sandbox" in PREVIEW_CSP and "script-src" not in PREVIEW_CSP
    assert frame.headers["x-frame-options"] == "SAMEORIGIN"
    assert f"{url}/desabonnement/EXEMPLE" in frame.text  # personalised like a test send
    page = editor.get(f"/editeurs/editions/{edition_id}")
    assert page.status_code == 200
    assert page.text.count(f'src="/editeurs/editions/{edition_id}/apercu.html"') == 2
    assert "Aperçu sur téléphone" in page.text and "Version texte" in page.text
    assert expected.text.splitlines()[0] in page.text
    assert expected.rendered.warnings and "Gmail coupe les messages" in page.text
    variant = editor.get(f"/editeurs/editions/{edition_id}/apercu.html?themes=education")
    assert variant.text == education.html != expected.html
    assert "Des jardins partagés" in expected.html and "Des jardins partagés" not in variant.text
    assert editor.get(f"/editeurs/editions/{edition_id}?themes=inconnu").status_code == 400


def test_reorder_drop_add_and_texts(
    site: tuple[str, App, dict[str, int]], editor: httpx.Client
) -> None:
    """Editing goes through the store like `edition edit`: moving an item (↑/↓ or a typed
    position), removing one,
    adding it back from the search, changing the texts; an approved edition returns to
    draft; markup typed in the texts never reaches the preview as code."""
    _url, app, ids = site
    edition_id = ids["lettre"]
    path = f"/editeurs/editions/{edition_id}"
    with app.database.session() as session:
        edition = EditionStore(session).get(edition_id)
        assert edition.state == "approved"
        section = "fiches"
        first, second = [e.item_id for e in sorted(edition.entries, key=lambda e: e.position)
                         if e.section == section][:2]  # fmt: skip
        title = ItemStore(session).get(first).title
    moved = act(editor, path, "elements", {"deplacer": f"{first}:2"})
    assert moved.status_code == 303 and moved.headers["location"] == f"{path}#element-{first}"
    page = editor.get(path).text
    assert "Élément placé en position 2 de sa rubrique. L’édition repasse en brouillon" in page
    row = page[page.index(f'id="element-{first}"') :]
    assert row.index("Élément placé") < row.index("</tbody>")  # shown under the item's row
    assert row.index("entries__notice") < row.index("Élément placé")
    with app.database.session() as session:
        edition = EditionStore(session).get(edition_id)
        order = [e.item_id for e in sorted(edition.entries, key=lambda e: e.position)
                 if e.section == section]  # fmt: skip
        assert order[:2] == [second, first] and edition.state == "draft"
    placed = act(editor, path, "elements", {"placer": str(first), "position": "99"})
    assert placed.headers["location"] == f"{path}#element-{first}"  # typed: its last place
    assert f"Élément placé en position {len(order)} de sa rubrique." in editor.get(path).text
    blank = act(editor, path, "elements", {"placer": str(first), "position": ""})
    assert "Position manquante" in editor.get(blank.headers["location"]).text
    token = csrf_of(page)
    dropped = editor.post(f"{path}/elements", data={"csrf_token": token, "retirer": str(first)})
    assert dropped.status_code == 303
    found = editor.get(path, params={"q": title.split()[-1]}).text
    assert f'name="item_id" value="{first}"' in found
    addition = {"csrf_token": token, "item_id": str(first)}
    automatic = editor.post(f"{path}/ajouter", data=addition)  # a fiche: « Fiches d’expérience »
    assert automatic.headers["location"] == f"{path}#element-{first}"
    assert "Élément ajouté à la rubrique « Fiches d’expérience »" in editor.get(path).text
    act(editor, path, "elements", {"retirer": str(first)})
    word = title.split()[-1]
    added = editor.post(f"{path}/ajouter", data=addition | {"section": "fiches", "q": word})
    assert added.headers["location"] == f"{path}#element-{first}"
    assert "Élément ajouté à la rubrique « Fiches d’expérience »" in editor.get(path).text
    again = editor.post(f"{path}/ajouter", data=addition | {"section": "fiches", "q": word})
    assert again.headers["location"] == f"{path}?q={word}#ajouter"  # the search, again
    assert (
        "est déjà dans cette édition, rubrique « Fiches d’expérience »"
        in editor.get(again.headers["location"]).text
    )
    texts = {"csrf_token": token, "subject": f"Lettre {INJECTION}", "preheader": INJECTION,
             "edito": f"Bonjour **à tous** {INJECTION}", "mouvements": "- Mme A part"}  # fmt: skip
    assert editor.post(f"{path}/textes", data=texts).status_code == 303
    page = editor.get(path).text
    assert "Textes enregistrés." in page and "<script" not in page and "<img src=x" not in page
    frame = editor.get(f"{path}/apercu.html").text
    assert not {"script", "img", "onerror"} & markup_of(frame)
    assert "<strong>à tous</strong>" in frame
    unchanged = editor.post(f"{path}/textes", data=texts)
    assert "Aucune modification." in editor.get(unchanged.headers["location"]).text


def test_approve_schedule_and_cancel(
    site: tuple[str, App, dict[str, int]], editor: httpx.Client
) -> None:
    """Approval, scheduling and cancellation move the edition through its lifecycle;
    scheduling shows the send's confirmation first, refuses an empty edition or one without
    recipients, and needs warnings ticked; a cancellation needs its checkbox; impossible
    moves are explained on the page."""
    _url, app, ids = site
    path = f"/editeurs/editions/{ids['reaap']}"
    refused = act(editor, path, "envoyer", {"envoi": "programmer"})
    assert refused.headers["location"] == f"{path}/confirmer?envoi=programmer#verifications"
    assert "approuvez-la d’abord" in editor.get(refused.headers["location"]).text
    assert act(editor, path, "approuver", {}).status_code == 303
    empty = editor.get(f"{path}/confirmer", params={"envoi": "programmer"}).text
    assert "L'envoi est impossible" in empty and "L’édition est vide" in empty
    assert "Aucun destinataire" in empty and 'name="avertissements"' not in empty
    with app.database.session() as session:
        store = EditionStore(session)
        edition = store.get(ids["reaap"])
        item = ItemStore(session).search(network="clas", limit=1)[0]
        store.add_item(edition, item.id, app.settings.newsletter("reaap"), "actualites")
        app.subscriber_store(session).admin_add(
            "parent@exemple.fr", Details(format="text"), ["reaap"],
            Consent("admin", "2026-01", "tests"))  # fmt: skip
    assert act(editor, path, "approuver", {}).status_code == 303
    confirm = editor.get(f"{path}/confirmer", params={"envoi": "programmer"}).text
    assert "Texte seul" in confirm and "Programmer l'envoi à 1 destinataires" in confirm
    assert "Édition mince : 1 élément(s), moins de 2" in confirm
    unticked = act(editor, path, "envoyer", {"envoi": "programmer"})
    assert "cochez les avertissements" in editor.get(unticked.headers["location"]).text
    act(editor, path, "envoyer", {"envoi": "programmer", "avertissements": "oui"})
    with app.database.session() as session:
        assert EditionStore(session).get(ids["reaap"]).state == "scheduled"
    page = editor.get(path).text
    assert "Programmée : elle partira d'elle-même" in page
    act(editor, path, "annuler", {})
    assert "Annulation non confirmée" in editor.get(path).text
    act(editor, path, "annuler", {"confirmer": "oui"})
    with app.database.session() as session:
        assert EditionStore(session).get(ids["reaap"]).state == "cancelled"
    assert "Cette édition est annulée." in editor.get(path).text


def test_send_started_from_the_page(
    site: tuple[str, App, dict[str, int]], editor: httpx.Client, smtp: SmtpTestServer
) -> None:
    """« Envoyer maintenant » runs `newsletter edition send` in the background, never in the
    request; the page refreshes itself while sending and shows the counts; « Mettre en
    pause » stops it, « Reprendre l'envoi » finishes it; every recipient gets exactly one
    message (a name with markup is escaped in its greeting), whose RFC 8058 one-click POST
    works without cookies; the dashboard lists the send's counts."""
    url, app, ids = site
    edition_id = ids["lettre"]
    path = f"/editeurs/editions/{edition_id}"
    with app.database.session() as session:
        app.subscriber_store(session).admin_add(
            "injection@exemple.fr", Details(first_name=INJECTION, last_name=INJECTION), ["lettre"],
            Consent("admin", "2026-01", "tests"))  # fmt: skip
    act(editor, path, "approuver", {})
    confirm = editor.get(f"{path}/confirmer").text
    assert f"Envoyer à {RECIPIENTS + 1} destinataires" in confirm
    before = len(smtp.messages)
    smtp.faults.add("RCPT", delay=0.4, times=None)  # a slow relay: time to pause
    started = act(editor, path, "envoyer", {"envoi": "maintenant", "avertissements": "oui"})
    assert started.status_code == 303 and started.headers["location"] == f"{path}#envoi"
    page = editor.get(path).text
    assert "Envoi lancé." in page and 'http-equiv="refresh"' in page
    wait_until(lambda: sending.status(app.database, edition_id)[0].state == "sending", 30, 0.1)
    assert "Mettre en pause" in editor.get(path).text
    paused = act(editor, path, "pause", {})
    assert "Envoi mis en pause." in editor.get(paused.headers["location"]).text
    # The button to resume shows once the sending process has stopped.
    wait_until(lambda: "Reprendre l'envoi" in editor.get(path).text, 30, 0.1)
    smtp.faults.clear()
    assert (
        sending.status(app.database, edition_id)[0].state == "paused"
    )  # (in-flight ones went out)
    assert 'http-equiv="refresh"' not in editor.get(path).text
    act(editor, path, "envoyer", {})
    assert _wait_for_send(editor, path) == "sent"
    edition, counts = sending.status(app.database, edition_id)
    assert counts["sent"] == RECIPIENTS + 1 and edition.state == "sent"
    page = editor.get(path).text
    assert 'http-equiv="refresh"' not in page
    assert f"<strong>{RECIPIENTS + 1} sur {RECIPIENTS + 1}</strong> destinataires" in page
    received = [m.parsed() for m in smtp.messages[before:]]
    assert len(received) == RECIPIENTS + 1
    injected = next(m for m in received if m["To"].addresses[0].username == "injection")
    html = injected.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Bonjour &lt;script&gt;" in html and not {"script", "img"} & markup_of(html)
    header = received[0]["List-Unsubscribe"]
    link = re.search(r"<(https?://[^>]+)>", header).group(1)  # type: ignore[union-attr]
    assert link.startswith(f"{url}/desabonnement/")
    one_click = http_post(link, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and "Désabonnement enregistré" in one_click.text
    dashboard = editor.get("/editeurs/").text
    assert "Derniers envois" in dashboard and f'<td class="num">{RECIPIENTS + 1}</td>' in dashboard


def _wait_for_send(client: httpx.Client, path: str) -> str:
    """Follow the page as a browser would (it refreshes itself) until the send is over."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        page = client.get(path).text
        if 'http-equiv="refresh"' not in page and "state--sent" in page:
            return "sent"
        time.sleep(0.3)
    return "timeout"


def test_coordinators_see_and_act_on_their_newsletter_only(
    site: tuple[str, App, dict[str, int]],
) -> None:
    """A Réaap coordinator lists Réaap editions only; the Lettre's page, preview and
    actions answer 403 and change nothing."""
    url, app, ids = site
    with http_client(base_url=url) as coordinator:
        login(coordinator, "coord@exemple.fr")
        listing = coordinator.get("/editeurs/editions").text
        titles = {name: n.title for name, n in app.settings.newsletters.items()}
        assert titles["reaap"] in listing and titles["lettre"] not in listing
        assert coordinator.get(f"/editeurs/editions/{ids['reaap']}").status_code == 200
        lettre = f"/editeurs/editions/{ids['lettre']}"
        assert coordinator.get(lettre).status_code == 403
        assert coordinator.get(f"{lettre}/apercu.html").status_code == 403
        form = {"csrf_token": csrf_of(coordinator.get("/editeurs/").text), "confirmer": "oui",
                "adresses": "x@exemple.fr", "subject": "x"}  # fmt: skip
        assert coordinator.get(f"{lettre}/confirmer").status_code == 403
        for action in ("approuver", "abandonner", "annuler", "essai", "envoyer", "textes",
                       "elements", "territoires", "elements/1"):  # fmt: skip
            response = coordinator.post(f"{lettre}/{action}", data=form)
            assert response.status_code == 403, action
        assert coordinator.get(f"{lettre}/elements/1").status_code == 403
        assert coordinator.get("/editeurs/editions/special?lettre=lettre").status_code == 403
        for path in ("/editeurs/editions/nouvelle", "/editeurs/editions/special"):
            refused = coordinator.post(path, data=form | {"lettre": "lettre", "objet": "x",
                                                          "date": "2099-01-01"})  # fmt: skip
            assert refused.status_code == 403, path
        assert coordinator.get("/editeurs/editions/special?lettre=reaap").status_code == 200


def test_editor_forms_need_the_csrf_token(
    site: tuple[str, App, dict[str, int]], editor: httpx.Client
) -> None:
    """Every edition form is refused (403) without the session's CSRF token."""
    _url, app, ids = site
    path = f"/editeurs/editions/{ids['lettre']}"
    with app.database.session() as session:
        before = EditionStore(session).get(ids["lettre"]).subject
    for action in ("approuver", "abandonner", "annuler", "essai", "envoyer", "pause",
                   "textes", "elements", "ajouter", "territoires", "elements/1"):  # fmt: skip
        response = editor.post(f"{path}/{action}", data={"subject": "volé", "confirmer": "oui"})
        assert response.status_code == 403, action
    for made in ("/editeurs/editions/nouvelle", "/editeurs/editions/special"):
        assert editor.post(made, data={"lettre": "clas"}).status_code == 403, made
    with app.database.session() as session:
        assert EditionStore(session).get(ids["lettre"]).subject == before


def test_editions_api(site: tuple[str, App, dict[str, int]]) -> None:
    """GET /api/v1/editions lists the token owner's editions with their counts; one edition
    by id; a coordinator's token neither lists nor reads another newsletter's."""
    url, app, ids = site
    from newsletter.accounts.store import AccountStore

    with app.database.session() as session:
        tokens = {email: AccountStore(session).create_token(email, "api")
                  for email in ("redaction@exemple.fr", "coord@exemple.fr")}  # fmt: skip
    with http_client(base_url=f"{url}/api/v1") as client:
        editor = {"Authorization": f"Bearer {tokens['redaction@exemple.fr']}"}
        listing = client.get("/editions", headers=editor).json()
        assert {e["newsletter"] for e in listing["editions"]} == {"lettre", "reaap"}
        one = client.get(f"/editions/{ids['lettre']}", headers=editor).json()
        assert set(one["counts"]) == {"queued", "sending", "sent", "deferred", "failed", "skipped"}
        assert one["items"] > 0 and one["newsletter"] == "lettre"
        edition, counts = sending.status(app.database, ids["lettre"])
        assert one["counts"] == counts and one["number"] == edition.number
        if edition.state == "sent":
            assert one["web_url"] == f"{url}/archives/lettre/{edition.number}/"
        coordinator = {"Authorization": f"Bearer {tokens['coord@exemple.fr']}"}
        mine = client.get("/editions", headers=coordinator).json()["editions"]
        assert [e["newsletter"] for e in mine] == ["reaap"]
        assert client.get(f"/editions/{ids['lettre']}", headers=coordinator).status_code == 403
        assert client.get("/editions", params={"state": "sent"}, headers=editor).status_code == 200
        assert client.get("/editions/999999", headers=editor).status_code == 404


def test_pages_not_found_name_no_configuration_key(editor: httpx.Client) -> None:
    """A page not found says what is missing and what to do, never the configuration's
    keys nor commands."""
    for path in ("/editeurs/editions/special?lettre=gazette", "/editeurs/editions/999999"):
        page = editor.get(path)
        assert page.status_code == 404
        text = page.text
        assert "config.toml" not in text and "reaap, clas" not in text and "`" not in text
        assert "newsletter edition" not in text
    assert (
        "Lettre inconnue : gazette." in editor.get("/editeurs/editions/special?lettre=gazette").text
    )
    assert "oir la liste des éditions" in editor.get("/editeurs/editions/999999").text


def test_territories_chosen_for_one_edition(
    site: tuple[str, App, dict[str, int]], editor: httpx.Client
) -> None:
    """The territories of a rubrique are chosen for one edition from its page; the message
    names the rubrique; an unknown territory is refused in French, at the same place."""
    _url, app, _ids = site
    with app.database.session() as session:
        store = EditionStore(session)
        made = assemble(store, "clas", app.settings.newsletter("clas"), "Europe/Paris",
                        day=date(2027, 1, 20)).id  # fmt: skip
    path = f"/editeurs/editions/{made}"
    assert 'name="territoires" value="Seine-Saint-Denis"' in editor.get(path).text
    chosen = act(editor, path, "territoires",
                 {"rubrique": "rendez-vous", "territoires": "Seine-Saint-Denis"})  # fmt: skip
    assert chosen.headers["location"] == f"{path}#territoires"
    page = editor.get(path).text
    assert "Territoires de « Rendez-vous » enregistrés : 0 élément(s)" in page
    with app.database.session() as session:
        assert EditionStore(session).get(made).territories == {"rendez-vous": ["Seine-Saint-Denis"]}
    refused = act(editor, path, "territoires", {"rubrique": "rendez-vous", "territoires": "Lyon"})
    assert "Territoire inconnu : Lyon" in editor.get(refused.headers["location"]).text


def form_of(page: str, form_id: str) -> str:
    """The HTML of the form with this id (its messages are inside)."""
    start = page.index(f'id="{form_id}"')
    return page[start : page.index("</form>", start)]


def row_of(page: str, link: str) -> str:
    """The table row headed by this link."""
    at = page.index(f'<th scope="row"><a href="{link}">')
    return page[page.rindex("<tr>", 0, at) : page.index("</tr>", at)]


def test_a_past_send_time_is_said_and_moved_from_the_page(
    site: tuple[str, App, dict[str, int]], editor: httpx.Client
) -> None:
    """An approved edition whose send time has passed says so (in the editions list too),
    and offers the date field rather than programming; a time to come typed there is taken
    (another day: to approve again), its message next to the field; a past time is refused
    at the same place."""
    _url, app, _ids = site
    now = datetime.now(ZoneInfo("Europe/Paris")).replace(second=0, microsecond=0)
    with app.database.session() as session:
        store = EditionStore(session)
        made = assemble(store, "reseaux", app.settings.newsletter("reseaux"), "Europe/Paris",
                        day=now.date() - timedelta(days=1))  # fmt: skip
        made.next_send_at = now + timedelta(days=30)
        assert made.entries  # assembled with the networks' items
        store.approve(made, app.publishing.live_view(session, made), "tests")
    path = f"/editeurs/editions/{made.id}"
    assert "date passée" in row_of(editor.get("/editeurs/editions").text, path)
    page = editor.get(path).text
    assert "est passée : envoyez-la maintenant, ou" in page
    assert "Programmer l'envoi…" not in page and "Envoyer maintenant…" in page
    later = now + timedelta(days=2, hours=1)
    moved = act(editor, path, "date", {"envoi_prevu": later.strftime("%Y-%m-%dT%H:%M")})
    assert moved.headers["location"] == f"{path}#date-envoi"
    shown = form_of(editor.get(path).text, "date-envoi")
    assert "Envoi prévu le" in shown and "repasse en brouillon" in shown
    assert f'value="{later.strftime("%Y-%m-%dT%H:%M")}"' in shown
    with app.database.session() as session:
        assert EditionStore(session).get(made.id).state == "draft"
    assert "date passée" not in row_of(editor.get("/editeurs/editions").text, path)
    act(editor, path, "date", {"envoi_prevu": (now - timedelta(hours=2)).isoformat()})
    refused = form_of(editor.get(path).text, "date-envoi")
    assert 'role="alert"' in refused
    assert "est passé (choisissez une date et une heure à venir)" in refused
