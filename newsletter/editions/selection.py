"""Which items go into an edition, in which rubrique and order: the assembly rules, pure.

- An item not yet announced in this newsletter goes in when it was published since the
  previous edition (``window.since``) and before the send.
- A rendez-vous goes in when it starts between this send and the next one (or within the
  rubrique's ``agenda_days``), whenever it was published — unless it is cancelled and was
  never announced: then nobody needs to hear of it.
- An item already announced is not repeated; a rendez-vous announced before and changed
  since (moved, cancelled) comes back, marked ``modifie`` or ``annule``, while it is still
  ahead.
- Each item goes in the first rubrique (in configured order) whose kinds, themes, networks,
  sources and territories it matches (an edition may choose its own territories for a
  rubrique); rubriques keep at most ``limit`` items: rendez-vous by date,
  the others newest first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from newsletter.settings import NewsletterSection, NewsletterSettings


@dataclass(frozen=True)
class Window:
    since: datetime  # items published after this (the previous edition, or a lookback)
    send_at: datetime
    next_send_at: datetime


@dataclass(frozen=True)
class Candidate:
    """What the rules need to know of an item."""

    id: int
    kind: str
    published_at: datetime
    revision: int
    themes: frozenset[str] = frozenset()
    networks: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()  # keys of the sources that announced it
    territories: frozenset[str] = frozenset()  # content.territories: where it happens
    starts_at: datetime | None = None
    cancelled: bool = False

    @property
    def start(self) -> datetime | None:
        """When a rendez-vous starts; None for every other kind of item."""
        return self.starts_at if self.kind == "agenda" else None


@dataclass(frozen=True)
class Placement:
    item_id: int
    section: str
    position: int
    revision: int
    change: str = ""  # "", "modifie" or "annule"
    # What the edition says instead of the item's title, summary and link ("": the item's).
    title: str = ""
    summary: str = ""
    url: str = ""


def matches(section: NewsletterSection, candidate: Candidate) -> bool:
    """Does the item belong in this rubrique (kinds, themes, networks, sources, territories)?

    A rubrique headed by an editors' text (édito, mouvements) takes only the kinds it names;
    a rubrique limited to territories takes no item whose territory is unknown.
    """
    if section.text and not section.kinds:
        return False
    if section.kinds and candidate.kind not in section.kinds:
        return False
    if section.themes and not candidate.themes & set(section.themes):
        return False
    if section.networks and not candidate.networks & set(section.networks):
        return False
    if section.territories and not candidate.territories & set(section.territories):
        return False
    return not section.sources or bool(candidate.sources & set(section.sources))


def rubrique_for(newsletter: NewsletterSettings, candidate: Candidate) -> str | None:
    """Where an editor's « rubrique automatique » puts an item: the first rubrique it
    matches, else the first that takes its kind whatever its themes, networks, sources and
    territories (the editor chose the item); None when no rubrique takes its kind."""
    for strict in (True, False):
        for section in newsletter.sections:
            if strict and matches(section, candidate):
                return section.key
            takes_kind = candidate.kind in section.kinds or not (section.kinds or section.text)
            if not strict and takes_kind:
                return section.key
    return None


def arrange(
    newsletter: NewsletterSettings, candidates: Sequence[Candidate], announced: Mapping[int, int]
) -> list[Placement]:
    """Items an editor chose (a special issue's): each in its « rubrique automatique », in
    the assembly's order (rendez-vous by date, the others newest first), with no limit."""
    chosen: dict[str, list[Candidate]] = {s.key: [] for s in newsletter.sections}
    for candidate in sorted(candidates, key=_order):
        key = rubrique_for(newsletter, candidate)
        if key is not None:
            chosen[key].append(candidate)
    return [
        Placement(candidate.id, key, position, candidate.revision,
                  added_change(candidate, announced.get(candidate.id)))
        for key, picked in chosen.items()
        for position, candidate in enumerate(picked, start=1)
    ]  # fmt: skip


def added_change(candidate: Candidate, announced: int | None) -> str:
    """How an item an editor adds is announced: cancelled, changed since the revision this
    newsletter announced (``announced``; None: never), or new."""
    if candidate.cancelled:
        return "annule"
    return "modifie" if announced is not None and candidate.revision > announced else ""


def change_of(candidate: Candidate, announced: Mapping[int, int], window: Window) -> str | None:
    """``""`` for a first announcement, ``modifie``/``annule`` for an update, None: leave out.

    ``announced`` maps the items of this newsletter's earlier editions to the revision
    they carried.
    """
    start = candidate.start
    if candidate.id in announced:
        changed = candidate.revision > announced[candidate.id]
        if start is not None and changed and start >= window.send_at:
            return "annule" if candidate.cancelled else "modifie"
        return None
    if start is not None:
        return None if candidate.cancelled else ""
    if window.since < candidate.published_at <= window.send_at:
        return ""
    return None


def _in_agenda(section: NewsletterSection, start: datetime, window: Window) -> bool:
    end = window.next_send_at
    if section.agenda_days is not None:
        end = window.send_at + timedelta(days=section.agenda_days)
    return window.send_at <= start < end


def _order(candidate: Candidate) -> tuple[int, float, int]:
    start = candidate.start
    if start is not None:
        return (0, start.timestamp(), candidate.id)
    return (1, -candidate.published_at.timestamp(), -candidate.id)


def select(
    newsletter: NewsletterSettings,
    window: Window,
    candidates: Sequence[Candidate],
    announced: Mapping[int, int],
) -> list[Placement]:
    """The placements of a new edition, rubrique by rubrique, in display order."""
    chosen: dict[str, list[tuple[Candidate, str]]] = {s.key: [] for s in newsletter.sections}
    for candidate in sorted(candidates, key=_order):
        change = change_of(candidate, announced, window)
        if change is None:
            continue
        for section in newsletter.sections:
            if not matches(section, candidate):
                continue
            start = candidate.start
            if start is not None and change == "" and not _in_agenda(section, start, window):
                continue
            if len(chosen[section.key]) < section.limit:
                chosen[section.key].append((candidate, change))
            break
    return [
        Placement(candidate.id, key, position, candidate.revision, change)
        for key, picked in chosen.items()
        for position, (candidate, change) in enumerate(picked, start=1)
    ]


def with_territories(
    newsletter: NewsletterSettings, chosen: Mapping[str, Sequence[str]]
) -> NewsletterSettings:
    """The newsletter with the territories an edition chose for some of its rubriques."""
    sections = tuple(
        section.model_copy(update={"territories": tuple(chosen[section.key])})
        if section.key in chosen else section
        for section in newsletter.sections
    )  # fmt: skip
    return newsletter.model_copy(update={"sections": sections})
