"""Settings of content gathering: database, fetching, sources, classification."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from newsletter.settings.base import Section, Zone
from newsletter.vocabulary import ITEM_KINDS


class DatabaseSettings(Section):
    url: str = "sqlite:///var/lettre.db"
    echo: bool = False


class FetchSettings(Section):
    concurrency: Annotated[int, Field(ge=1, le=256)] = 64
    connect_timeout: Annotated[float, Field(gt=0)] = 5.0
    read_timeout: Annotated[float, Field(gt=0)] = 15.0
    total_timeout: Annotated[float, Field(gt=0)] = 30.0
    max_bytes: Annotated[int, Field(ge=1024)] = 5_000_000
    max_redirects: Annotated[int, Field(ge=0, le=20)] = 5
    user_agent: str = "Lettre/0.1 (Profession Banlieue)"
    timezone: Zone = "Europe/Paris"
    failure_alert_streak: Annotated[int, Field(ge=1)] = 3
    agenda_horizon_days: Annotated[int, Field(ge=1, le=3660)] = 365


class SourceSettings(Section):
    key: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]
    name: str
    type: Literal["feed", "ical"] = "feed"
    url: str
    kind: str = "actualite"
    themes: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()
    territory: str = ""
    enabled: bool = True

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, value: str) -> str:
        if value not in ITEM_KINDS:
            raise ValueError(f"type inconnu {value!r} ; attendu : {', '.join(ITEM_KINDS)}")
        return value

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("doit être une URL http:// ou https://")
        return value


class Category(Section):
    """A theme or a network: a label and accent-insensitive keywords."""

    label: str
    keywords: tuple[str, ...] = ()


class ClassificationSettings(Section):
    themes: dict[str, Category] = {}
    networks: dict[str, Category] = {}
    # A title starting with one of these words (case and accents ignored) marks the item.
    cancelled_words: tuple[str, ...] = ()
    postponed_words: tuple[str, ...] = ()
