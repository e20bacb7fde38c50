"""Editors' texts (édito, mouvements): a little Markdown, or HTML, stored sanitised.

Blank lines separate paragraphs; lines starting with ``- `` or ``* `` make a list;
``**bold**``, ``*italic*``, ``[text](https://…)`` and bare ``https://…`` links are
understood. A text starting with ``<`` is taken as HTML. Either way the result goes through
the same allow-list as feed content.
"""

from __future__ import annotations

import html
import re

from newsletter.content.sanitise import clean_html

_BLOCKS = re.compile(r"\n\s*\n")
_BULLET = re.compile(r"^\s*[-*•]\s+")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+|mailto:[^)\s]+)\)")
_BARE_URL = re.compile(r"(?<![\"'=>])\bhttps?://[^\s<]+[^\s<.,;:!?)»]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<![*\w])[*_](?![\s*])(.+?)(?<![\s*])[*_](?![*\w])")


def to_html(source: str) -> str:
    """Sanitised HTML of an editor's text (empty text gives an empty string)."""
    source = source.strip().replace("\r\n", "\n")
    if not source:
        return ""
    if source.startswith("<"):
        return clean_html(source)
    return clean_html("".join(_block(block) for block in _BLOCKS.split(source)))


def _block(block: str) -> str:
    lines = [line for line in block.splitlines() if line.strip()]
    if lines and all(_BULLET.match(line) for line in lines):
        items = "".join(f"<li>{_inline(_BULLET.sub('', line))}</li>" for line in lines)
        return f"<ul>{items}</ul>"
    return f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>"


def _inline(text: str) -> str:
    text = html.escape(text, quote=True)
    links: list[str] = []

    def keep(anchor: str) -> str:  # links are set aside so that no rule rewrites their URL
        links.append(anchor)
        return f"\x00{len(links) - 1}\x00"

    text = _LINK.sub(lambda m: keep(f'<a href="{m.group(2)}">{m.group(1)}</a>'), text)
    text = _BARE_URL.sub(lambda m: keep(f'<a href="{m.group()}">{m.group()}</a>'), text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    text = _ITALIC.sub(r"<em>\1</em>", text)
    return re.sub("\x00(\\d+)\x00", lambda m: links[int(m.group(1))], text)
