"""From a stored edition to what templates see (:mod:`newsletter.rendering.context`).

Pure: the edition, its items and their credits are loaded by the store beforehand.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup

from newsletter.content.sanitise import plain_text
from newsletter.editions.models import Edition, EditionItem
from newsletter.editions.prose import to_html
from newsletter.rendering.context import (
    EditionView,
    ItemView,
    OrganisationView,
    SectionView,
    calendar_url,
)
from newsletter.rendering.text import html_to_text
from newsletter.settings import NewsletterSettings, OrganisationSettings
from newsletter.vocabulary import ITEM_KINDS

Credits = Mapping[int, tuple[str, ...]]
"""Item id → names of the sources that announced it."""
LINK_SCHEMES = ("https://", "http://", "mailto:")


def safe_link(url: str) -> str:
    """Only web and mail links reach an email; anything else (``javascript:``…) is dropped."""
    return url if url.lower().startswith(LINK_SCHEMES) else ""


def excerpt(summary_html: str, limit: int) -> str:
    """One paragraph of plain text, cut after a word and marked ``…`` when too long."""
    text = " ".join(plain_text(summary_html).split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0].rstrip(" ,;:.–—-")
    return f"{cut}…"


def edition_view(
    edition: Edition,
    newsletter: NewsletterSettings,
    organisation: OrganisationSettings,
    credits: Credits,
) -> EditionView:
    zone = ZoneInfo(organisation.timezone)
    public_url = organisation.public_url
    by_section: dict[str, list[EditionItem]] = {}
    for entry in sorted(edition.entries, key=lambda entry: entry.position):
        by_section.setdefault(entry.section, []).append(entry)
    texts = {"edito": to_html(edition.edito or ""), "mouvements": to_html(edition.mouvements or "")}
    sections = []
    for section in newsletter.sections:
        entries = by_section.pop(section.key, [])
        text_html = texts.get(section.text, "")
        sections.append(
            SectionView(
                key=section.key,
                title=section.title,
                intro=section.intro,
                credits=section.credits,
                text_html=Markup(text_html),
                text=html_to_text(text_html),
                items=tuple(
                    _item(entry, newsletter.excerpt_chars, zone, credits, public_url)
                    for entry in entries
                ),
            )
        )
    for key, entries in by_section.items():  # rubriques removed from config.toml since
        items = tuple(_item(entry, newsletter.excerpt_chars, zone, credits, public_url)
                      for entry in entries)  # fmt: skip
        sections.append(SectionView(key=key, title=key.capitalize(), items=items))
    return EditionView(
        newsletter=edition.newsletter,
        template=newsletter.template,
        title=newsletter.title,
        description=newsletter.description,
        number=edition.number,
        period=edition.period,
        send_date=edition.send_at.astimezone(zone).date(),
        subject=edition.subject,
        preheader=edition.preheader,
        sections=tuple(section for section in sections if not section.empty),
        organisation=OrganisationView(
            name=organisation.name,
            description=organisation.description,
            address=organisation.address,
            website=organisation.website,
            contact_email=organisation.contact_email,
        ),
    )


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    return moment.astimezone(zone) if moment is not None else None


def _item(
    entry: EditionItem, limit: int, zone: ZoneInfo, credits: Credits, public_url: str
) -> ItemView:
    """The item as this edition shows it: the edition's title, summary and link when an
    editor gave them, else the item's own."""
    item = entry.item
    event = item.kind == "agenda" and item.starts_at is not None
    return ItemView(
        id=item.id,
        kind=item.kind,
        kind_label=ITEM_KINDS.get(item.kind, item.kind),
        title=entry.title or item.title,
        url=safe_link(entry.url or item.url),
        excerpt=" ".join((entry.summary or "").split()) or excerpt(item.summary, limit),
        themes=frozenset(item.themes),
        credits=credits.get(item.id, ()),
        starts_at=_local(item.starts_at, zone) if event else None,
        ends_at=_local(item.ends_at, zone) if event else None,
        all_day=item.all_day,
        place=item.place,
        organiser=item.organiser,
        registration_url=safe_link(item.registration_url),
        change="annule" if item.cancelled else entry.change,
        calendar_url=calendar_url(public_url, item.id) if event else "",
    )
