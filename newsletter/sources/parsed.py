"""What parsing one source yields: entries, and warnings worth showing to editors."""

from __future__ import annotations

from dataclasses import dataclass, field

from newsletter.content.entries import Entry

DROPPED_LINKS = "lien(s) non http(s) ignoré(s)"


@dataclass
class Parsed:
    entries: list[Entry]
    warnings: list[str] = field(default_factory=list)


def counted(found: list[str], what: str) -> list[str]:
    """One warning for things of a kind found while reading (none if there are none):
    ``"2 lien(s) non http(s) ignoré(s), ex. « javascript:… »"``."""
    if not found:
        return []
    return [f"{len(found)} {what}, ex. « {found[0][:80]} »"]
