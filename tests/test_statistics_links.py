"""Aggregate link counts (``count_clicks``): tracked links name the edition and the link,
never a reader; the counter follows only the edition's own links; it stores totals per
link and day, with no column that could hold a person."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa

from newsletter.app import App
from newsletter.editions.models import Edition
from newsletter.errors import NotFoundError
from newsletter.rendering.personalise import PersonalValues
from newsletter.secrets import Secrets
from newsletter.statistics.links import link_id, view_links
from newsletter.statistics.models import LinkClicks
from tests.conftest import merged
from tests.edition_samples import sample_view
from tests.statistics_history import craft

COUNTED = "nous comptons combien de fois chacun est suivi, au total, sans savoir qui clique"


@pytest.fixture
def counting(database: Any, make_settings: Any, project_config: dict[str, Any],
             app_secrets: Secrets) -> App:  # fmt: skip
    """The Lettre counts clicks; its editions carry the sample edition's content."""
    letters = merged(project_config["newsletters"], {"lettre": {"count_clicks": True}})
    return App(make_settings(newsletters=letters), database, app_secrets)


def _edition(app: App, number: int = 3) -> Edition:
    editions = craft(app, sample_view(app.settings))
    with app.database.session() as session:
        edition = session.get(Edition, editions[number])
        assert edition is not None
        return edition


def _personal(number: int) -> PersonalValues:
    return PersonalValues(f"Bonjour n° {number}", f"lecteur{number}@example.org",
                          f"https://x.fr/d/{number}", f"https://x.fr/p/{number}",
                          "https://x.fr/web")  # fmt: skip


def test_tracked_links_name_the_edition_and_the_link_only(counting: App) -> None:
    """Every link of the content goes through /l/EDITION/LINK, the same for every reader;
    the footer and the text part say that clicks are counted, and that nobody is known."""
    edition = _edition(counting)
    with counting.database.session() as session:
        rendered = counting.publishing.render(session, edition)
        own = view_links(counting.publishing.view(session, edition))
    assert len(own) >= 5  # items, registrations, links in the édito
    public = re.escape(counting.settings.organisation.public_url)
    tracked = set(re.findall(public + r"/l/\d+/[0-9a-f]+", rendered.html))
    assert tracked == {f"{counting.settings.organisation.public_url}/l/{edition.id}/{key}"
                       for key in own}  # fmt: skip
    for url in own.values():
        assert f'href="{url}"' not in rendered.html
    first, second = (rendered.personalise(_personal(n)) for n in (1, 2))
    assert set(re.findall(r"/l/[^\"\s<>)]+", first[0])) == set(
        re.findall(r"/l/[^\"\s<>)]+", second[0])
    )
    for shown in (rendered.html, rendered.text):
        assert COUNTED in " ".join(shown.split())


def test_links_go_straight_without_count_clicks(app: App) -> None:
    """By default the links are the items' own and the footer says nothing of clicks."""
    editions = craft(app, sample_view(app.settings))
    with app.database.session() as session:
        edition = session.get(Edition, editions[3])
        assert edition is not None
        rendered = app.publishing.render(session, edition)
    assert "/l/" not in rendered.html and "sans savoir qui clique" not in rendered.html
    with pytest.raises(NotFoundError):
        app.statistics.follow(edition.id, next(iter(view_links(sample_view(app.settings)))))


def test_counter_counts_totals_per_link_and_day(counting: App) -> None:
    """Each follow adds one to the link's total of the day; the rows have no room for a
    person: edition, link, address, day, count."""
    edition = _edition(counting)
    links = view_links(sample_view(counting.settings))
    key, url = next(iter(links.items()))
    assert counting.statistics.follow(edition.id, key) == url
    assert counting.statistics.follow(edition.id, key) == url
    with counting.database.session() as session:
        rows = session.execute(sa.select(LinkClicks.edition_id, LinkClicks.link_id,
                                         LinkClicks.url, LinkClicks.count)).all()  # fmt: skip
    assert rows == [(edition.id, key, url, 2)]
    assert {column.name for column in LinkClicks.__table__.columns} == {
        "id", "edition_id", "link_id", "url", "day", "count"}  # fmt: skip


def test_a_link_not_in_the_edition_is_refused(counting: App) -> None:
    """No open redirect: an address that is not one of the edition's links, or a link of
    another edition, is a 404 and counts nothing."""
    edition = _edition(counting)
    with pytest.raises(NotFoundError):
        counting.statistics.follow(edition.id, link_id("https://malveillant.example/"))
    with pytest.raises(NotFoundError):
        counting.statistics.follow(
            edition.id + 100, next(iter(view_links(sample_view(counting.settings))))
        )
    with counting.database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(LinkClicks)) == 0


def test_a_preview_link_goes_through_uncounted(counting: App) -> None:
    """Before the edition goes out (previews, test sends) its links lead where they
    should, and nothing is counted."""
    edition = _edition(counting)
    with counting.database.session() as session:
        stored = session.get(Edition, edition.id)
        assert stored is not None
        stored.state = "approved"
    key, url = next(iter(view_links(sample_view(counting.settings)).items()))
    assert counting.statistics.follow(edition.id, key) == url
    with counting.database.session() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(LinkClicks)) == 0
