"""Allow-list HTML cleaning for everything that comes from outside (feeds, forms, API)."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlsplit

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "em", "h3", "h4",
    "i", "li", "ol", "p", "q", "s", "small", "strong", "sub", "sup", "u", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}
URL_SCHEMES = {"http", "https", "mailto"}
WEB_SCHEMES = ("http", "https")
MAX_SUMMARY_CHARS = 6000
MAX_URL = 2000

_BLOCK_END = re.compile(r"</(p|li|h3|h4|blockquote)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Browsers drop these inside a URL ("java\tscript:" is "javascript:").
_URL_DROPPED = re.compile(r"[\t\r\n]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def web_link(raw: str | None, base: str = "") -> str | None:
    """The absolute http(s) address ``raw`` names (resolved against ``base``), as
    published; "" when there is none, None when it is not a web address (``javascript:``,
    ``data:``, ``file:``…, or unusable) and must be dropped."""
    text = _URL_DROPPED.sub("", raw or "").strip()
    if not text:
        return ""
    if base.startswith(WEB_SCHEMES) and not text.startswith(("https://", "http://")):
        text = urljoin(base, text)
    try:
        parts = urlsplit(text)
        valid = parts.scheme in WEB_SCHEMES and bool(parts.hostname) and parts.port != 0
        (parts.hostname or "").encode("idna")  # a name browsers cannot resolve either
    except (ValueError, UnicodeError):  # a bad port, IPv6 address or host name
        return None
    if not valid or len(text) > MAX_URL or _CONTROL.search(text):
        return None
    return text.replace(" ", "%20")


def clean_html(raw: str, base_url: str = "") -> str:
    """Keep only harmless formatting and http(s)/mailto links; scripts and styles vanish.

    Relative links are resolved against ``base_url``, or dropped when there is none
    (a relative link means nothing in an email).
    """
    base = base_url if base_url.startswith(("http://", "https://")) else ""
    try:
        cleaned = _clean(raw, base)
    except ValueError:  # a base address nh3 cannot parse: relative links are dropped
        cleaned = _clean(raw, "")
    return cleaned.strip()


def _clean(raw: str, base: str) -> str:
    return nh3.clean(
        raw[: MAX_SUMMARY_CHARS * 4],
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        url_relative=("rewrite_with_base", base) if base else "deny",
    )


def plain_text(fragment: str) -> str:
    """Readable text of an HTML fragment: paragraphs kept as lines, entities decoded."""
    text = _BLOCK_END.sub("\n", fragment)
    text = html.unescape(_TAG.sub("", text))
    text = _SPACES.sub(" ", text)
    lines = "\n".join(line.strip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", lines).strip()


def clean_text(raw: str, limit: int = 500) -> str:
    """A single line of plain text (titles, places): tags dropped, spaces collapsed."""
    return " ".join(plain_text(nh3.clean(raw, tags=set())).split())[:limit]


def text_to_html(text: str) -> str:
    """Plain text (blank lines between paragraphs) as escaped HTML paragraphs."""
    blocks = [block.strip() for block in text.replace("\r\n", "\n").split("\n\n")]
    return "".join(
        f"<p>{html.escape(block).replace(chr(10), '<br>')}</p>" for block in blocks if block
    )
