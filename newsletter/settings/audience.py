"""Settings of subscribers: lists, tokens, retention, bounces; segments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from pydantic import Field, field_validator

from newsletter.settings.base import Key, Section
from newsletter.vocabulary import FORMATS, PROFILES


class MailingList(Section):
    """A list people subscribe to (lettre, reaap, clas…)."""

    label: str
    description: str = ""


class SubscriberSettings(Section):
    lists: dict[Key, MailingList] = {}
    confirm_token_days: Annotated[float, Field(gt=0)] = 7
    link_token_days: Annotated[float, Field(gt=0)] = 3650
    confirmations_per_day: Annotated[int, Field(ge=1)] = 3
    confirmations_per_client_hour: Annotated[int, Field(ge=1)] = 10
    confirmations_per_hour: Annotated[int, Field(ge=1)] = 200
    data_link_minutes: Annotated[float, Field(gt=0, le=1440)] = 30
    pending_days: Annotated[int, Field(ge=1)] = 30
    unsubscribed_days: Annotated[int, Field(ge=1)] = 365
    bounce_address: str = "bounces@lettre.professionbanlieue.org"
    bounce_mailbox: str = ""
    soft_bounce_half_life_days: Annotated[float, Field(gt=0)] = 15
    soft_bounce_threshold: Annotated[float, Field(gt=0)] = 3
    consent_wording: str = "2026-01"
    sender: str = "Profession Banlieue <lettre@professionbanlieue.org>"

    @field_validator("bounce_address")
    @classmethod
    def _plain_address(cls, value: str) -> str:
        if value.count("@") != 1 or "+" in value:
            raise ValueError("adresse attendue, sans « + » (il sert au VERP)")
        return value


class SegmentRule(Section):
    """A declarative filter: fields are combined with AND, values of one field with OR."""

    lists: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    all_of: tuple[SegmentRule, ...] = ()
    any_of: tuple[SegmentRule, ...] = ()
    none_of: tuple[SegmentRule, ...] = ()

    def unknown_keys(self, lists: Iterable[str], themes: Iterable[str]) -> list[str]:
        """Lists, profiles, themes and formats this rule names that do not exist."""
        lists, themes = set(lists), set(themes)
        unknown = [f"liste inconnue {key!r}" for key in self.lists if key not in lists]
        unknown += [f"profil inconnu {key!r}" for key in self.profiles if key not in PROFILES]
        unknown += [f"thème inconnu {key!r}" for key in self.themes if key not in themes]
        unknown += [f"format inconnu {key!r}" for key in self.formats if key not in FORMATS]
        for rule in (*self.all_of, *self.any_of, *self.none_of):
            unknown += rule.unknown_keys(lists, themes)
        return unknown


class Segment(SegmentRule):
    label: str = ""
