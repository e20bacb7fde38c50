"""Headless Chromium from the Debian package, driven by Playwright (never a downloaded
browser), and what the browser tests share: screenshots, logging in.

The package is ``chromium-headless-shell``: Chromium's engine without the desktop browser
around it, what Playwright itself runs headless. The full ``chromium`` in its headless mode
took twice the processor time for the same journeys (17 s against 9 s for
test_web_journeys.py, by process accounting), when the browsers took a fifth of the
suite's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, missing
from tests.web.client import PASSWORD

CHROMIUM = Path("/usr/bin/chromium-headless-shell")
ARTIFACTS = ROOT / "tests" / "artifacts"
# The browser's own controls (file picker, date fields) stay in English in screenshots:
# Debian's chromium ships en-US only (chromium-l10n has the others); users see theirs.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@contextmanager
def chromium() -> Iterator[Any]:
    """The browser, for a module. Start it after any fixture that runs an asyncio loop in
    the test thread: Playwright's sync API occupies the thread's event loop."""
    if not CHROMIUM.exists():
        missing(
            "Chromium",
            "apt-get install chromium-headless-shell (scripts/system-deps does it as root)",
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


def shoot(page: Any, name: str) -> None:
    """The whole page. The window is made as tall as the page first: headless Chromium's
    full-page capture leaves frames (the previews) blank."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    height = page.evaluate("document.documentElement.scrollHeight")
    page.set_viewport_size({"width": viewport["width"], "height": height})
    page.wait_for_timeout(300)  # frames repaint at the new size
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    page.set_viewport_size(viewport)


# What a phone's reader would find cut: the page scrolling sideways, a table's caption
# running out of view (wide tables scroll in their own box; their caption must not), a
# box whose text runs past its edge (a long address in a card).
_CUT = """() => {
  const width = document.documentElement.clientWidth, cut = [];
  if (document.documentElement.scrollWidth > width) cut.push("la page défile de côté");
  for (const caption of document.querySelectorAll("caption")) {
    const box = caption.getBoundingClientRect();
    if (box.width > 0 && (box.right > width + 1 || box.left < -1)) cut.push(caption.innerText);
  }
  for (const element of document.querySelectorAll("main *")) {
    const style = getComputedStyle(element);
    if (element.clientWidth > 0 && style.overflowX === "visible"
        && element.scrollWidth > element.clientWidth + 1 && !element.closest("svg, table"))
      cut.push(`${element.tagName.toLowerCase()}.${element.className}: `
               + element.innerText.slice(0, 60));
  }
  return cut;
}"""


def cut_on_phone(page: Any) -> list[str]:
    """What of the page, at its present width, runs out of the window: [] when none."""
    result: list[str] = page.evaluate(_CUT)
    return result


def log_in(page: Any, url: str, email: str) -> None:
    page.goto(f"{url}/editeurs/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


@contextmanager
def watched_tab(
    browser: Any, viewport: dict[str, int], tolerated: str | None = None, **options: Any
) -> Iterator[Any]:
    """A fresh tab in a French context (``options`` go to the context: downloads…); a
    console error (a CSP violation, a script error) seen while it was open fails the test,
    except those containing ``tolerated`` (a test that expects a refusal)."""
    context = browser.new_context(viewport=viewport, locale="fr-FR", **options)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text)
           if message.type == "error" else None)  # fmt: skip
    yield tab
    context.close()
    assert [error for error in errors if tolerated is None or tolerated not in error] == []
