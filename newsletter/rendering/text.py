"""The plain-text part: editors' HTML made readable with its links, lines wrapped."""

from __future__ import annotations

import re
import textwrap

from newsletter.content.sanitise import plain_text

_LINK = re.compile(r"<a\s[^>]*?href=\"([^\"]+)\"[^>]*>(.*?)</a>", re.IGNORECASE | re.DOTALL)
_ITEM = re.compile(r"<li[^>]*>", re.IGNORECASE)
_PARAGRAPH_END = re.compile(r"</(p|ul|ol)>", re.IGNORECASE)
_INDENT = re.compile(r"^(\s*(?:[-*•] |\d+\. )?)")
_BLANKS = re.compile(r"\n{3,}")


def html_to_text(fragment: str) -> str:
    """Sanitised HTML as text: ``<a href="u">t</a>`` becomes ``t (u)``, list items ``- ``,
    paragraphs are separated by a blank line."""

    def link(found: re.Match[str]) -> str:
        url, label = found.group(1), found.group(2)  # both still HTML, decoded at the end
        return url if plain_text(label) in ("", plain_text(url)) else f"{label} ({url})"

    fragment = _PARAGRAPH_END.sub(lambda m: f"{m.group()}\n\n", _LINK.sub(link, fragment))
    return plain_text(_ITEM.sub("<li>- ", fragment))


def wrap(text: str, width: int) -> str:
    """Wrap long lines at ``width``, keeping each line's indentation and bullet; URLs whole."""
    lines = []
    for line in text.splitlines():
        if len(line) <= width:
            lines.append(line.rstrip())
            continue
        found = _INDENT.match(line)  # always matches (everything in it is optional)
        lead = found.group(1) if found else ""
        lines.extend(
            textwrap.wrap(
                line[len(lead) :],
                width=width,
                initial_indent=lead,
                subsequent_indent=" " * len(lead),
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return _BLANKS.sub("\n\n", "\n".join(lines)).strip("\n") + "\n"
