"""The rendering pipeline: Jinja2 → MJML → inlined HTML, the text part, email quality."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from newsletter.dispatch.lines import filled_octets, wire_html
from newsletter.errors import RenderError
from newsletter.rendering.context import ImageView
from newsletter.rendering.personalise import PersonalValues
from newsletter.rendering.renderer import Rendered, Renderer
from newsletter.settings import Settings, load_settings
from tests.edition_samples import sample_edition, sample_view

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates" / "email"
VALUES = PersonalValues(
    greeting="Bonjour Mme Dupont,",
    addressed=", à l’adresse claire.dupont@exemple.fr",
    unsubscribe_url="https://lettre.exemple.fr/desabonnement/abc?x=1&y=2",
    preferences_url="https://lettre.exemple.fr/preferences/abc",
    web_url="https://lettre.exemple.fr/archives/lettre/87/",
)
CONDITIONAL = re.compile(r"<!--\[if.*?<!\[endif\]-->", re.DOTALL)


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(ROOT / "config.toml", environ={})


@pytest.fixture(scope="module")
def renderer(settings: Settings) -> Renderer:
    return Renderer(TEMPLATES, settings.rendering)


@pytest.fixture(scope="module")
def rendered(renderer: Renderer, settings: Settings) -> Rendered:
    return renderer.render(sample_view(settings))


def test_no_mjml_tag_survives(rendered: Rendered) -> None:
    """Every MJML component is compiled away: no ``<mj-`` tag is left in the HTML."""
    assert rendered.html.startswith("<!DOCTYPE html>")
    assert "<mj-" not in rendered.html


def test_unknown_mjml_tag_is_refused(tmp_path: Path, settings: Settings) -> None:
    """mjml-python copies unknown ``mj-`` tags silently; the renderer refuses them instead."""
    shutil.copytree(TEMPLATES, tmp_path, dirs_exist_ok=True)
    base = tmp_path / "base.mjml.j2"
    base.write_text(
        base.read_text(encoding="utf-8").replace("<mj-spacer", "<mj-spaceur"), encoding="utf-8"
    )
    with pytest.raises(RenderError, match="mj-spaceur"):
        Renderer(tmp_path, settings.rendering).render(sample_view(settings))


def test_broken_template_is_a_render_error(tmp_path: Path, settings: Settings) -> None:
    """A template using an unknown variable fails loudly (StrictUndefined), naming the file."""
    shutil.copytree(TEMPLATES, tmp_path, dirs_exist_ok=True)
    (tmp_path / "lettre.txt.j2").write_text("{{ edition.nonexistent }}", encoding="utf-8")
    with pytest.raises(RenderError, match=r"lettre\.txt\.j2"):
        Renderer(tmp_path, settings.rendering).render(sample_view(settings))


def test_styles_are_inlined(rendered: Rendered) -> None:
    """The mj-style rules land in style attributes; only @media rules stay in a style block."""
    title = re.search(r"<h3[^>]*>", rendered.html)
    assert title and "font-family:Georgia" in title.group()
    rubrique = re.search(r"<h2[^>]*>", rendered.html)
    assert rubrique and "text-transform:uppercase" in rubrique.group()
    outside_outlook = CONDITIONAL.sub("", rendered.html)
    blocks = re.findall(r"<style[^>]*>(.*?)</style>", outside_outlook, re.DOTALL)
    assert blocks and all(block.lstrip().startswith("@media") for block in blocks)
    assert "item-excerpt" not in outside_outlook  # classes no @media rule uses are dropped


def test_inline_mj_style_is_inlined_too(tmp_path: Path, settings: Settings) -> None:
    """A template's ``mj-style inline="inline"`` (left in the head by mjml-python) is inlined."""
    shutil.copytree(TEMPLATES, tmp_path, dirs_exist_ok=True)
    base = tmp_path / "base.mjml.j2"
    source = base.read_text(encoding="utf-8")
    source = source.replace(
        "</mj-head>", '<mj-style inline="inline">.greeting { color: #123456; }</mj-style></mj-head>'
    )
    base.write_text(source, encoding="utf-8")
    html = Renderer(tmp_path, settings.rendering).render(sample_view(settings)).html
    greeting = re.search(r"<p[^>]*>%%GREETING%%", html)
    assert greeting and "color:#123456" in greeting.group()
    assert ".greeting" not in CONDITIONAL.sub("", html)


