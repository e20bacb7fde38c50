"""Feeds read as partners publish them: broken XML repaired with a warning, harmless
entities read and dangerous ones refused, links as published and web links only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from newsletter.content.models import Item, ItemSource
from newsletter.db import Database
from newsletter.errors import InputError
from newsletter.settings import Settings
from newsletter.sources.editorial import parse_record
from tests.gathering import ICS_TYPE, calendar, item, partners, rss

DATE = "Tue, 04 Mar 2025 09:00:00 +0100"


def three(site: str, first_title: str = "Réunion des parents", query: str = "") -> bytes:
    return rss(
        item(first_title, "1", f"https://{site}/1{query}", DATE, f"<p>Première {site}</p>"),
        item("Deuxième annonce", "2", f"https://{site}/2", DATE, f"<p>Deuxième {site}</p>"),
        item("Troisième annonce", "3", f"https://{site}/3", DATE, f"<p>Troisième {site}</p>"),
    )


def test_broken_feeds_keep_their_complete_entries(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    """An HTML entity, a bare "&" or a truncated tail no longer loses the whole feed: the
    complete entries are stored and the source says it was repaired."""
    truncated = three("c.fr")
    cut = truncated.index(b"<title>Troisi") + 10
    with partners(database, make_settings) as sources:
        sources.publish("entity", three("a.fr", "R&eacute;union&nbsp;des parents"))
        sources.publish("ampersand", three("b.fr", query="?id=1&page=2"))
        sources.publish("truncated", truncated[:cut])
        reports = sources.gather()
        stored = sources.items()
    for key in ("entity", "ampersand", "truncated"):
        assert reports[key].ok, reports[key].error
        (warning,) = reports[key].warnings
        assert warning.startswith("flux réparé : XML mal formé ligne "), warning
    assert "entité HTML inconnue" in reports["entity"].warnings[0]
    assert "1 entrée(s) incomplète(s) ignorée(s)" in reports["truncated"].warnings[0]
    assert [reports[key].saved.new for key in ("entity", "ampersand", "truncated")] == [3, 3, 2]
    titles = {i.url: i.title for i in stored}
    assert titles["https://a.fr/1"] == "Réunion des parents"  # &eacute; and &nbsp; decoded
    assert "https://b.fr/1?id=1&page=2" in {i.url for i in stored}


def entities_feed(head: str, title: str = "Lettre &pb;") -> bytes:
    return rss(item(title, "e1", f"https://a.fr/{len(head)}", DATE), head=head)


BOMB = (
    '<!DOCTYPE rss [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n > 1 else "&lol;" * 10}">'
              for n in range(1, 10))
    + "]>"
)  # fmt: skip


def test_entity_declarations(database: Database, make_settings: Callable[..., Settings]) -> None:
    """A feed declaring a few plain entities in its DOCTYPE is read, entities expanded; one
    declaring external or nested entities, or one whose expansion would be huge, is refused,
    wherever the declaration is (here after 70 KiB of comment)."""
    padding = "<!--" + "x" * 70_000 + "-->"
    plain = '<!DOCTYPE rss [\n<!ENTITY pb "Profession Banlieue">\n<!ENTITY nbsp "&#160;">\n]>'
    quadratic = f'<!DOCTYPE rss [<!ENTITY big "{"x" * 1000}">]>'
    with partners(database, make_settings) as sources:
        sources.publish("plain", entities_feed(plain, "Lettre de &pb;&nbsp;!"))
        sources.publish("plain-line", entities_feed(plain.replace("\n", "")))
        sources.publish("bomb", entities_feed(padding + BOMB, "&lol9;"))
        sources.publish("external", entities_feed(
            padding + '<!DOCTYPE rss [<!ENTITY pb SYSTEM "file:///etc/passwd">]>'))  # fmt: skip
        sources.publish("quadratic", entities_feed(quadratic, "&big;" * 1100))
        reports = sources.gather()
        stored = sources.items()
    assert [i.title for i in stored] == [
        "Lettre de Profession Banlieue !",
        "Lettre Profession Banlieue",
    ]
    assert not reports["plain"].warnings
    assert "entités XML externes, paramétrées ou imbriquées" in reports["bomb"].error
    assert "entités XML externes, paramétrées ou imbriquées" in reports["external"].error
    assert "agrandiraient démesurément" in reports["quadratic"].error


def test_links_are_published_web_links(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    """Readers get the link the partner published, made absolute against xml:base or the
    channel's link (not the feed's address); javascript: and data: links are dropped with
    a warning, from feeds and calendars alike, and stored nowhere."""
    spip = rss(
        item("Article SPIP", "s1", "spip.php?article12", DATE,
             '<a href="spip.php?rubrique3">rubrique</a> <a href="javascript:alert(1)">x</a>'),
        item("Page avec ancre", "s2", "https://b.fr/page/#haut", DATE),
        item("Lien piégé", "s3", "javascript:alert(document.cookie)", DATE),
        item("Lien en données", "s4", "data:text/html;base64,PHNjcmlwdD4=", DATE),
        link="https://b.fr/site/",
    )  # fmt: skip
    atom = (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        b'xml:base="https://c.fr/blog/"><title>C</title><link href="https://autre.fr/"/>'
        b"<updated>2025-03-04T09:00:00Z</updated><entry><title>Billet</title>"
        b'<link href="2025/billet"/><id>urn:c:1</id><updated>2025-03-04T09:00:00Z</updated>'
        b"</entry></feed>"
    )
    event = """UID:e1
SUMMARY:Rendez-vous piégé
DTSTART:20300101T100000
URL:javascript:alert(1)"""
    with partners(database, make_settings) as sources:
        sources.publish("spip", spip)
        sources.publish("atom", atom, "application/atom+xml")
        sources.publish("agenda", calendar(event), ICS_TYPE, type="ical")
        reports = sources.gather()
        links = {i.title: i.url for i in sources.items()}
        with database.session() as session:
            stored = [*session.scalars(sa.select(Item.url)), *session.scalars(
                sa.select(Item.registration_url)), *session.scalars(sa.select(ItemSource.url)),
                *session.scalars(sa.select(Item.summary))]  # fmt: skip
    assert links == {
        "Article SPIP": "https://b.fr/site/spip.php?article12",
        "Page avec ancre": "https://b.fr/page/#haut",
        "Lien piégé": "",
        "Lien en données": "",
        "Billet": "https://c.fr/blog/2025/billet",
        "Rendez-vous piégé": "",
    }
    assert reports["spip"].warnings == [
        "2 lien(s) non http(s) ignoré(s), ex. « javascript:alert(document.cookie) »"
    ]
    assert reports["agenda"].warnings == [
        "1 lien(s) non http(s) ignoré(s), ex. « javascript:alert(1) »"
    ]
    assert all("javascript:" not in value and "data:" not in value for value in stored)
    assert any('href="https://b.fr/site/spip.php?rubrique3"' in value for value in stored)


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,x", "JaVa\tScript:x"])
def test_editorial_input_refuses_other_links(make_settings: Callable[..., Settings],
                                             link: str) -> None:  # fmt: skip
    """What editors type (file, web form, API) with a link that is not http(s) is refused
    with one French line, never stored."""
    settings = make_settings()
    with pytest.raises(InputError, match="adresse http"):
        parse_record({"kind": "fiche", "title": "Essai", "url": link},
                     settings.classification, settings.fetch.timezone)  # fmt: skip
