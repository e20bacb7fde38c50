"""Writing an edition to a folder: its archive page, its text, and a preview message."""

from __future__ import annotations

import html as html_lib
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path

from newsletter.archive.links import archive_values, edition_url, feed_url, sample_values
from newsletter.dispatch.message import EditionHeaders, MessageFactory, Recipient
from newsletter.rendering.renderer import Rendered

SAMPLE_RECIPIENT = Recipient(key="apercu", email="claire.dupont@exemple.fr", name="Mme Dupont")
PREVIEW_KEY = b"preview"  # Message-ID of a preview: no secret needed, it is never sent


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
    values = sample_values(where.public_url, where.newsletter, where.number)
    sample_html, sample_text = rendered.personalise(values)
    sender_name, sender_address = parseaddr(where.sender)
    headers = EditionHeaders(
        id=where.number,
        subject=rendered.subject,
        sender_name=sender_name,
        sender_address=sender_address,
        list_name=where.newsletter,
        list_id=f"{where.newsletter}.apercu.invalid",
        reply_to=parseaddr(where.reply_to)[1] if where.reply_to else "",
        archive_url=edition_url(where.public_url, where.newsletter, where.number),
    )
    # The same message builder as a real send, for an imaginary subscriber.
    factory = MessageFactory(headers, PREVIEW_KEY, clock=lambda: where.send_at)
    recipient = replace(SAMPLE_RECIPIENT, unsubscribe_url=values.unsubscribe_url)
    written.preview.write_bytes(factory.build(recipient, sample_html, sample_text))
    return written
