"""The rendered edition in a real browser (Debian's headless Chromium): desktop and mobile.

Screenshots are saved under tests/artifacts/ (ignored by git) for a human to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from newsletter.rendering.context import EditionView
from newsletter.rendering.renderer import Renderer
from newsletter.services.publishing import Publishing
from newsletter.settings import Settings, load_settings
from tests.conftest import ROOT
from tests.edition_samples import sample_edition, sample_view
from tests.web.chromium import ARTIFACTS, chromium

# The 600 px column MJML lays out (the outermost element with that maximum width).
COLUMN_WIDTH = """() => {
  const column = [...document.querySelectorAll('div')]
    .find(div => div.style.maxWidth === '600px');
  return column.getBoundingClientRect().width;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(ROOT / "config.toml", environ={})


def view_for(settings: Settings, template: str) -> EditionView:
    view = sample_view(settings)
    if template == "lettre":
        return view
    reaap = settings.newsletter("reaap")
    return replace(view, template=template, title=reaap.title, description=reaap.description)


def open_page(browser: Browser, page: Path, width: int) -> Page:
    opened = browser.new_page(viewport={"width": width, "height": 900})
    opened.goto(page.as_uri())
    return opened


@pytest.mark.parametrize("template", ["lettre", "reseaux"])
def test_edition_renders_on_desktop_and_mobile(
    browser: Browser, settings: Settings, template: str, tmp_path: Path
) -> None:
    """The page shows its title, a 600 px column on desktop and no sideways scroll on mobile."""
    view = view_for(settings, template)
    renderer = Renderer(ROOT / "templates" / "email", settings.rendering)
    rendered = renderer.render(view)
    page = Publishing(settings, renderer).write_rendered(sample_edition(), rendered, tmp_path).page
    ARTIFACTS.mkdir(exist_ok=True)

    desktop = open_page(browser, page, 800)
    assert desktop.title() == view.subject
    masthead = desktop.locator("h1")
    assert masthead.is_visible() and masthead.inner_text() == view.title
    assert desktop.get_by_text("Se désabonner").is_visible()
    assert desktop.get_by_text("15 rue Catulienne, 93200 Saint-Denis").is_visible()
    assert desktop.evaluate(COLUMN_WIDTH) == 600
    desktop.screenshot(path=ARTIFACTS / f"{template}-desktop.png", full_page=True)
    desktop.close()

    mobile = open_page(browser, page, 375)
    assert mobile.locator("h1").is_visible()
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 375
    assert mobile.evaluate(COLUMN_WIDTH) <= 375
    padding = mobile.evaluate("getComputedStyle(document.querySelector('td.pad')).paddingLeft")
    assert padding == "22px"  # the @media rule kept after inlining applies
    mobile.screenshot(path=ARTIFACTS / f"{template}-mobile.png", full_page=True)
    mobile.close()
