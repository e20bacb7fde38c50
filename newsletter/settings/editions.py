"""Settings of editions: the sender's identity, rendering, the newsletters."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator

from newsletter.settings.base import Key, Section, Zone, require_address
from newsletter.vocabulary import ITEM_KINDS, TERRITORIES, territory_label


class OrganisationSettings(Section):
    """Who sends: the postal identity shown in every email, and the public web address."""

    name: str = "Profession Banlieue"
    description: str = "Centre de ressources politique de la ville en Seine-Saint-Denis"
    address: str = "15 rue Catulienne, 93200 Saint-Denis"
    website: str = "https://www.professionbanlieue.org"
    public_url: Annotated[str, Field(pattern=r"^https?://[^/]+.*[^/]$")] = (
        "https://lettre.professionbanlieue.org"
    )
    logo_url: Annotated[str, Field(pattern=r"^(https?://.+)?$")] = ""
    contact_email: str = "lettre@professionbanlieue.org"
    timezone: Zone = "Europe/Paris"

    @field_validator("contact_email")
    @classmethod
    def _contact(cls, value: str) -> str:
        require_address(value)
        return value


class RenderingSettings(Section):
    templates: Path = Path("templates/email")
    output: Path = Path("var/editions")
    max_html_bytes: Annotated[int, Field(ge=10_000)] = 90_000
    text_width: Annotated[int, Field(ge=40, le=200)] = 72


SUBJECT_FIELDS = frozenset({"number", "period", "title"})


class NewsletterSection(Section):
    """One rubrique: which items it takes, in what order, how many."""

    key: Key
    title: str
    kinds: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    limit: Annotated[int, Field(ge=1, le=100)] = 8
    agenda_days: Annotated[int, Field(ge=1, le=366)] | None = None
    text: Literal["", "edito", "mouvements"] = ""
    intro: str = ""
    sources: tuple[str, ...] = ()
    territories: tuple[str, ...] = ()
    credits: bool = False

    @field_validator("territories")
    @classmethod
    def _known_territories(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        """Territory names as vocabulary.TERRITORIES spells them (case and accents free)."""
        labels = []
        for name in value:
            label = territory_label(name)
            if label is None:
                raise ValueError(f"territoire inconnu {name!r} ; connus : {', '.join(TERRITORIES)}")
            labels.append(label)
        return tuple(labels)

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [kind for kind in value if kind not in ITEM_KINDS]
        if unknown:
            raise ValueError(f"type inconnu {unknown[0]!r} ; attendu : {', '.join(ITEM_KINDS)}")
        return value


class NewsletterSettings(Section):
    """A newsletter: its audience, schedule, rubriques, look and sender."""

    title: str
    description: str = ""
    list: Key
    segment: str = ""
    schedule: str
    automatic: bool = False
    first_number: Annotated[int, Field(ge=1)] = 1
    lookback_days: Annotated[int, Field(ge=1, le=730)] = 60
    template: Key = "lettre"
    subject: str = "{title} n° {number} — {period}"
    preheader: str = ""
    excerpt_chars: Annotated[int, Field(ge=80, le=2000)] = 300
    sender: str
    reply_to: str = ""
    editors: tuple[str, ...] = ()
    min_items: Annotated[int, Field(ge=0)] = 3
    # Links go through the centre's address and are counted per link and day, never per
    # reader (newsletter.statistics.links).
    count_clicks: bool = False
    sections: tuple[NewsletterSection, ...]

    @property
    def networks(self) -> frozenset[str]:
        """The networks its rubriques are made of: a coordinator of the newsletter acts on
        their items."""
        return frozenset(network for section in self.sections for network in section.networks)

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value, timezone="UTC")
        except ValueError as exc:
            raise ValueError(f"expression cron invalide ({exc})") from None
        return value

    @field_validator("subject", "preheader")
    @classmethod
    def _subject_fields(cls, value: str) -> str:
        fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        if not fields <= SUBJECT_FIELDS:
            unknown = sorted(fields - SUBJECT_FIELDS)
            raise ValueError(f"champ inconnu {{{unknown[0]}}} ; connus : {{number}}, "
                             "{period}, {title}")  # fmt: skip
        return value

    @field_validator("sender", "reply_to")
    @classmethod
    def _address(cls, value: str) -> str:
        if value:
            require_address(value)
        return value

    @field_validator("editors")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            require_address(address)
        return value

    @field_validator("sections")
    @classmethod
    def _distinct(cls, value: tuple[NewsletterSection, ...]) -> tuple[NewsletterSection, ...]:
        keys = [section.key for section in value]
        if not keys:
            raise ValueError("au moins une rubrique")
        if len(set(keys)) < len(keys):
            raise ValueError("clé de rubrique en double")
        return value
