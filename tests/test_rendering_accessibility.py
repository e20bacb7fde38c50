"""Every newsletter template meets WCAG AA contrast and is at least 14 px on mobile, as
computed by a real browser (Debian's Chromium) from the rendered HTML."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from newsletter.rendering.context import EditionView, ImageView
from newsletter.rendering.renderer import Renderer
from newsletter.settings import Settings, load_settings
from tests.contrast import AA_LARGE, AA_TEXT, is_large, ratio
from tests.edition_samples import sample_view
from tests.test_rendering_golden import VALUES
from tests.web.chromium import chromium

ROOT = Path(__file__).resolve().parent.parent
MOBILE, DESKTOP = 375, 1280
MIN_MOBILE_PX = 14
NEWSLETTERS = sorted(load_settings(ROOT / "config.toml", environ={}).newsletters)
# Every visible element holding text of its own: its colours (background: the nearest
# opaque one of the element and its ancestors) and its font.
TEXTS = """() => {
  const opaque = (css) => css !== 'transparent' && !/rgba\\(.*,\\s*0\\)$/.test(css);
  const found = [];
  for (const element of document.body.querySelectorAll('*')) {
    const own = [...element.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim());
    if (!own.length || !element.getClientRects().length) continue;
    const style = getComputedStyle(element);
    if (style.visibility === 'hidden' || style.opacity === '0') continue;
    let background = 'rgb(255, 255, 255)';
    for (let at = element; at; at = at.parentElement) {
      const css = getComputedStyle(at).backgroundColor;
      if (opaque(css)) { background = css; break; }
    }
    found.push({text: own.map(n => n.textContent.trim()).join(' ').slice(0, 60),
                color: style.color, background, size: parseFloat(style.fontSize),
                weight: parseInt(style.fontWeight, 10)});
  }
  return found;
}"""


@dataclass(frozen=True)
class Text:
    text: str
    color: str
    background: str
    size: float
    weight: int

    @property
    def contrast(self) -> float:
        return ratio(self.color, self.background)

    @property
    def needed(self) -> float:
        return AA_LARGE if is_large(self.size, self.weight) else AA_TEXT


@pytest.fixture(scope="module")
def settings() -> Settings:
    return load_settings(ROOT / "config.toml", environ={})


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def illustrated(settings: Settings, newsletter: str) -> EditionView:
    """The sample edition in a newsletter's template, with a logo and an item image."""
    view = sample_view(settings)
    chosen = settings.newsletter(newsletter)
    home = "https://lettre.exemple.fr/images"
    image = ImageView(f"{home}/a-1x.jpg", f"{home}/a-2x.jpg", 528, 297, "Une photo")
    first, *others = view.sections
    items = (replace(first.items[0], image=image), *first.items[1:]) if first.items else ()
    return replace(
        view,
        template=chosen.template,
        title=chosen.title,
        description=chosen.description,
        organisation=replace(view.organisation, logo=replace(image, width=180, height=60)),
        sections=(replace(first, items=items), *others),
    )


def texts_of(browser: Any, html: str, width: int) -> list[Text]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.route("**/*", lambda route: route.abort())  # no request leaves the test
    page.set_content(html)
    found = [Text(**text) for text in page.evaluate(TEXTS)]
    page.close()
    return found


@pytest.mark.parametrize("newsletter", NEWSLETTERS)
@pytest.mark.parametrize("width", [DESKTOP, MOBILE])
def test_contrast_and_sizes(browser: Any, settings: Settings, newsletter: str, width: int) -> None:
    """Each text has 4.5:1 contrast with its background (3:1 when large), and on a phone no
    text is smaller than 14 px."""
    renderer = Renderer(ROOT / "templates" / "email", settings.rendering)
    html, _ = renderer.render(illustrated(settings, newsletter)).personalise(VALUES)
    texts = texts_of(browser, html, width)
    assert len(texts) > 50
    faint = [(text.text, round(text.contrast, 2)) for text in texts if text.contrast < text.needed]
    assert faint == []
    if width == MOBILE:
        small = [(text.text, text.size) for text in texts if text.size < MIN_MOBILE_PX]
        assert small == []
