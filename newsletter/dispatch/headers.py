"""Header fields as bytes: RFC 2047 encoded words, display names, folding (RFC 5322 §2.2.3).

Fast enough to run per recipient (a few microseconds for an ASCII name); values must not
contain CR or LF (callers check, see ``message.Recipient``).
"""

from __future__ import annotations

import base64
import re

MAX_LINE = 78  # RFC 5322 §2.1.1: lines SHOULD be at most 78 characters
# 42 bytes → 56 base64 characters, 68 with "=?utf-8?b?" and "?=": within RFC 2047's 75, and
# short enough to follow "Subject: " on the first line within 78.
_ENCODED_WORD_BYTES = 42
_ATOM_PHRASE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*")  # atext and spaces
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")


def encoded_words(text: str) -> str:
    """``text`` as RFC 2047 "B" encoded words of at most 75 characters, space separated.

    Words are cut after a space of ``text`` when there is one (the space stays inside the
    word, since decoders drop the whitespace between encoded words), else between two
    characters, never inside one.
    """
    words: list[str] = []
    chunk = bytearray()
    for char in text:
        data = char.encode("utf-8")
        if len(chunk) + len(data) > _ENCODED_WORD_BYTES:
            cut = chunk.rfind(b" ") + 1 or len(chunk)
            words.append(_b_word(chunk[:cut]))
            del chunk[:cut]
        chunk += data
    if chunk or not words:
        words.append(_b_word(chunk))
    return " ".join(words)


def _b_word(data: bytes | bytearray) -> str:
    return f"=?utf-8?b?{base64.b64encode(data).decode('ascii')}?="


def phrase(name: str) -> str:
    """A display name as an RFC 5322 phrase: atoms, a quoted string, or encoded words."""
    if _ATOM_PHRASE.fullmatch(name) and "=?" not in name:
        return name
    if _PRINTABLE_ASCII.fullmatch(name) and "=?" not in name:
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    return encoded_words(name)


def mailbox(name: str, address: str) -> str:
    """``Name <address>``, or the bare address when there is no name."""
    name = " ".join(name.split())
    return f"{phrase(name)} <{address}>" if name else address


def unstructured(text: str) -> str:
    """A free-text field (Subject): kept as is when ASCII, encoded words otherwise."""
    text = " ".join(text.split())
    if _PRINTABLE_ASCII.fullmatch(text) and "=?" not in text:
        return text
    return encoded_words(text)


def field(name: str, value: str) -> bytes:
    """``Name: value`` CRLF, folded at spaces so that lines stay within 78 characters.

    The value starts on the name's line (some parsers keep a leading space otherwise). A
    word longer than a line (a long URL) is left whole: that line exceeds 78 characters, but
    not 998 as long as words are shorter than that (callers bound their values).
    """
    line = f"{name}: {value}"
    if len(line) <= MAX_LINE:
        return (line + "\r\n").encode("utf-8")
    lines: list[str] = []
    head = current = f"{name}:"
    for word in value.split(" "):
        too_long = len(current) + 1 + len(word) > MAX_LINE
        if word and too_long and current != head and current.strip():
            lines.append(current)
            current = ""
        current += " " + word
    lines.append(current)
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")
