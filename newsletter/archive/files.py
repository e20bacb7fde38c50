"""Writing an edition to a folder: its archive page, its text, and a preview message."""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from newsletter.archive.links import archive_values, feed_url, sample_values
from newsletter.rendering.mime import build_message
from newsletter.rendering.renderer import Rendered

SAMPLE_RECIPIENT = "Mme Dupont <claire.dupont@exemple.fr>"


@dataclass(frozen=True)
class Written:
    page: Path  # index.html: the archive page, with no personal link
    text: Path  # message.txt: the same as text
    preview: Path  # preview.eml: the message an imaginary subscriber would receive


@dataclass(frozen=True)
class Publication:
    """Where and from whom an edition is published."""

    public_url: str
    newsletter: str
    number: int
    sender: str
    reply_to: str
    send_at: datetime


def archive_page(
    rendered: Rendered, public_url: str, newsletter: str, number: int
) -> tuple[str, str]:
    """The web version of an edition (HTML linking the archive feed) and its text."""
    page, text = rendered.personalise(archive_values(public_url, newsletter, number))
    feed = html_lib.escape(feed_url(public_url, newsletter))
    link = f'<link rel="alternate" type="application/atom+xml" title="Archives" href="{feed}">'
    return page.replace("</head>", f"{link}</head>", 1), text


def write_edition(folder: Path, rendered: Rendered, where: Publication) -> Written:
    folder.mkdir(parents=True, exist_ok=True)
    page, text = archive_page(rendered, where.public_url, where.newsletter, where.number)
    written = Written(folder / "index.html", folder / "message.txt", folder / "preview.eml")
    written.page.write_text(page, encoding="utf-8")
    written.text.write_text(text, encoding="utf-8")
    sample_html, sample_text = rendered.personalise(
        sample_values(where.public_url, where.newsletter, where.number)
    )
    message = build_message(
        subject=rendered.subject,
        sender=where.sender,
        to=SAMPLE_RECIPIENT,
        reply_to=where.reply_to,
        html=sample_html,
        text=sample_text,
        date=where.send_at,
    )
    written.preview.write_bytes(message.as_bytes())
    return written
