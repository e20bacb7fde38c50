"""What email templates see: typed, documented, immutable views of an edition.

The HTML template (``<template>.mjml.j2``) and the text template (``<template>.txt.j2``)
receive the same variables:

``edition``   an :class:`EditionView` already filtered for the variant being rendered
``sections``  ``edition.sections`` (the rubriques to show, in order, none of them empty)
``org``       the :class:`OrganisationView` (postal identity, web site)
``personal``  markers for the per-recipient values (see ``newsletter.rendering.personalise``):
              ``personal.greeting``, ``personal.addressed``, ``personal.unsubscribe_url``,
              ``personal.preferences_url``, ``personal.web_url``
``clicks_counted`` true when the links go through the centre's click counter (totals per
              link and day, nobody's: ``newsletter.statistics.links``); the footer says so

Filters: ``long_date`` (``mardi 4 mars 2025``), ``short_date`` (``mar. 4 mars``),
``when`` (an item's time span: ``9 h 30 – 12 h``), ``weekday``/``day``/``month`` (pieces of
an agenda date badge). Texts are plain strings, escaped by the HTML template; only
``SectionView.text_html`` (the editors' sanitised édito and mouvements) is trusted HTML.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

from markupsafe import Markup

from newsletter.rendering import dates

Variant = frozenset[str]
"""A set of theme keys a recipient chose; the empty set means every theme."""

ALL_THEMES: Variant = frozenset()
CALENDAR_PATH = "/agenda"


def calendar_url(public_url: str, item_id: int) -> str:
    """The public address of an agenda entry's iCalendar file (add to a calendar)."""
    return f"{public_url}{CALENDAR_PATH}/{item_id}.ics"


@dataclass(frozen=True)
class ImageView:
    """An image served from the centre's own address: ``src`` at ``width`` × ``height`` CSS
    pixels, ``src2x`` twice as wide for high-density screens (emails show ``src2x`` at
    ``width``); ``alt`` is never empty."""

    src: str
    src2x: str
    width: int
    height: int
    alt: str


@dataclass(frozen=True)
class ItemView:
    """One item: a fiche d'expérience, a rendez-vous, an actualité…"""

    id: int
    kind: str  # fiche, agenda, actualite, publication, mouvement, ressource
    kind_label: str  # "Fiche d'expérience", "Rendez-vous"…
    title: str
    url: str  # canonical link, "" when there is none
    excerpt: str  # plain text, already shortened
    themes: frozenset[str] = frozenset()  # theme keys; none means "for everyone"
    credits: tuple[str, ...] = ()  # names of the sources that announced it
    starts_at: datetime | None = None  # agenda entries, in the organisation's time zone
    ends_at: datetime | None = None
    all_day: bool = False
    place: str = ""
    organiser: str = ""
    registration_url: str = ""
    change: str = ""  # "" (new), "modifie" (updated since announced), "annule" (cancelled)
    calendar_url: str = ""  # agenda entries: their .ics on the public site
    image: ImageView | None = None

    @property
    def is_event(self) -> bool:
        return self.starts_at is not None

    @property
    def hours(self) -> str:
        """An event's time span after its day (``9 h 30 – 12 h``); "" for other items."""
        if self.starts_at is None:
            return ""
        return dates.when(self.starts_at, self.ends_at, self.all_day)

    def shown_in(self, variant: Variant) -> bool:
        """Items without a theme go to everyone; themed ones to those who chose a theme."""
        return not variant or not self.themes or bool(self.themes & variant)


@dataclass(frozen=True)
class SectionView:
    """A rubrique: its title, an optional introduction, editors' text, its items."""

    key: str
    title: str
    items: tuple[ItemView, ...] = ()
    intro: str = ""
    credits: bool = False  # show which sources announced each item
    text_html: Markup = field(default_factory=Markup)  # sanitised édito / mouvements
    text: str = ""  # the same as plain text, for the text part

    @property
    def empty(self) -> bool:
        return not self.items and not self.text


@dataclass(frozen=True)
class OrganisationView:
    """The sender's identity, shown in every email's footer (a legal requirement)."""

    name: str
    description: str
    address: str
    website: str
    contact_email: str = ""
    logo: ImageView | None = None


@dataclass(frozen=True)
class EditionView:
    """One edition as recipients see it."""

    newsletter: str  # key in config.toml, e.g. "lettre"
    template: str  # template name, e.g. "lettre" → lettre.mjml.j2 and lettre.txt.j2
    title: str  # "La Lettre de Profession Banlieue"
    description: str
    number: int
    period: str  # "novembre-décembre 2026"
    send_date: date
    subject: str
    preheader: str
    sections: tuple[SectionView, ...]
    organisation: OrganisationView

    def for_variant(self, variant: Variant) -> EditionView:
        """The edition restricted to a variant's themes; rubriques left empty disappear."""
        sections = []
        for section in self.sections:
            items = tuple(item for item in section.items if item.shown_in(variant))
            kept = replace(section, items=items)
            if not kept.empty:
                sections.append(kept)
        preheader = self.preheader or _teaser(sections)
        return replace(self, sections=tuple(sections), preheader=preheader)


TEASER_CHARS = 140


def _teaser(sections: list[SectionView]) -> str:
    """Default preheader: the first live title of each rubrique (or the rubriques) that fit."""
    firsts = []
    for section in sections:
        live = [item.title for item in section.items if item.change != "annule"]
        firsts.extend(live[:1])
    for parts in (firsts, [section.title for section in sections]):
        text = ""
        for part in parts:
            longer = f"{text} · {part}" if text else part
            if len(longer) > TEASER_CHARS:
                break
            text = longer
        if text:
            return f"Au sommaire : {text}"
    return ""
