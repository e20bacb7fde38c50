"""Subscribers' pages and the public archive over real HTTP, with confirmation emails
delivered to a real SMTP server: double opt-in, preferences, RFC 8058 unsubscribe, data
download and erasure, neutral answers to bad links; home, archive, web version, feed."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from icalendar import Calendar

from newsletter.app import App
from newsletter.content.store import ItemStore
from newsletter.editions.assembly import assemble
from newsletter.editions.store import EditionStore
from newsletter.sources.editorial import parse_record, save_editorial
from newsletter.web.app import SESSION_COOKIE
from subscribers.consent import Consent
from subscribers.details import Details
from subscribers.models import ConsentRecord, Subscriber
from subscribers.suppression import is_suppressed
from subscribers.tokens import Tokens
from tests.dispatching import relay
from tests.polling import wait_until
from tests.smtp_server import SmtpTestServer
from tests.web.client import csrf_of, http_client, http_get, http_post
from tests.web.conftest import public_site

INJECTION = '<script>alert("x")</script><img src=x onerror=alert(1)>'
NEUTRAL = "Ce lien n'est pas valide ou a expiré."
CONFIRM_LINK = re.compile(r"(http://\S+/abonnement/confirmer/\S+)")
DATA_LINK = re.compile(r"(http://\S+/mes-donnees/\S+)")
# Anything shaped like a link token (subscribers/tokens.py).
ANY_TOKEN = re.compile(r"1\.[0-9]+\.[0-9]+\.[0-9a-f]{16}(?:\.[a-z0-9_-]+)*\.[A-Za-z0-9_-]{24}")


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpTestServer]:
    with SmtpTestServer() as server:
        yield server


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, project_config: dict[str, Any], smtp: SmtpTestServer
) -> Iterator[tuple[str, App]]:
    folder: Path = tmp_path_factory.mktemp("public")
    with public_site(folder, project_config, transport=relay(smtp.port)) as served:
        yield served


def subscribe(url: str, email: str, **fields: Any) -> httpx.Response:
    """Fill in and send the subscription form in a fresh browser session."""
    with http_client(base_url=url) as client:
        token = csrf_of(client.get("/abonnement").text)
        form = {"csrf_token": token, "email": email, "lists": ["lettre"], **fields}
        response = client.post("/abonnement", data=form)
        if response.status_code == 303:
            return client.get(response.headers["location"])
        return response


def confirmation_for(smtp: SmtpTestServer, email: str, pattern: re.Pattern[str] = CONFIRM_LINK,
                     count: int = 1) -> str:  # fmt: skip
    """The link of the last email sent to ``email`` (the request runs after the answer:
    wait for the ``count``-th email to arrive)."""

    def received() -> list[EmailMessage]:
        return [m.parsed() for m in smtp.messages if email in m.recipients]

    wait_until(lambda: len(received()) >= count, timeout=10)
    message = received()[-1]
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = pattern.search(body)
    assert found, body
    return found.group(1)


def subscriber(app: App, email: str) -> Subscriber | None:
    with app.database.session() as session:
        found = app.subscriber_store(session).find(email)
        if found is not None:
            found.subscriptions, found.theme_rows  # noqa: B018 (load before the session ends)
            session.expunge(found)
        return found


def statuses(app: App, email: str) -> dict[str, str]:
    found = subscriber(app, email)
    return {s.list_key: s.status for s in found.subscriptions} if found else {}


def add_active(
    app: App, email: str, lists: tuple[str, ...] = ("lettre", "reaap"), **details: str
) -> None:
    person = Details(**{"first_name": "Awa"} | details)
    with app.database.session() as session:
        app.subscriber_store(session).admin_add(email, person, lists,
                                                Consent("admin", "2026-01", "tests"))  # fmt: skip


def token_for(app: App, purpose: str, email: str, lists: tuple[str, ...] = ()) -> str:
    found = subscriber(app, email)
    assert found is not None
    return app.tokens().issue(purpose, found, lists)


def test_subscribing_answers_the_same_whatever_the_address(
    site: tuple[str, App], smtp: SmtpTestServer
) -> None:
    """The form leads to the same « vérifiez votre boîte » page for a new address, a pending
    one and an active subscriber; only the first two get a confirmation email, whose link
    points at this site; nothing is active before the click."""
    url, app = site
    add_active(app, "deja@exemple.fr")
    before = len(smtp.messages)
    emails = ("nouvelle@exemple.fr", "nouvelle@exemple.fr", "deja@exemple.fr")
    pages = [subscribe(url, email, themes=["education"], first_name="Léa") for email in emails]
    texts = {re.sub(r"csrf_token\" value=\"[^\"]+", "", page.text) for page in pages}
    assert len(texts) == 1 and "Vérifiez votre boîte de réception" in pages[0].text
    confirmation_for(smtp, "nouvelle@exemple.fr", count=2)
    assert [m.recipients for m in smtp.messages[before:]] == [("nouvelle@exemple.fr",)] * 2
    assert confirmation_for(smtp, "nouvelle@exemple.fr").startswith(f"{url}/abonnement/confirmer/")
    assert statuses(app, "nouvelle@exemple.fr") == {"lettre": "pending"}
    refused = subscribe(url, "pas-une-adresse", first_name=INJECTION, organisation=INJECTION,
                        function=INJECTION, commune=INJECTION, department=INJECTION)  # fmt: skip
    assert refused.status_code == 400 and "Adresse électronique invalide" in refused.text
    assert "<script" not in refused.text and "<img" not in refused.text
    assert refused.text.count("&lt;script&gt;") >= 4  # typed values come back, escaped


def test_confirmation_page_asks_then_the_button_confirms(
    site: tuple[str, App], smtp: SmtpTestServer
) -> None:
    """Opening the confirmation link (as a mail scanner would) activates nothing; its
    button does, records the consent, and leads to the preferences page."""
    url, app = site
    subscribe(url, "clic@exemple.fr", lists=["lettre", "reaap"])
    link = confirmation_for(smtp, "clic@exemple.fr")
    with http_client() as browser:
        page = browser.get(link)
        assert page.status_code == 200 and "Je confirme mon abonnement" in page.text
        assert set(statuses(app, "clic@exemple.fr").values()) == {"pending"}
        done = browser.post(link, data={"csrf_token": csrf_of(page.text)})
        assert done.status_code == 303 and done.headers["location"].startswith("/preferences/")
        preferences = browser.get(f"{url}{done.headers['location']}")
        assert "Abonnement confirmé" in preferences.text and "clic@exemple.fr" in preferences.text
    assert statuses(app, "clic@exemple.fr") == {"lettre": "active", "reaap": "active"}
    with app.database.session() as session:
        consents = session.query(ConsentRecord).filter_by(how="form").count()
        assert consents >= 2
    assert http_get(link + "x").text.count(NEUTRAL) == 1


def test_preferences_change_lists_themes_and_format(site: tuple[str, App]) -> None:
    """The preferences page, reached with the emailed token and no login, changes lists,
    themes and format; ticking a list again subscribes with a fresh consent; the name
    typed by the person is shown escaped."""
    url, app = site
    add_active(app, "prefs@exemple.fr", first_name=INJECTION, last_name=INJECTION,
               organisation=INJECTION, function=INJECTION, commune=INJECTION)  # fmt: skip
    page = f"/preferences/{token_for(app, 'preferences', 'prefs@exemple.fr')}"
    with http_client(base_url=url) as browser:
        form = browser.get(page)
        assert form.status_code == 200 and "prefs@exemple.fr" in form.text
        assert "<script" not in form.text and form.text.count("&lt;script&gt;") >= 2
        choices = {"lists": ["clas"], "themes": ["habitat", "emploi"], "format": "text"}
        saved = browser.post(page, data={"csrf_token": csrf_of(form.text), **choices})
        assert saved.status_code == 303
        assert "Vos préférences sont enregistrées." in browser.get(page).text
    found = subscriber(app, "prefs@exemple.fr")
    assert found is not None and found.format == "text"
    assert sorted(found.themes) == ["emploi", "habitat"]
    assert statuses(app, "prefs@exemple.fr") == {
        "clas": "active", "lettre": "unsubscribed", "reaap": "unsubscribed"}  # fmt: skip


def test_unsubscribe_link_get_then_post(site: tuple[str, App]) -> None:
    """GET on the unsubscribe link only asks; the page's button leaves the list the email
    came from, answering 200 without redirect."""
    url, app = site
    add_active(app, "bouton@exemple.fr")
    link = f"{url}/desabonnement/{token_for(app, 'unsubscribe', 'bouton@exemple.fr', ('reaap',))}"
    page = http_get(link)
    assert page.status_code == 200 and "Me désabonner" in page.text
    assert "Lettre du Réaap" in page.text
    assert statuses(app, "bouton@exemple.fr") == {"lettre": "active", "reaap": "active"}
    done = http_post(link, data={"confirmer": "oui"})
    assert done.status_code == 200 and "Désabonnement enregistré" in done.text
    assert statuses(app, "bouton@exemple.fr") == {"lettre": "active", "reaap": "unsubscribed"}


def test_one_click_unsubscribe_rfc_8058(site: tuple[str, App]) -> None:
    """The one-click POST works with form-data or urlencoded bodies and no cookie, answers
    200 without redirect and sets no cookie; it suppresses the address for that list; an
    empty POST changes nothing."""
    url, app = site
    for email, multipart in (("urlenc@exemple.fr", False), ("multi@exemple.fr", True)):
        add_active(app, email, ("lettre",))
        link = f"{url}/desabonnement/{token_for(app, 'unsubscribe', email, ('lettre',))}"
        assert http_post(link).status_code == 400
        assert statuses(app, email) == {"lettre": "active"}
        body = ({"files": {"List-Unsubscribe": (None, "One-Click")}} if multipart
                else {"data": {"List-Unsubscribe": "One-Click"}})  # fmt: skip
        response = http_post(link, **body)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        assert "set-cookie" not in response.headers and "location" not in response.headers
        assert statuses(app, email) == {"lettre": "unsubscribed"}
        found = subscriber(app, email)
        with app.database.session() as session:
            assert found is not None and is_suppressed(session, found.email_hash, "lettre")


def test_bad_links_get_one_neutral_page(site: tuple[str, App]) -> None:
    """A tampered, forged (wrong key), foreign-purpose or someone else's token, and the
    link of an erased person, all get the same neutral page (400) and change nothing; a
    forged one-click POST is refused the same way."""
    url, app = site
    add_active(app, "victime@exemple.fr")
    add_active(app, "autre@exemple.fr")
    victim = subscriber(app, "victime@exemple.fr")
    assert victim is not None
    good = token_for(app, "unsubscribe", "victime@exemple.fr")
    forged = Tokens([b"x" * 40], app.settings.subscribers).issue("unsubscribe", victim)
    other = subscriber(app, "autre@exemple.fr")
    assert other is not None
    foreign = app.tokens().issue("preferences", _Ref(victim.id, other.email_hash))
    bad = [
        f"/desabonnement/{good[:-2]}xy",
        f"/desabonnement/{forged}",
        f"/desabonnement/{token_for(app, 'preferences', 'victime@exemple.fr')}",
        f"/preferences/{good}",
        f"/preferences/{foreign}",
        f"/abonnement/confirmer/{good}",
        f"/preferences/{'a' * 2000}",
    ]
    with http_client(base_url=url) as client:
        for path in bad:
            page = client.get(path)
            assert page.status_code == 400 and NEUTRAL in page.text, path
        for path in bad[:3]:
            refused = client.post(path, data={"List-Unsubscribe": "One-Click"})
            assert refused.status_code == 400 and NEUTRAL in refused.text, path
        form = client.get(f"/preferences/{token_for(app, 'preferences', 'autre@exemple.fr')}")
        stolen = client.post(f"/preferences/{foreign}",
                             data={"csrf_token": csrf_of(form.text), "format": "text"})  # fmt: skip
        assert stolen.status_code == 400
    assert statuses(app, "victime@exemple.fr") == {"lettre": "active", "reaap": "active"}
    assert subscriber(app, "autre@exemple.fr").format == "html"  # type: ignore[union-attr]


class _Ref:
    """A token for one subscriber id bound to another person's address."""

    def __init__(self, id: int, email_hash: str) -> None:
        self.id, self.email_hash = id, email_hash


