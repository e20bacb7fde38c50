"""Request and response bodies of the API, as they appear in its OpenAPI description."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from newsletter.archive.links import edition_url
from newsletter.content.models import Item
from newsletter.editions.lifecycle import PUBLISHED, STATES
from newsletter.editions.models import Edition
from newsletter.vocabulary import ITEM_KINDS

if TYPE_CHECKING:  # the values come from the vocabulary at run time
    Kind = str
    State = str
else:
    Kind = Literal[tuple(ITEM_KINDS)]
    State = Literal[tuple(STATES)]
DATE_HELP = "ISO 8601 (2026-12-08T18:30, heure de Paris si sans fuseau) ou en français"


class ItemIn(BaseModel):
    """An item pushed by the website; checked and cleaned like editorial input."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200, description="Identifiant stable sur le site")
    kind: Kind
    title: str = Field(min_length=1, max_length=500)
    summary: str = Field("", max_length=20_000, description="Texte, ou HTML (nettoyé)")
    url: str = Field("", max_length=2000)
    published_at: str = Field("", max_length=100, description=DATE_HELP)
    starts_at: str = Field("", max_length=100, description=f"Rendez-vous : {DATE_HELP}")
    ends_at: str = Field("", max_length=100, description=DATE_HELP)
    place: str = Field("", max_length=500)
    organiser: str = Field("", max_length=300)
    registration_url: str = Field("", max_length=2000)
    cancelled: bool = False
    themes: list[str] = Field([], max_length=20, description="Clés de thèmes (config.toml)")
    networks: list[str] = Field([], max_length=10, description="reaap, clas…")
    territory: str = Field("", max_length=200)

    def editorial_values(self) -> dict[str, str]:
        """The fields as editorial input rows have them (see content.editorial.COLUMNS)."""
        values = self.model_dump(exclude={"id", "themes", "networks", "cancelled"})
        return values | {
            "guid": self.id,
            "themes": ", ".join(self.themes),
            "networks": ", ".join(self.networks),
            "cancelled": "oui" if self.cancelled else "",
        }


class ItemOut(BaseModel):
    id: int
    kind: str
    title: str
    summary_html: str
    url: str
    published_at: datetime
    starts_at: datetime | None
    ends_at: datetime | None
    place: str
    organiser: str
    registration_url: str
    cancelled: bool
    themes: list[str]
    networks: list[str]
    territory: str
    revision: int

    @classmethod
    def of(cls, item: Item) -> ItemOut:
        return cls(
            id=item.id, kind=item.kind, title=item.title, summary_html=item.summary,
            url=item.url, published_at=item.published_at, starts_at=item.starts_at,
            ends_at=item.ends_at, place=item.place, organiser=item.organiser,
            registration_url=item.registration_url, cancelled=item.cancelled,
            themes=item.themes, networks=item.networks, territory=item.territory,
            revision=item.revision,
        )  # fmt: skip


class ItemPage(BaseModel):
    items: list[ItemOut]
    offset: int
    limit: int
    next_offset: int | None = Field(description="Pour la page suivante ; null à la fin")


class ErrorOut(BaseModel):
    error: str = Field(description="Message en français")
    hint: str = ""


class FieldError(BaseModel):
    field: str
    message: str


class ValidationErrorOut(ErrorOut):
    fields: list[FieldError]


class Counts(BaseModel):
    """Recipients of an edition by delivery status (the deliveries ledger)."""

    queued: int
    sending: int
    sent: int
    deferred: int
    failed: int
    skipped: int


class EditionOut(BaseModel):
    id: int
    newsletter: str = Field(description="Clé de la lettre (config.toml)")
    number: int
    state: State
    period: str
    subject: str
    preheader: str
    send_at: datetime
    approved_at: datetime | None
    sent_at: datetime | None
    items: int = Field(description="Nombre d'éléments")
    counts: Counts
    web_url: str | None = Field(description="Version en ligne, une fois l'édition partie")

    @classmethod
    def of(cls, edition: Edition, counts: dict[str, int], public_url: str) -> EditionOut:
        published = edition.state in PUBLISHED
        return cls(
            id=edition.id, newsletter=edition.newsletter, number=edition.number,
            state=edition.state, period=edition.period, subject=edition.subject,
            preheader=edition.preheader, send_at=edition.send_at,
            approved_at=edition.approved_at, sent_at=edition.sent_at,
            items=len(edition.entries), counts=Counts(**counts),
            web_url=edition_url(public_url, edition.newsletter, edition.number)
            if published else None,
        )  # fmt: skip


class EditionPage(BaseModel):
    editions: list[EditionOut]
    offset: int
    limit: int
    next_offset: int | None = Field(description="Pour la page suivante ; null à la fin")