def test_email_markup_is_accessible(rendered: Rendered) -> None:
    """lang="fr", role="presentation" on every table, color-scheme meta, a 600 px body."""
    html = " ".join(rendered.html.split())  # long lines are folded between attributes
    assert re.search(r'<html[^>]*\blang="fr"', html)
    tables = re.findall(r"<table[^>]*>", html)
    assert tables and all('role="presentation"' in table for table in tables)
    assert '<meta name="color-scheme" content="light">' in html
    assert '<meta name="supported-color-schemes" content="light">' in html
    assert "max-width:600px" in html
    assert "display:flex" not in html and "display:grid" not in html


def test_preheader_is_hidden_text(rendered: Rendered) -> None:
    """The preheader opens the body as hidden text, once, padded so that inbox snippets stop
    there; no visible line repeats it; by default it lists the first titles."""
    body = rendered.html.split("<body", 1)[1]
    hidden = re.search(
        r'<div style="display:none;[^"]*"[^>]*>([^<]*?)((?:\u034f\u200c&nbsp; ?)+)</div>', body
    )
    assert hidden and " ".join(hidden.group(1).split()) == rendered.preheader
    assert hidden.group(2).count("\u200c") >= 50
    assert body.count(rendered.preheader[:40]) == 1
    assert "color:" not in hidden.group(0)  # no text coloured like its background
    assert rendered.preheader.startswith("Au sommaire : D.A.M.E.S.")


def test_logo_has_alternative_text(settings: Settings) -> None:
    """A logo is an image of the centre's own address, shown at its width from its 2×
    file, with its alt text."""
    logo = ImageView(src="https://lettre.exemple.fr/images/ab-1x.png",
                     src2x="https://lettre.exemple.fr/images/ab-2x.png", width=180, height=60,
                     alt="Profession Banlieue")  # fmt: skip
    view = replace(
        sample_view(settings), organisation=replace(sample_view(settings).organisation, logo=logo)
    )
    html = Renderer(TEMPLATES, settings.rendering).render(view).html
    images = re.findall(r"<img[^>]*>", html)
    assert images and all('alt="Profession Banlieue"' in image for image in images)
    assert 'src="https://lettre.exemple.fr/images/ab-2x.png"' in images[0]
    assert 'width="180"' in images[0]


def test_footer_shows_identity_and_links(rendered: Rendered) -> None:
    """Every email shows the sender's postal identity and visible unsubscribe/preferences links."""
    html, text = rendered.personalise(VALUES)
    assert "15 rue Catulienne, 93200 Saint-Denis" in html and "Profession Banlieue" in html
    assert ">Se désabonner</a>" in html and ">Gérer mes préférences</a>" in html
    assert "15 rue Catulienne, 93200 Saint-Denis" in text
    assert f"Se désabonner : {VALUES.unsubscribe_url}" in text


def test_markers_survive_mjml_and_inlining(rendered: Rendered) -> None:
    """Each marker comes out of MJML and css-inline intact, in both parts."""
    for marker in ("%%GREETING%%", "%%UNSUBSCRIBE_URL%%", "%%PREFERENCES_URL%%", "%%WEB_URL%%"):
        assert marker in rendered.html and marker in rendered.text
    assert 'href="%%UNSUBSCRIBE_URL%%"' in rendered.html


def test_personalise_fills_and_escapes(rendered: Rendered) -> None:
    """Personal values replace every marker, escaped in HTML and verbatim in text."""
    html, text = rendered.personalise(VALUES)
    assert "%%" not in html and "%%" not in text
    assert 'href="https://lettre.exemple.fr/desabonnement/abc?x=1&amp;y=2"' in html
    assert "https://lettre.exemple.fr/desabonnement/abc?x=1&y=2" in text
    assert "Bonjour Mme Dupont," in html and "Bonjour Mme Dupont," in text
    hostile = replace(VALUES, greeting='Bonjour <script>alert("x")</script>,')
    html, _ = rendered.personalise(hostile)
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_content_cannot_forge_a_marker(renderer: Renderer, settings: Settings) -> None:
    """A feed title containing a marker is shown, never replaced by someone's link."""
    edition = sample_edition()
    edition.entries[0].item.title = "Gagnez ici %%UNSUBSCRIBE_URL%%"
    rendered = renderer.render(sample_view(settings, edition))
    html, text = rendered.personalise(VALUES)
    assert "Gagnez ici " in html and "Gagnez ici https://" not in html
    assert "Gagnez ici https://" not in text


def test_only_web_and_mail_links_reach_the_email(renderer: Renderer, settings: Settings) -> None:
    """An item whose link is not http(s) or mailto (``javascript:``…) is shown without link."""
    edition = sample_edition()
    edition.entries[0].item.url = "javascript:alert(1)"
    edition.entries[3].item.registration_url = "JavaScript:alert(2)"
    rendered = renderer.render(sample_view(settings, edition))
    assert "javascript" not in rendered.html.lower() and "javascript" not in rendered.text.lower()
    assert "D.A.M.E.S. : des femmes dans les métiers du bâtiment" in rendered.html