def test_data_are_opened_by_a_fresh_single_use_link(
    site: tuple[str, App], smtp: SmtpTestServer
) -> None:
    """The preferences page opens no data: it sends a link to the address; the link's page
    asks before using it; the click opens a French page of the data (labels, Paris dates),
    the JSON file and the erasure; the same link never serves twice."""
    url, app = site
    add_active(app, "rgpd@exemple.fr", first_name="Amina", last_name="Diallo")
    page = f"/preferences/{token_for(app, 'preferences', 'rgpd@exemple.fr')}"
    with http_client(base_url=url) as browser:
        form = browser.get(page)
        assert "Abonnements d'Amina Diallo" in html.unescape(form.text)
        assert "/donnees" not in form.text and "/effacer" not in form.text
        assert browser.get(f"{page}/donnees").status_code in (404, 405)
        asked = browser.post(f"{page}/lien-donnees", data={"csrf_token": csrf_of(form.text)})
        assert asked.status_code == 303
        assert "Un lien vient d'être envoyé à rgpd@exemple.fr" in html.unescape(
            browser.get(page).text
        )
        link = confirmation_for(smtp, "rgpd@exemple.fr", DATA_LINK)
        opening = browser.get(link)
        assert opening.status_code == 200 and "Voir mes données" in opening.text
        opened = browser.post(link, data={"csrf_token": csrf_of(opening.text)})
        assert opened.status_code == 303 and opened.headers["location"] == "/mes-donnees"
        data_page = html.unescape(browser.get("/mes-donnees").text)
        assert (
            "Données d'Amina Diallo" in data_page
            and "La Lettre de Profession Banlieue" in data_page
        )
        assert "abonné" in data_page and "ajout par un éditeur" in data_page
        for english in ("active", "admin", "html", "UTC", "+00:00"):
            assert f">{english}<" not in data_page, english
        download = browser.get("/mes-donnees/fichier")
        assert download.headers["content-disposition"].startswith("attachment;")
        data = download.json()
        assert data["adresse"] == "rgpd@exemple.fr" and data["prenom"] == "Amina"
        assert {a["lettre"] for a in data["abonnements"]} == {
            "La Lettre de Profession Banlieue", "Lettre du Réaap"}  # fmt: skip
        assert {a["statut"] for a in data["abonnements"]} == {"abonné"}
        assert data["cree_le"].endswith(("+01:00", "+02:00"))
        assert data["format"] != "html" and data["statut"] == "actif"
        with http_client() as other:  # the same link, used a second time
            again = other.get(link)
            assert again.status_code == 200
            refused = other.post(link, data={"csrf_token": csrf_of(again.text)})
            assert refused.status_code == 400 and NEUTRAL in refused.text
            assert NEUTRAL in other.get(f"{url}/mes-donnees").text
        token = csrf_of(data_page)
        assert browser.post("/mes-donnees/effacer", data={"csrf_token": token}).status_code == 400
        assert subscriber(app, "rgpd@exemple.fr") is not None
        erased = browser.post("/mes-donnees/effacer",
                              data={"csrf_token": token, "confirmer": "oui"})  # fmt: skip
        assert erased.status_code == 200 and "Données effacées" in erased.text
        assert NEUTRAL in browser.get(page).text
        assert NEUTRAL in browser.get("/mes-donnees").text
    assert subscriber(app, "rgpd@exemple.fr") is None


