"""A preview message of every newsletter template, scored offline by SpamAssassin (Debian's
package), has no low-contrast text and a score of 0 or less."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from newsletter.rendering.renderer import Renderer
from newsletter.services.publishing import Publishing
from newsletter.settings import load_settings
from tests.conftest import missing
from tests.edition_samples import sample_edition, sample_view
from tests.images import illustrated

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = load_settings(ROOT / "config.toml", environ={})
TEMPLATES = sorted({newsletter.template for newsletter in SETTINGS.newsletters.values()})
_STATUS = re.compile(
    r"^X-Spam-Status: \w+, score=(-?[\d.]+) .*?tests=(.*?)\s+autolearn", re.M | re.S
)


def score(message: Path, home: Path) -> tuple[float, set[str]]:
    """SpamAssassin's score and rules hit, with local tests only (no network, no Bayes)."""
    command = shutil.which("spamassassin")
    if command is None:
        missing("SpamAssassin", "apt-get install spamassassin (scripts/system-deps does it)")
    done = subprocess.run(
        [command, "--local", "--test-mode", "--cf=use_bayes 0"],
        input=message.read_bytes(),
        capture_output=True,
        check=True,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    found = _STATUS.search(done.stdout.decode("utf-8", "replace"))
    assert found, done.stdout[:2000]
    rules = {rule.strip() for rule in found.group(2).replace("\n", "").split(",") if rule.strip()}
    return float(found.group(1)), rules


@pytest.mark.parametrize("with_images", [False, True])
@pytest.mark.parametrize("template", TEMPLATES)
def test_preview_is_not_spam(template: str, with_images: bool, tmp_path: Path) -> None:
    """No HTML_FONT_LOW_CONTRAST, and a score of 0 or less, with or without images."""
    view = replace(sample_view(SETTINGS), template=template)
    view = illustrated(view) if with_images else view
    renderer = Renderer(ROOT / "templates" / "email", SETTINGS.rendering)
    rendered = renderer.render(view)
    written = Publishing(SETTINGS, renderer).write_rendered(sample_edition(), rendered, tmp_path)
    points, rules = score(written.preview, tmp_path)
    assert "HTML_FONT_LOW_CONTRAST" not in rules
    assert points <= 0, rules
