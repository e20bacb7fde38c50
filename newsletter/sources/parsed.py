"""What parsing one source yields: entries, and warnings worth showing to editors."""

from __future__ import annotations

from dataclasses import dataclass, field

from newsletter.content.entries import Entry


@dataclass
class Parsed:
    entries: list[Entry]
    warnings: list[str] = field(default_factory=list)
