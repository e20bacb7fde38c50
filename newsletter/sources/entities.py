"""XML entity declarations in feeds: harmless internal ones are read, anything else refused.

Some publishing tools declare a few entities in the DOCTYPE (``<!ENTITY nbsp "&#160;">``).
Such a feed is read. Everything that makes entities dangerous is refused before any
parser sees the bytes, wherever it is in the document: external or parameter entities,
entities built from other entities (billion laughs), too many or too long declarations,
or references that would expand the document by more than ``MAX_EXPANSION`` characters
(quadratic blow-up). feedparser's own protections stay underneath: it keeps only simple
declarations and its strict parser (expat) neither fetches external entities nor lets a
document amplify itself.
"""

from __future__ import annotations

import codecs
import re

from newsletter.errors import SourceError

MAX_DECLARATIONS = 64
MAX_VALUE = 1000
MAX_EXPANSION = 1_000_000

_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_ROOT = re.compile(rb"<[A-Za-z_]")
# A general internal entity whose value is text and character references only.
_HARMLESS = re.compile(
    rb"""<!ENTITY\s+(?P<name>[A-Za-z_][\w.-]*)\s+
    (?:"(?P<double>(?:[^"%&<]|&\#(?:\d+|x[0-9A-Fa-f]+);)*)"
      |'(?P<single>(?:[^'%&<]|&\#(?:\d+|x[0-9A-Fa-f]+);)*)')\s*>""",
    re.VERBOSE,
)
_WIDE = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"),
)  # fmt: skip


def check_entities(body: bytes) -> bytes:
    """``body``, ready for feedparser; ``SourceError`` unless every entity declaration in
    it is harmless.

    feedparser keeps the declarations of the document's head only when each one, and the
    DOCTYPE, starts a line: the head is laid out so.
    """
    text = _narrow(body)
    starts = [match.start() for match in _DECLARATION.finditer(text)]
    if not starts:
        return body
    if len(starts) > MAX_DECLARATIONS:
        raise SourceError(f"le flux déclare plus de {MAX_DECLARATIONS} entités XML (refusé)")
    expansion = 0
    for start in starts:
        match = _HARMLESS.match(text, start)
        if match is None:
            raise SourceError(
                "le flux déclare des entités XML externes, paramétrées ou imbriquées "
                "(refusé par sécurité)"
            )
        value = match["double"] if match["double"] is not None else match["single"]
        if len(value) > MAX_VALUE:
            raise SourceError(f"entité XML de plus de {MAX_VALUE} caractères (refusé)")
        expansion += len(value) * text.count(b"&" + match["name"] + b";")
    if expansion > MAX_EXPANSION:
        raise SourceError("les entités XML du flux l'agrandiraient démesurément (refusé)")
    if text is not body:  # UTF-16 or UTF-32: left as it is
        return body
    root = _ROOT.search(body)
    end = root.start() if root else len(body)
    head = body[:end].replace(b"<!DOCTYPE", b"\n<!DOCTYPE").replace(b"<!ENTITY", b"\n<!ENTITY")
    return head + body[end:]


def _narrow(body: bytes) -> bytes:
    """The document in an ASCII-compatible encoding, so that markup can be searched."""
    for mark, encoding in _WIDE:
        if body.startswith(mark):
            return body.decode(encoding, errors="replace").encode("utf-8")
    return body