def test_unsubscribe_links_lead_to_nothing_else(site: tuple[str, App]) -> None:
    """The attack of the review: the unsubscribe link (opened by mail scanners) and its
    one-click answer carry no token of another purpose, and no token but a data one opens
    the data pages; an expired data link is refused."""
    url, app = site
    add_active(app, "portee@exemple.fr")
    unsubscribe = token_for(app, "unsubscribe", "portee@exemple.fr", ("lettre",))
    link = f"{url}/desabonnement/{unsubscribe}"
    asked = http_get(link)
    done = http_post(link, data={"List-Unsubscribe": "One-Click"})
    for answer in (asked, done):
        assert answer.status_code == 200
        assert set(ANY_TOKEN.findall(answer.text)) <= {unsubscribe}
        assert "/preferences/" not in answer.text and "/mes-donnees" not in answer.text
    for purpose in ("unsubscribe", "preferences", "confirm"):
        token = token_for(app, purpose, "portee@exemple.fr")
        for path in (f"/mes-donnees/{token}", f"/preferences/{token}/donnees"):
            assert http_get(f"{url}{path}").status_code in (400, 404), (purpose, path)
    found = subscriber(app, "portee@exemple.fr")
    assert found is not None
    old = app.tokens().issue("data", found, now=datetime.now(UTC) - timedelta(minutes=31))
    assert NEUTRAL in http_get(f"{url}/mes-donnees/{old}").text


