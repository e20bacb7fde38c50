"""Tracked links of a newsletter that counts clicks (``count_clicks``): each link of an
edition becomes ``{public_url}/l/{edition}/{link}``, where ``link`` is a hash of the
address. Nothing in it names a reader: every recipient of the edition gets the same links.

The edition's own links are the allow-list: the redirect looks the link id up among the
links of the edition's approved content, so it can never be made to send anyone elsewhere.
Pure functions of the edition's view.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import replace

from markupsafe import Markup

from newsletter.rendering.context import EditionView, ItemView, SectionView

LINK_PATH = "/l"
_HREF = re.compile(r'href="(https?://[^"]+)"')


def link_id(url: str) -> str:
    """12 hex digits of the address's SHA-256: the same link, the same id."""
    return hashlib.sha256(url.encode()).hexdigest()[:12]


def tracked_url(public_url: str, edition_id: int, url: str) -> str:
    return f"{public_url}{LINK_PATH}/{edition_id}/{link_id(url)}"


def _section_urls(section: SectionView) -> list[str]:
    found = [html.unescape(url) for url in _HREF.findall(str(section.text_html))]
    for item in section.items:
        found += [url for url in (item.url, item.registration_url) if url]
    return found


def view_links(view: EditionView) -> dict[str, str]:
    """The edition's links (items, registrations, the editors' texts) by link id."""
    return {link_id(url): url for section in view.sections for url in _section_urls(section)}


def tracked_view(view: EditionView, public_url: str, edition_id: int) -> EditionView:
    """The view with each of its links going through the counter."""

    def track(url: str) -> str:
        return tracked_url(public_url, edition_id, url) if url else url

    def item(entry: ItemView) -> ItemView:
        return replace(entry, url=track(entry.url),
                       registration_url=track(entry.registration_url))  # fmt: skip

    def section(part: SectionView) -> SectionView:
        def href(found: re.Match[str]) -> str:
            return f'href="{track(html.unescape(found.group(1)))}"'

        text = part.text
        for url in _section_urls(replace(part, items=())):
            text = text.replace(url, track(url))
        return replace(part, items=tuple(item(entry) for entry in part.items),
                       text_html=Markup(_HREF.sub(href, str(part.text_html))),
                       text=text)  # fmt: skip

    return replace(view, sections=tuple(section(part) for part in view.sections))
