"""The archive: an edition's files (page, text, preview message) and the Atom feed."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser

from newsletter.archive.feed import ArchivedEdition, archive_feed, summary
from newsletter.rendering.renderer import Renderer
from newsletter.services.publishing import Publishing
from newsletter.settings import load_settings
from tests.edition_samples import sample_edition, sample_view

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "https://lettre.exemple.fr"
NOW = datetime(2027, 2, 1, 12, tzinfo=UTC)


def test_edition_files(tmp_path: Path) -> None:
    """index.html and message.txt carry no personal link; preview.eml is a complete message."""
    settings = load_settings(ROOT / "config.toml", environ={})
    settings = settings.model_copy(update={
        "organisation": settings.organisation.model_copy(update={"public_url": PUBLIC}),
        "newsletters": {**settings.newsletters, "lettre": settings.newsletter("lettre").model_copy(
            update={"reply_to": "doc@exemple.fr"})},
    })  # fmt: skip
    renderer = Renderer(ROOT / "templates" / "email", settings.rendering)
    rendered = renderer.render(sample_view(settings))
    publishing = Publishing(settings, renderer)
    written = publishing.write_rendered(sample_edition(), rendered, tmp_path / "lettre-87")

    page = written.page.read_text(encoding="utf-8")
    text = written.text.read_text(encoding="utf-8")
    for part in (page, text):
        assert "%%" not in part and "Bonjour," in part and "Mme Dupont" not in part
        assert f"{PUBLIC}/abonnement" in part and "desabonnement" not in part
        assert "à l’adresse" not in part and "Responsable du traitement" in part
    assert f'href="{PUBLIC}/archives/lettre/feed.atom"' in page

    message = email.message_from_bytes(written.preview.read_bytes(), policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == rendered.subject and "=?utf-8?" in str(
        written.preview.read_bytes()[:300]
    )
    assert message["Reply-To"] == "doc@exemple.fr" and message["MIME-Version"] == "1.0"
    plain, html = message.iter_parts()
    assert plain.get_content_type() == "text/plain" and html.get_content_type() == "text/html"
    assert plain.get_content_charset() == html.get_content_charset() == "utf-8"
    assert "Bonjour Mme Dupont," in plain.get_content()
    assert "Bonjour Mme Dupont," in html.get_content()
    assert f"{PUBLIC}/desabonnement/EXEMPLE" in html.get_content()


def test_atom_feed_of_sent_editions() -> None:
    """The archive feed is valid Atom: one entry per sent edition, newest first, permanent ids."""
    sent = datetime(2026, 11, 3, 9, tzinfo=ZoneInfo("Europe/Paris"))
    editions = [
        ArchivedEdition(87, "La Lettre n° 87 — novembre-décembre 2026", "Au sommaire : A", sent),
        ArchivedEdition(
            88,
            "La Lettre n° 88 — janvier-février 2027",
            "Au sommaire : B & C",
            sent + timedelta(days=63),
        ),
    ]
    xml = archive_feed(PUBLIC, "lettre", "La Lettre", "Profession Banlieue", editions, NOW)
    parsed = feedparser.parse(xml)
    assert not parsed.bozo
    assert parsed.feed.title == "La Lettre" and parsed.feed.language == "fr"
    assert [entry.id for entry in parsed.entries] == [
        f"{PUBLIC}/archives/lettre/88/",
        f"{PUBLIC}/archives/lettre/87/",
    ]
    assert parsed.entries[0].summary == "Au sommaire : B & C"
    assert parsed.entries[0].link == f"{PUBLIC}/archives/lettre/88/"
    assert parsed.feed.updated.startswith("2027-01-05")


def test_empty_feed_is_dated_now() -> None:
    """A newsletter with no edition sent yet has a feed dated when it is read, not 1970."""
    parsed = feedparser.parse(archive_feed(PUBLIC, "reaap", "Réaap", "PB", [], NOW))
    assert not parsed.bozo and parsed.entries == []
    assert parsed.feed.updated.startswith("2027-02-01") and "1970" not in parsed.feed.updated


def test_entry_summary_opens_with_the_edito_and_lists_the_rubriques() -> None:
    """An entry's summary is the édito's first lines, shortened, then the rubriques."""
    settings = load_settings(ROOT / "config.toml", environ={})
    text = summary(sample_view(settings))
    opening, contents = text.split("\n\n")
    assert opening.startswith("Chères lectrices, chers lecteurs, Les Rencontres")
    assert len(opening) <= 301
    assert contents.startswith("Au sommaire : Édito · Fiches d’expérience · Rendez-vous")
