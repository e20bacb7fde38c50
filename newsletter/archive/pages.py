"""The web version of an edition: its rendering filled with values that belong to nobody."""

from __future__ import annotations

import html as html_lib

from newsletter.archive.links import archive_values, feed_url
from newsletter.rendering.renderer import Rendered


def archive_page(
    rendered: Rendered, public_url: str, newsletter: str, number: int
) -> tuple[str, str]:
    """The web version of an edition (HTML linking the archive feed) and its text."""
    page, text = rendered.personalise(archive_values(public_url, newsletter, number))
    feed = html_lib.escape(feed_url(public_url, newsletter))
    link = f'<link rel="alternate" type="application/atom+xml" title="Archives" href="{feed}">'
    return page.replace("</head>", f"{link}</head>", 1), text
