"""axe-core, the accessibility engine (npm package, installed by `make test` into
node_modules/), run inside pages that the Chromium tests open: no serious or critical
violation is allowed."""

from __future__ import annotations

from typing import Any

from tests.conftest import ROOT, missing

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


def serious_violations(page: Any) -> list[str]:
    """The page's serious and critical violations, one line each (rule, help, first node).
    axe is evaluated through the DevTools protocol, so the pages' CSP does not block it."""
    if not AXE.exists():
        missing("axe-core", "npm ci (make test installs it in node_modules/)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{found['id']}: {found['help']} — {found['nodes'][0]['target']}"
        for found in result["violations"]
        if found["impact"] in SERIOUS
    ]