def test_variant_keeps_themed_items_of_its_themes(renderer: Renderer, settings: Settings) -> None:
    """A variant shows items of its themes and items without theme; rubriques left empty go."""
    everything = renderer.render(sample_view(settings))
    habitat = renderer.render(sample_view(settings), frozenset({"habitat"}))
    assert "Des murs aux toits" in habitat.text and "D.A.M.E.S." not in habitat.text
    assert "Le centre de documentation change d’horaires" in habitat.text  # no theme: for all
    assert "RENDEZ-VOUS" in everything.text and "RENDEZ-VOUS" not in habitat.text
    assert "ÉDITO" in habitat.text and "MOUVEMENTS" in habitat.text  # editors' texts stay


def test_empty_rubriques_are_left_out(renderer: Renderer, settings: Settings) -> None:
    """A rubrique with no item and no text does not appear, not even in the summary."""
    rendered = renderer.render(sample_view(settings, sample_edition(mouvements="")))
    assert "MOUVEMENTS" not in rendered.text and "Mouvements" not in rendered.html


def test_size_warning_names_the_largest_rubrique(settings: Settings) -> None:
    """Over the size limit the rendering warns and names its heaviest rubrique."""
    small = settings.rendering.model_copy(update={"max_html_bytes": 10_000})
    rendered = Renderer(TEMPLATES, small).render(sample_view(settings))
    assert rendered.size > 10_000
    key, size = rendered.largest_section  # type: ignore[misc]
    assert key == "rendez-vous" and size == max(size for _, size in rendered.section_sizes)
    assert len(rendered.warnings) == 1 and "rendez-vous" in rendered.warnings[0]
    assert "<!--section:" not in rendered.html


def test_default_size_has_no_warning(rendered: Rendered) -> None:
    """A normal edition stays well under the limit: no warning."""
    assert rendered.size < rendered.max_size and rendered.warnings == ()


def test_text_part_is_readable(rendered: Rendered) -> None:
    """The text part: rubriques in capitals, French dates, URLs whole, lines wrapped."""
    text = rendered.text
    assert "RENDEZ-VOUS\n-----------" in text
    assert "* Jeu. 26 novembre — Les Rencontres" in text
    assert "Jeudi 26 novembre 2026, 9 h 30 – 17 h" in text
    assert "  https://www.professionbanlieue.org/fiche/des-murs-aux-toits" in text
    assert re.search(r"notre\s+site\s+\(https://www.professionbanlieue.org/rencontres\)", text)
    assert all(len(line) <= 72 or "://" in line for line in text.splitlines())
    assert "<" not in text.replace("<script>", "")


def test_cancelled_and_changed_rendez_vous_are_flagged(rendered: Rendered) -> None:
    """An announced rendez-vous that moved or was cancelled is flagged in both parts."""
    assert "[ANNULÉ] Esprit critique" in rendered.text
    assert "[MODIFIÉ] Forum des conseils citoyens" in rendered.text
    assert ">Annulé</span>" in rendered.html and ">Modifié</span>" in rendered.html


def test_all_day_event_spans_days(rendered: Rendered) -> None:
    """A multi-day all-day event says until when (iCalendar's exclusive end day)."""
    assert "Jeudi 19 novembre 2026, jusqu’au vendredi 20 novembre 2026" in rendered.text


def test_no_wire_html_line_is_too_long_for_8bit(rendered: Rendered) -> None:
    """The HTML a variant goes on the wire with (dispatch.lines) has lines under 800 octets
    even once each marker holds a long link, so messages go as 8bit, not re-encoded per
    recipient; folding only adds line breaks."""
    wire = wire_html(rendered.html)
    assert max(filled_octets(line) for line in wire.split("\n")) <= 800
    assert max(filled_octets(line) for line in rendered.html.split("\n")) > 800
    assert wire.replace("\n", "").replace(" ", "") == rendered.html.replace("\n", "").replace(
        " ", ""
    )


def test_no_wire_html_line_starts_with_a_dot(rendered: Rendered) -> None:
    """No HTML line on the wire starts with a dot (the CSS rules are indented), so messages
    need no SMTP dot-stuffing pass; the styles are unchanged."""
    wire = wire_html(rendered.html)
    assert not any(line.startswith(".") for line in wire.split("\n"))
    assert "\n ." in wire
