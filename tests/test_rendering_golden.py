"""Golden files: the fixed edition's text part and HTML structure stay as reviewed.

The HTML is compared as an outline (one line per element with its meaningful attributes,
and the texts), not byte for byte: a change of inline style does not break the test, a lost
rubrique, link or heading does. After an intended change, regenerate the files and review
the diff before committing:

    LETTRE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_rendering_golden.py
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from newsletter.rendering.personalise import PersonalValues
from newsletter.rendering.renderer import Renderer
from newsletter.settings import Settings, load_settings
from tests.edition_samples import sample_view

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("LETTRE_UPDATE_GOLDEN") == "1"
VALUES = PersonalValues(
    greeting="Bonjour Mme Dupont,",
    addressed=", à l’adresse claire.dupont@exemple.fr",
    unsubscribe_url="https://lettre.exemple.fr/desabonnement/TOKEN",
    preferences_url="https://lettre.exemple.fr/preferences/TOKEN",
    web_url="https://lettre.exemple.fr/archives/lettre/87/",
)
KEPT_ATTRIBUTES = ("lang", "role", "href", "alt", "src", "name", "content", "class", "width")
VOID = {"meta", "img", "br", "hr", "link", "input"}


class Outline(HTMLParser):
    """Elements as indented lines (tag, kept attributes), texts as quoted lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kept = " ".join(f'{name}="{value}"' for name, value in attrs if name in KEPT_ATTRIBUTES)
        self.lines.append("  " * self.depth + (f"<{tag} {kept}>" if kept else f"<{tag}>"))
        if tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text:
            self.lines.append("  " * self.depth + f"“{text}”")


def outline(html: str) -> str:
    """The HTML without conditional comments (Outlook) and style blocks, as an outline."""
    html = re.sub(r"<!--.*?-->", "", html, flags=re.DOTALL)
    html = re.sub(r"<style[^>]*>.*?</style>", "", html, flags=re.DOTALL)
    parser = Outline()
    parser.feed(html)
    return "\n".join(parser.lines) + "\n"


def check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    if not path.exists():
        pytest.fail(f"{path} missing: run with LETTRE_UPDATE_GOLDEN=1 and review it")
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs (see module docstring)"


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(ROOT / "config.toml", environ={})


def test_text_part_matches_golden(settings: Settings) -> None:
    """The fixed edition's text part, personalised, is exactly the reviewed one."""
    rendered = Renderer(ROOT / "templates" / "email", settings.rendering).render(
        sample_view(settings)
    )
    check("lettre-87.txt", rendered.personalise(VALUES)[1])


def test_html_outline_matches_golden(settings: Settings) -> None:
    """The fixed edition's HTML has exactly the reviewed structure, links and texts."""
    rendered = Renderer(ROOT / "templates" / "email", settings.rendering).render(
        sample_view(settings)
    )
    check("lettre-87.outline.txt", outline(rendered.personalise(VALUES)[0]))


def test_variant_outline_matches_golden(settings: Settings) -> None:
    """A variant (theme "habitat") has exactly the reviewed structure."""
    rendered = Renderer(ROOT / "templates" / "email", settings.rendering).render(
        sample_view(settings), frozenset({"habitat"})
    )
    check("lettre-87-habitat.outline.txt", outline(rendered.personalise(VALUES)[0]))
