"""Keyword classification of items into themes and networks (rules from config.toml), and
the state a title announces ("ANNULÉ : …", "Reporté – …").

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
from newsletter.text import fold, words

_TAG = re.compile(r"<[^>]*>")
MARKERS_WITHIN = 40  # characters at the start of a title where state words are looked for
# A word opening a title, alone in brackets or followed by punctuation (folded text).
_MARKER = re.compile(
    r"\s*(?P<open>[\[(]?)\s*(?P<word>[a-z]+)\s*(?P<close>[\])]?)\s*(?P<punctuation>[:!|/–—-]*)\s*"
)


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
class TitleState:
    """What the first words of a title say, and the title's words without them."""

    cancelled: bool
    postponed: bool
    words: str


@dataclass(frozen=True)
class Classifier:
    themes: dict[str, Rule]
    networks: dict[str, Rule]
    cancelled_words: tuple[str, ...] = ()
    postponed_words: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: ClassificationSettings) -> Classifier:
        return cls(
            _rules(settings.themes),
            _rules(settings.networks),
            _folded(settings.cancelled_words),
            _folded(settings.postponed_words),
        )

    def title_state(self, title: str) -> TitleState:
        """Cancelled or postponed according to the words that open the title, set off by
        punctuation or brackets ("ANNULÉ : …", "[Reporté] …", not "Annule et remplace"),
        which are then left out of its words."""
        first = _MARKER.match(fold(title[:MARKERS_WITHIN]))
        if first is None or first["word"] not in (*self.cancelled_words, *self.postponed_words):
            return TitleState(False, False, words(title))  # the usual case, cheaply
        text = fold(title)
        cancelled = postponed = False
        while (marker := _MARKER.match(text)) and marker.end() < len(text):
            if not (marker["open"] or marker["close"] or marker["punctuation"]):
                break
            if marker["word"] in self.cancelled_words:
                cancelled = True
            elif marker["word"] in self.postponed_words:
                postponed = True
            else:
                break
            text = text[marker.end() :]
        return TitleState(cancelled, postponed, words(text))

    def classify(self, entry: Entry, summary: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Themes and networks of an entry: its source's defaults plus keyword matches on
        its title, ``summary`` (its summary's words, see :func:`summary_words`) and
        categories."""
        text = f" {words(entry.title)} {summary} {words(' '.join(entry.categories))} "
        return _matches(self.themes, text, entry.themes), _matches(
            self.networks, text, entry.networks
        )


def summary_words(summary: str) -> str:
    """The words of an HTML summary, folded (see ``text.words``)."""
    return words(html.unescape(_TAG.sub(" ", summary)))


def _folded(keywords: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(folded for folded in (fold(keyword).strip() for keyword in keywords) if folded)


def _rules(categories: dict[str, Category]) -> dict[str, Rule]:
    return {key: Rule.from_keywords(category.keywords) for key, category in categories.items()}


def _matches(rules: dict[str, Rule], text: str, defaults: tuple[str, ...]) -> tuple[str, ...]:
    found = set(defaults) | {key for key, rule in rules.items() if rule.matches(text)}
    return tuple(sorted(found))