def test_already_unsubscribed_is_said_and_can_be_undone(site: tuple[str, App]) -> None:
    """A second visit to an unsubscribe link says « déjà désabonné »; its page's button
    subscribes the person again to what the link left, with a fresh consent."""
    url, app = site
    add_active(app, "deja-parti@exemple.fr")
    link = (
        f"{url}/desabonnement/{token_for(app, 'unsubscribe', 'deja-parti@exemple.fr', ('reaap',))}"
    )
    assert "Désabonnement enregistré" in http_post(link, data={"confirmer": "oui"}).text
    for again in (http_get(link), http_post(link, data={"List-Unsubscribe": "One-Click"})):
        assert "Déjà désabonné" in again.text and "Lettre du Réaap" in again.text
    undone = http_post(f"{link}/reabonner")
    assert undone.status_code == 200 and "de nouveau abonné : Lettre du Réaap" in undone.text
    assert statuses(app, "deja-parti@exemple.fr") == {"lettre": "active", "reaap": "active"}


def test_preferences_update_what_people_tell_about_themselves(site: tuple[str, App]) -> None:
    """Name, organisation, function, profile and commune are changed from the preferences
    page; the combined network letter (Parentalités) is offered there and on the form,
    ticked when coming from its archive."""
    url, app = site
    add_active(app, "moi@exemple.fr", ("lettre",))
    page = f"/preferences/{token_for(app, 'preferences', 'moi@exemple.fr')}"
    with http_client(base_url=url) as browser:
        form = browser.get(page)
        assert "Abonnements d'Awa" in html.unescape(form.text) and "Parentalités" in form.text
        told = {"first_name": "Léa", "last_name": "Martin", "organisation": "CCAS de Bondy",
                "function": "Directrice", "profile": "professionnel", "commune": "Bondy",
                "lists": ["lettre", "reseaux"], "format": "html"}  # fmt: skip
        assert (
            browser.post(page, data={"csrf_token": csrf_of(form.text), **told}).status_code == 303
        )
        assert "Abonnements de Léa Martin" in browser.get(page).text
    found = subscriber(app, "moi@exemple.fr")
    assert found is not None
    assert (found.organisation, found.function, found.profile, found.commune) == (
        "CCAS de Bondy", "Directrice", "professionnel", "Bondy")  # fmt: skip
    assert statuses(app, "moi@exemple.fr") == {"lettre": "active", "reseaux": "active"}
    assert 'value="reseaux"' in http_get(f"{url}/abonnement").text
    archive = http_get(f"{url}/archives/reseaux/").text
    assert 'href="/abonnement?liste=reseaux"' in archive
    ticked = http_get(f"{url}/abonnement?liste=reseaux").text
    assert re.search(r'value="reseaux" checked', ticked)


