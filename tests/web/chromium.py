"""Headless Chromium from the Debian package, driven by Playwright (never a downloaded
browser), and what the browser tests share: screenshots, logging in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, missing
from tests.web.client import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


@contextmanager
def chromium() -> Iterator[Any]:
    """The browser, for a module. Start it after any fixture that runs an asyncio loop in
    the test thread: Playwright's sync API occupies the thread's event loop."""
    if not CHROMIUM.exists():
        missing("Chromium", "apt-get install chromium (scripts/system-deps does it as root)")
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


def log_in(page: Any, url: str, email: str) -> None:
    page.goto(f"{url}/editeurs/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


@contextmanager
def watched_tab(browser: Any, viewport: dict[str, int]) -> Iterator[Any]:
    """A fresh tab in a French context; a console error (a CSP violation, a script error)
    seen while it was open fails the test."""
    context = browser.new_context(viewport=viewport, locale="fr-FR")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text)
           if message.type == "error" else None)  # fmt: skip
    yield tab
    context.close()
    assert errors == []
