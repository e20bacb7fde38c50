"""SMTP's line discipline applied to a rendered page, once per variant, before sending.

RFC 5322 caps lines at 998 octets, and SMTP doubles a dot that starts a line (RFC 5321
§4.5.2). Rendering knows nothing of either: it returns HTML. Here the HTML of a variant is
prepared for the wire once — lines folded so that they stay under ``LINE`` octets even when
each personal marker holds a long value, and lines starting with a dot shielded — so that
every recipient's message can go as 8bit without a per-recipient re-encoding or dot-stuffing
pass. Both changes are invisible to HTML and CSS.
"""

from __future__ import annotations

import re

from newsletter.rendering.personalise import MARKERS

LINE = 800  # octets, markers counted as filled: a recipient's line stays under SMTP's 998
VALUE_OCTETS = 250  # the most a personal value is expected to take (a link and its token)
_LEADING_DOT = re.compile(r"^\.", re.MULTILINE)


def wire_html(html: str) -> str:
    """A rendered page (markers kept) as it goes on the wire: folded, dots shielded."""
    return shield_dots(fold_lines(html))


def filled_octets(text: str) -> int:
    """Octets of ``text`` once each marker is filled with a value of ``VALUE_OCTETS``."""
    return len(text.encode()) + sum(VALUE_OCTETS - len(found) for found in MARKERS.findall(text))


def fold_lines(html: str) -> str:
    """Break lines longer than ``LINE`` octets, once personal values are filled in. Breaks
    go between two quoted attributes (``" `` inside a tag, invisible), or failing that at a
    space (the same whitespace to HTML). Linear in the size of the page."""
    folded = []
    for line in html.split("\n"):
        start, remaining = 0, filled_octets(line)
        while remaining > LINE:
            cut = _cut(line, start)
            if cut <= start:
                break  # no space to break at: left as it is (the 8bit check falls back)
            remaining -= filled_octets(line[start : cut + 1])
            folded.append(line[start:cut])
            start = cut + 1
        folded.append(line[start:])
    return "\n".join(folded)


def shield_dots(html: str) -> str:
    """Indent the lines that start with a dot (CSS rules, mostly) by one space, invisible in
    HTML and CSS: then most messages need no SMTP dot-stuffing."""
    return _LEADING_DOT.sub(" .", html)


def _cut(line: str, start: int) -> int:
    """Where to break: the last attribute boundary (else space) whose chunk fits LINE."""
    window = LINE
    while window >= LINE // 16:  # small windows: a footer packs several markers in a line
        end = start + window
        cut = line.rfind('" ', start, end) + 1 or line.rfind(" ", start, end)
        if cut > start and filled_octets(line[start:cut]) <= LINE:
            return cut
        window //= 2
    return start