def test_subscriber_forms_need_the_csrf_token(site: tuple[str, App]) -> None:
    """The subscription, confirmation, preferences, data link and erasure forms need the
    session's CSRF token (the one-click unsubscribe and its undo alone do without)."""
    url, app = site
    add_active(app, "csrf@exemple.fr")
    page = f"/preferences/{token_for(app, 'preferences', 'csrf@exemple.fr')}"
    for path, data in (("/abonnement", {"email": "x@exemple.fr", "lists": "lettre"}),
                       (page, {"format": "text"}), (f"{page}/tout", {}),
                       (f"{page}/lien-donnees", {}),
                       ("/mes-donnees/effacer", {"confirmer": "oui"})):  # fmt: skip
        assert http_post(f"{url}{path}", data=data).status_code == 403, path
    assert statuses(app, "csrf@exemple.fr") == {"lettre": "active", "reaap": "active"}


def test_home_archive_web_version_and_feed(site: tuple[str, App]) -> None:
    """The home page links to subscribing, the archive and the editors' area; the archive
    lists sent editions only, each titled once; an edition's page is a page of the site
    (header, navigation, "S'abonner") showing its snapshot, with no greeting, no personal
    link and no "you receive this"; the Atom feed lists it with a summary."""
    url, app = site
    with app.database.session() as session:
        store = EditionStore(session)
        newsletter = app.settings.newsletter("reaap")
        sent = assemble(store, "reaap", newsletter, "Europe/Paris", day=date(2026, 10, 6))
        store.approve(sent, app.publishing.live_view(session, sent), "tests")
        store.start_sending(sent)
        store.mark_sent(sent, datetime(2026, 10, 6, 7, tzinfo=UTC))
        draft = assemble(store, "reaap", newsletter, "Europe/Paris", day=date(2026, 12, 8))
        number, draft_number = sent.number, draft.number
        expected = app.publishing.archive(session, sent)
        period = sent.period
    home = http_get(url).text
    for link in ('href="/abonnement"', 'href="/archives/"', 'href="/editeurs/"'):
        assert link in home
    assert newsletter.title in http_get(f"{url}/archives/").text
    listing = http_get(f"{url}/archives/reaap/").text
    assert f'href="/archives/reaap/{number}/"' in listing
    assert listing.count(period) == 1  # a date-named issue is not dated twice
    assert f"/archives/reaap/{draft_number}/" not in listing
    web = http_get(f"{url}/archives/reaap/{number}/")
    assert web.status_code == 200
    page = web.text
    assert 'class="site-header"' in page and 'aria-label="Navigation principale"' in page
    assert 'href="/archives/reaap/"' in page and "S’abonner</a>" in page
    for section in expected.sections:
        assert section.title in page
    assert "Bonjour" not in page and "Vous recevez" not in page
    assert "/desabonnement/" not in page and "/preferences/" not in page
    assert "%%" not in page and "default-src 'self'" in web.headers["content-security-policy"]
    assert http_get(f"{url}/archives/reaap/{draft_number}/").status_code == 404
    assert http_get(f"{url}/archives/inconnue/").status_code == 404
    feed = http_get(f"{url}/archives/reaap/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    entries = ET.fromstring(feed.text).findall("{http://www.w3.org/2005/Atom}entry")
    assert [e.findtext("{http://www.w3.org/2005/Atom}id") for e in entries] == [
        f"{url}/archives/reaap/{number}/"]  # fmt: skip
    assert entries[0].findtext("{http://www.w3.org/2005/Atom}summary")
    assert SESSION_COOKIE not in http_get(f"{url}/archives/reaap/").headers.get("set-cookie", "")


def test_agenda_entry_as_icalendar(site: tuple[str, App]) -> None:
    """An agenda entry is served as an .ics file from the public site (the emails' "Ajouter
    à mon agenda"), with a stable UID; anything else is a 404."""
    url, app = site
    record = {"guid": "ics-1", "kind": "agenda", "title": "Atelier parentalité à Bobigny",
              "summary": "<p>Un atelier <b>ouvert</b>.</p>", "url": "https://exemple.fr/atelier",
              "starts_at": "2026-12-08 14:00", "ends_at": "2026-12-08 17:00",
              "place": "Bobigny", "organiser": "Réaap 93"}  # fmt: skip
    with app.database.session() as session:
        settings = app.settings
        entry = parse_record(record, settings.classification, settings.fetch.timezone)
        save_editorial(session, settings, [entry], "tests")
        item = ItemStore(session).by_guid("editorial:ics-1")
        assert item is not None
        item_id = item.id
    response = http_get(f"{url}/agenda/{item_id}.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["summary"]) == "Atelier parentalité à Bobigny"
    assert event["dtstart"].dt.astimezone(UTC) == datetime(2026, 12, 8, 13, tzinfo=UTC)
    assert str(event["location"]) == "Bobigny" and "Organisé par Réaap 93" in event["description"]
    assert str(event["uid"]) == f"item-{item_id}@{url.split('//')[1].split(':')[0]}"
    assert http_get(f"{url}/agenda/999999.ics").status_code == 404
    assert http_get(f"{url}/agenda/abc.ics").status_code == 400
