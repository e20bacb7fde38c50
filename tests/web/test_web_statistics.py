"""Statistics in the browser: a newsletter's year (charts, each with a title, a description
and its table), the dashboard's cards, the printable report (Chromium: screenshots, axe-core),
coordinators limited to their newsletters, and the click counter's immediate redirect."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from newsletter.app import App, build
from newsletter.editions.store import EditionStore
from newsletter.secrets import ENV_WEB_SECRET
from newsletter.statistics.links import view_links
from newsletter.web.app import create_app
from tests.conftest import ON_SQLITE, merged
from tests.edition_samples import sample_view
from tests.statistics_history import craft
from tests.test_statistics_links import COUNTED
from tests.web.axe import serious_violations
from tests.web.chromium import chromium, cut_on_phone, log_in, shoot, watched_tab
from tests.web.client import SECRET, http_client, http_get, login, serve
from tests.web.conftest import DESKTOP, PHONE, add_user

pytestmark = ON_SQLITE
STATS = "/editeurs/statistiques/lettre?annee=2026"
REPORT = "/editeurs/statistiques/lettre/rapport?annee=2026"


@pytest.fixture
def counted(
    database: Any, make_settings: Any, project_config: dict[str, Any], app_secrets: Any
) -> Iterator[App]:
    """The app on the crafted history; the Lettre counts clicks."""
    letters = merged(project_config["newsletters"], {"lettre": {"count_clicks": True}})
    app = build(make_settings(database={"url": database.url}, newsletters=letters),
                {**os.environ, ENV_WEB_SECRET: SECRET})  # fmt: skip
    craft(app, sample_view(app.settings))
    add_user(app, "redaction@exemple.fr", "editor", name="Rédaction")
    add_user(app, "reaap@exemple.fr", "coordinator", ("reaap",), name="Coordination Réaap")
    yield app
    app.close()


@pytest.fixture
def served(counted: App) -> Iterator[str]:
    with serve(create_app(counted)) as url:
        yield url


@contextmanager
def _client(url: str, email: str) -> Iterator[httpx.Client]:
    with http_client(base_url=url, timeout=20) as client:
        assert login(client, email).status_code == 303
        yield client


def test_stats_page_shows_each_chart_with_its_table(served: str) -> None:
    """Each chart is an SVG named by its title and description (role img), without
    script or inline style, followed by a table of the same figures."""
    with _client(served, "redaction@exemple.fr") as client:
        page = client.get(STATS)
    assert page.status_code == 200
    html = page.text
    charts = re.findall(r'<svg [^>]*role="img" aria-labelledby="([^"]+)"', html)
    assert len(charts) >= 9
    for names in charts:
        title, description = names.split()
        assert f'<title id="{title}">' in html and f'<desc id="{description}">' in html
    assert "<script" not in html and ' style="' not in html
    assert html.count("<table>") == len(charts)
    assert '<th scope="row">janvier 2026</th><td class="num">3</td>' in html
    assert "Lettre ne mesure pas qui ouvre ni qui lit" in html


def test_dashboard_has_a_card_per_newsletter(served: str) -> None:
    """The dashboard shows each newsletter's subscribers and last edition, linking to its
    statistics."""
    with _client(served, "redaction@exemple.fr") as client:
        html = client.get("/editeurs/").text
    assert 'href="/editeurs/statistiques/lettre"' in html
    assert "<dt>Dernière édition</dt><dd>n° 3" in html


def test_coordinator_sees_only_their_newsletters(served: str) -> None:
    """A Réaap coordinator reads the Réaap's statistics, not the Lettre's."""
    with _client(served, "reaap@exemple.fr") as client:
        assert client.get("/editeurs/statistiques").headers["location"].endswith("/reaap")
        assert client.get(STATS).status_code == 403
        assert client.get("/editeurs/statistiques/reaap").status_code == 200


def test_tracked_link_redirects_at_once_and_is_counted(served: str, counted: App) -> None:
    """A tracked link answers a redirect to the edition's own link straight away (no page,
    no cookie); anything else is a 404; the count shows on the stats page; the archive page
    of an edition says, as the footer does, that its links are counted and by whom not."""
    key, url = next(iter(view_links(sample_view(counted.settings)).items()))
    edition = 3  # the crafted history's third edition has id 3 on a fresh database
    with http_client(base_url=served, timeout=10) as anonymous:
        answer = anonymous.get(f"/l/{edition}/{key}")
        assert (answer.status_code, answer.headers["location"]) == (302, url)
        assert answer.headers["cache-control"] == "no-store" and "set-cookie" not in answer.headers
        assert anonymous.get(f"/l/{edition}/000000000000").status_code == 404
        assert anonymous.get(f"/l/{edition}/{key}?url=https://malveillant.example").headers[
            "location"] == url  # fmt: skip
    with _client(served, "redaction@exemple.fr") as client:
        html = client.get(STATS).text
    assert "Liens les plus suivis en 2026" in html
    assert re.search(r"n° 3 — " + re.escape(url) + r'</th><td class="num">2</td>', html)
    with counted.database.session() as session:
        number = EditionStore(session).published("lettre")[0].number
    page = http_get(f"{served}/archives/lettre/{number}/", timeout=20).text
    assert COUNTED in " ".join(page.split())


# Chart labels drawn (partly) outside their chart: cut off by the picture's edge.
LABELS_OUTSIDE = """() => [...document.querySelectorAll("svg.pygal-chart")].flatMap(svg => {
  const edge = svg.getBoundingClientRect();
  return [...svg.querySelectorAll(".axis text, .legend text")].filter(text => {
    const box = text.getBoundingClientRect();
    return box.width > 0 && (box.left < edge.left - 1 || box.right > edge.right + 1
                             || box.bottom > edge.bottom + 1);
  }).map(text => svg.id + ": " + text.textContent);
})"""


@pytest.fixture
def browser(served: str) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def test_report_page_prints_and_is_accessible(served: str, browser: Any) -> None:
    """The yearly report, in French with its charts, and the stats page have no serious
    accessibility violation and nothing cut on a phone (charts at a readable size scroll
    in their own box), at desktop and phone widths; the report also as printed."""
    for viewport, name in (
        (DESKTOP, "statistiques-rapport"),
        (PHONE, "statistiques-rapport-mobile"),
    ):
        with watched_tab(browser, viewport) as page:
            log_in(page, served, "redaction@exemple.fr")
            page.goto(served + REPORT)
            assert page.locator("h1").inner_text().startswith("La Lettre de Profession Banlieue")
            assert page.locator("svg[role=img]").count() >= 9
            assert serious_violations(page) == [] and cut_on_phone(page) == []
            shoot(page, name)
            page.emulate_media(media="print")
            shoot(page, name + "-impression")
            page.emulate_media(media="screen")
            page.goto(served + STATS)
            assert serious_violations(page) == [] and cut_on_phone(page) == []
            label = page.locator("#graphique-abonnes .axis.y text").first
            assert label.bounding_box()["height"] >= 10  # a readable label, even on a phone
            assert page.evaluate(LABELS_OUTSIDE) == []
            shoot(page, name.replace("rapport", "page"))
