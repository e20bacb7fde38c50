"""Keyword classification of items into themes and networks (rules from config.toml).

Text and keywords are both reduced to accent-free lowercase words separated by single
spaces; a keyword matches as whole words (`` clas `` never matches ``classe``), and a
keyword ending in ``*`` matches any word starting with it (``parent*``).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from newsletter.content.entries import Entry
from newsletter.settings import Category, ClassificationSettings
from newsletter.text import words

_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Rule:
    """Space-delimited needles: `` word `` for whole words, `` prefix`` for ``prefix*``."""

    needles: tuple[str, ...]

    @classmethod
    def from_keywords(cls, keywords: tuple[str, ...]) -> Rule:
        needles = []
        for keyword in keywords:
            folded = words(keyword.rstrip("*"))
            if folded:
                needles.append(f" {folded}" if keyword.endswith("*") else f" {folded} ")
        return cls(tuple(needles))

    def matches(self, text: str) -> bool:
        return any(needle in text for needle in self.needles)


@dataclass(frozen=True)
class Classifier:
    themes: dict[str, Rule]
    networks: dict[str, Rule]

    @classmethod
    def from_settings(cls, settings: ClassificationSettings) -> Classifier:
        return cls(_rules(settings.themes), _rules(settings.networks))

    def classify(self, entry: Entry) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Themes and networks of an entry: its source's defaults plus keyword matches."""
        summary = html.unescape(_TAG.sub(" ", entry.summary))
        text = f" {words(' '.join((entry.title, summary, *entry.categories)))} "
        return _matches(self.themes, text, entry.themes), _matches(
            self.networks, text, entry.networks
        )


def _rules(categories: dict[str, Category]) -> dict[str, Rule]:
    return {key: Rule.from_keywords(category.keywords) for key, category in categories.items()}


def _matches(rules: dict[str, Rule], text: str, defaults: tuple[str, ...]) -> tuple[str, ...]:
    found = set(defaults) | {key for key, rule in rules.items() if rule.matches(text)}
    return tuple(sorted(found))
