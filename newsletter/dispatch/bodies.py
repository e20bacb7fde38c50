"""MIME body parts as bytes: UTF-8, CRLF, 8bit when every line fits, quoted-printable otherwise.

``encode_part`` encodes a finished text (a test send, a preview file). ``Body`` is the send
path's: a rendered part prepared once per variant — encoded, CRLF-terminated and cut at its
markers, with the lines that hold markers measured — so that a recipient's part is a join
of byte strings and a check of a few line lengths, never a re-encoding of the page. When a
recipient's values would make a line too long, that recipient's part goes through
``encode_part`` like any other text.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from dataclasses import dataclass

from newsletter.dispatch.lines import wire_html
from newsletter.rendering.personalise import Fillable, PersonalValues, html_values, text_values
from newsletter.rendering.renderer import Rendered

MAX_OCTETS = 998  # RFC 5322 §2.1.1: a line MUST be at most 998 octets, CRLF excluded

Part = tuple[bytes, bytes]  # the part's header block (ending in a blank line) and its body


def encode_part(subtype: str, content: str, boundary: bytes) -> Part:
    """8bit when every line fits and the boundary does not occur, quoted-printable otherwise."""
    data = _crlf(content.encode("utf-8"))
    if _lines_fit(data) and boundary not in data:
        return _header(subtype, b"8bit"), data
    # "=" is always escaped in quoted-printable: the boundary cannot appear
    single_line = b"\n" not in data
    data = binascii.b2a_qp(data, istext=True)
    if single_line:  # b2a_qp breaks with the data's line ending, LF when it has none
        data = data.replace(b"\n", b"\r\n")
    return _header(subtype, b"quoted-printable"), data


class Body:
    """One rendered part (HTML or text), ready to be filled with a recipient's values."""

    def __init__(
        self,
        subtype: str,
        fillable: Fillable,
        values: Callable[[PersonalValues], dict[str, str]],
        boundary: bytes,
    ) -> None:
        self._subtype = subtype
        self._fillable = fillable
        self._values = values
        self._boundary = boundary
        self._header = _header(subtype, b"8bit")
        chunks: list[bytes] = []
        slots: list[tuple[int, str]] = []
        marked: list[tuple[int, tuple[str, ...]]] = []  # (static octets, markers) per line
        fits = True
        width, names = 0, tuple[str, ...]()
        for text, name in fillable.segments():
            data = _crlf(text.encode("utf-8"))
            first, *others = data.split(b"\r\n")
            width += len(first)
            for line in others:  # a line ends: measure it, or keep it for each recipient
                if names:
                    marked.append((width, names))
                fits = fits and (bool(names) or width <= MAX_OCTETS)
                width, names = len(line), ()
            chunks.append(data)
            if name is not None:
                slots.append((len(chunks), name))
                chunks.append(b"")
                names += (name,)
        if names:
            marked.append((width, names))
        fits = fits and (bool(names) or width <= MAX_OCTETS)
        self._chunks = chunks
        self._slots = tuple(slots)
        self._marked = tuple(marked)
        self._ready = fits and boundary not in b"".join(chunks)

    def fill(self, values: PersonalValues) -> Part:
        """This recipient's part: the prepared bytes with their values, or, when a line
        would be too long, the filled text encoded like any other."""
        mapping = self._values(values)
        if self._ready:
            encoded = {name: value.encode("utf-8") for name, value in mapping.items()}
            if self._fit(encoded):
                chunks = self._chunks.copy()
                for index, name in self._slots:
                    chunks[index] = encoded[name]
                data = b"".join(chunks)
                if self._boundary not in data:
                    return self._header, data
        return encode_part(self._subtype, self._fillable.fill(mapping), self._boundary)

    def _fit(self, encoded: dict[str, bytes]) -> bool:
        for value in encoded.values():
            if b"\n" in value or b"\r" in value:
                return False
        for width, names in self._marked:
            for name in names:
                width += len(encoded[name])
            if width > MAX_OCTETS:
                return False
        return True


@dataclass(frozen=True)
class Bodies:
    """What a recipient of one (variant, format) gets: text alone, or text and HTML."""

    text: Body
    html: Body | None

    @classmethod
    def of(cls, rendered: Rendered, text_only: bool, boundary: bytes) -> Bodies:
        text = Body("plain", rendered.text_parts, text_values, boundary)
        html = None if text_only else Body("html", wire_fillable(rendered), html_values, boundary)
        return cls(text, html)


def wire_fillable(rendered: Rendered) -> Fillable:
    """The variant's HTML as it goes on the wire (see dispatch.lines), cut at its markers."""
    return Fillable(wire_html(rendered.html))


def finished_texts(rendered: Rendered, values: PersonalValues) -> tuple[str, str]:
    """``(html, text)`` of one recipient as the send path fills them (HTML lines folded for
    SMTP): what ``MessageFactory.build`` takes for test sends and preview files."""
    html = wire_fillable(rendered).fill(html_values(values))
    return html, rendered.text_parts.fill(text_values(values))


def _header(subtype: str, encoding: bytes) -> bytes:
    return (
        b"Content-Type: text/" + subtype.encode("ascii") + b"; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: " + encoding + b"\r\n\r\n"
    )


def _crlf(data: bytes) -> bytes:
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data.replace(b"\n", b"\r\n")


def _lines_fit(data: bytes) -> bool:
    """Every CRLF-terminated line is at most 998 octets (checked ~1 KB at a time)."""
    start, size = 0, len(data)
    while size - start > MAX_OCTETS:
        newline = data.rfind(b"\n", start, start + MAX_OCTETS + 2)
        if newline < 0:
            return False
        start = newline + 1
    return True
