"""Images named by partners' feeds (enclosure, media:content, the summary's first image)
are downloaded once through the fetcher's limits, re-encoded and served from the centre's
address; one without alternative text waits for an editor; a bad one is set aside."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from newsletter.accounts.permissions import OPERATOR
from newsletter.app import App
from newsletter.db import Database
from newsletter.images.models import Image, ItemImage
from newsletter.images.store import ImageStore
from newsletter.secrets import Secrets
from newsletter.services.illustrated import illustrated
from newsletter.settings import Settings
from tests.edition_samples import sample_view
from tests.gathering import item, partners, rss
from tests.images import SVG, photo

MEDIA = "http://search.yahoo.com/mrss/"


def feed(base: str) -> bytes:
    return rss(
        item("Une fresque à Bondy", guid="a", link="https://p.exemple.fr/a",
             extra=f'<enclosure url="{base}/fresque.jpg" type="image/jpeg" length="1"/>'),
        item("Un jardin à Sevran", guid="b", link="https://p.exemple.fr/b",
             extra=f'<media:content url="{base}/jardin.webp" medium="image"/>'),
        item("Un forum à Bobigny", guid="c", link="https://p.exemple.fr/c",
             body=f'&lt;p&gt;&lt;img src="{base}/forum.png" alt="Le forum des associations"&gt;'
                  "Le forum revient.&lt;/p&gt;"),
        item("Même fresque", guid="d", link="https://p.exemple.fr/d",
             extra=f'<enclosure url="{base}/fresque.jpg" type="image/jpeg" length="1"/>'),
        item("Un dessin", guid="e", link="https://p.exemple.fr/e",
             extra=f'<enclosure url="{base}/dessin.svg" type="image/svg+xml" length="1"/>'),
        item("Une photo perdue", guid="f", link="https://p.exemple.fr/f",
             extra=f'<enclosure url="{base}/absente.jpg" type="image/jpeg" length="1"/>'),
        item("Un piège", guid="g", link="https://p.exemple.fr/g",
             body=f'&lt;img src="{base}/piege.png" onerror="alert(1)"&gt;Rien.'),
        head="",
    ).replace(b"<rss ", f'<rss xmlns:media="{MEDIA}" '.encode(), 1)  # fmt: skip


def test_feed_images_are_downloaded_once(
    database: Database, make_settings: Callable[..., Settings], app_secrets: Secrets
) -> None:
    """Each address is fetched once, even named by two items and gathered twice; an SVG and
    a missing file are set aside with the reason, a scripted <img> is not even fetched; the
    feed's alt text is kept, and an image without one is not shown until an editor
    describes it."""
    with partners(database, make_settings) as found:
        server = found.server
        server.add("/fresque.jpg", "image/jpeg", photo(1200, 800, "JPEG"))
        server.add("/jardin.webp", "image/webp", photo(900, 600, "WEBP"))
        server.add("/forum.png", "image/png", photo(640, 480, "PNG"))
        server.add("/dessin.svg", "image/svg+xml", SVG)
        found.publish("partenaire", feed(server.base_url))
        found.gather()
        app = App(found.settings, database, app_secrets)
        line = app.illustrations.after_gathering()
        assert line == "4 image(s) d’élément enregistrée(s), 2 en échec"
        found.gather()
        assert app.illustrations.after_gathering() == ""
        fetched = [path for _, path, _ in server.requests if not path.startswith("/partenaire")]
        assert sorted(fetched) == ["/absente.jpg", "/dessin.svg", "/forum.png", "/fresque.jpg",
                                   "/jardin.webp"]  # fmt: skip
        by_title = {stored.title: stored.id for stored in found.items()}

    with database.session() as session:
        links = {link.item_id: link for link in session.scalars(sa.select(ItemImage))}
        images = ImageStore(session).of_items(by_title.values())
        assert session.scalar(sa.select(sa.func.count()).select_from(Image)) == 3
        assert images[by_title["Une fresque à Bondy"]].id == images[by_title["Même fresque"]].id
        assert images[by_title["Un forum à Bobigny"]].alt == "Le forum des associations"
        assert images[by_title["Un jardin à Sevran"]].alt == ""
        assert "SVG" in links[by_title["Un dessin"]].failure
        assert "404" in links[by_title["Une photo perdue"]].failure
        view = illustrated(sample_view(found.settings), session, "https://lettre.exemple.fr")
        assert view.organisation.logo is None

    forum, garden = by_title["Un forum à Bobigny"], by_title["Un jardin à Sevran"]
    assert app.illustrations.image_of(forum) is not None
    app.illustrations.describe_item_image(OPERATOR, garden, "Des bacs de légumes")
    shown = app.illustrations.image_of(garden)
    assert shown is not None and shown.alt == "Des bacs de légumes"
    assert shown.src2x.startswith(f"{found.settings.organisation.public_url}/images/")
