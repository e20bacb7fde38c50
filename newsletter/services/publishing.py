"""Editions as their readers get them: the send path's rendering for previews, test sends,
archive pages and the files ``edition render`` writes, and the header fields every message
of an edition shares. All of them go through :meth:`Publishing.renderings`, the function the
real send renders with, so a preview is what subscribers receive.

What is rendered is the edition's snapshot once it was approved (see editions.snapshots):
what an editor approved is what goes out, whatever changes later; a draft renders live.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from email.utils import parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from newsletter.archive.feed import ArchivedEdition, archive_feed, summary
from newsletter.archive.links import edition_url, sample_values
from newsletter.archive.pages import archive_page
from newsletter.dispatch.bodies import finished_texts
from newsletter.dispatch.message import EditionHeaders, MessageFactory, Recipient, feedback_id
from newsletter.editions.models import Edition
from newsletter.editions.snapshots import content_hash, differences, thaw
from newsletter.editions.store import EditionStore
from newsletter.editions.views import edition_view
from newsletter.rendering.context import ALL_THEMES, EditionView, Variant
from newsletter.rendering.personalise import PersonalValues
from newsletter.rendering.renderer import Rendered, Renderer
from newsletter.services.illustrated import illustrated
from newsletter.settings import Settings
from newsletter.statistics.links import tracked_view

SAMPLE_RECIPIENT = Recipient(key="apercu", email="claire.dupont@exemple.fr", name="Mme Dupont")
PREVIEW_KEY = b"preview"  # Message-ID of a preview file: no secret needed, it is never sent


@dataclass(frozen=True)
class Preview:
    """An edition as an imaginary subscriber of one variant gets it."""

    rendered: Rendered
    html: str
    text: str


@dataclass(frozen=True)
class Written:
    page: Path  # index.html: the archive page, with no personal link
    text: Path  # message.txt: the same as text
    preview: Path  # preview.eml: the message an imaginary subscriber would receive


def variant_key(themes: Variant) -> str:
    """How the ledger names a variant: its theme keys, sorted, joined by commas."""
    return ",".join(sorted(themes))


def variant_themes(key: str) -> frozenset[str]:
    return frozenset(key.split(",")) if key else frozenset()


class Publishing:
    def __init__(self, settings: Settings, renderer: Renderer) -> None:
        self.settings = settings
        self.renderer = renderer

    def live_view(self, session: Session, edition: Edition) -> EditionView:
        """The edition as its items and texts are now."""
        settings = self.settings
        newsletter = settings.newsletter(edition.newsletter)
        view = edition_view(edition, newsletter, settings.organisation,
                            EditionStore(session).credits(edition))  # fmt: skip
        return illustrated(view, session, settings.organisation.public_url)

    def view(self, session: Session, edition: Edition) -> EditionView:
        """What goes out: the approved snapshot, or the live edition of a draft."""
        if edition.snapshot is not None and edition.state != "draft":
            return thaw(edition.snapshot)
        return self.live_view(session, edition)

    def changes(self, session: Session, edition: Edition) -> list[str]:
        """What changed since the approval, in editors' words (empty: nothing, or never
        approved). Differences editors chose to leave out do not count."""
        if edition.snapshot is None:
            return []
        live = self.live_view(session, edition)
        if content_hash(live) in (edition.snapshot_hash, edition.accepted_hash):
            return []
        return differences(thaw(edition.snapshot), live) or ["contenu modifié"]

    def renderings(
        self, session: Session, edition: Edition, variants: Iterable[str]
    ) -> dict[str, Rendered]:
        """Each variant (a ledger key) rendered once: the send path's rendering (links
        through the click counter where the newsletter counts clicks)."""
        view = self.view(session, edition)
        counting = self.settings.newsletter(edition.newsletter).count_clicks
        if counting:
            view = tracked_view(view, self.settings.organisation.public_url, edition.id)
        done: dict[frozenset[str], Rendered] = {}
        for key in variants:
            themes = variant_themes(key)
            if themes not in done:
                done[themes] = self.renderer.render(view, themes, clicks_counted=counting)
        return {key: done[variant_themes(key)] for key in variants}

    def render(self, session: Session, edition: Edition, variant: Variant = ALL_THEMES) -> Rendered:
        key = variant_key(variant)
        return self.renderings(session, edition, [key])[key]

    def preview(self, session: Session, edition: Edition, variant: Variant = ALL_THEMES) -> Preview:
        """The send path's rendering, personalised with sample values: what the preview
        pages show and what a test send carries."""
        rendered = self.render(session, edition, variant)
        html, text = rendered.personalise(self.sample_values(edition))
        return Preview(rendered, html, text)

    def sample_values(self, edition: Edition) -> PersonalValues:
        public_url = self.settings.organisation.public_url
        return sample_values(public_url, edition.newsletter, edition.number,
                             SAMPLE_RECIPIENT.email)  # fmt: skip

    def headers(self, edition: Edition, subject: str) -> EditionHeaders:
        """What every message of the edition shares (From, List-Id, Feedback-ID…)."""
        settings = self.settings
        newsletter = settings.newsletter(edition.newsletter)
        name, address = parseaddr(newsletter.sender)
        return EditionHeaders(
            id=edition.id,
            subject=subject,
            sender_name=name,
            sender_address=address,
            list_name=newsletter.title,
            list_id=f"{edition.newsletter}.{settings.dispatch.list_id_domain}",
            reply_to=parseaddr(newsletter.reply_to)[1] if newsletter.reply_to else "",
            archive_url=edition_url(
                settings.organisation.public_url, edition.newsletter, edition.number
            ),
            feedback_id=feedback_id(edition.id, newsletter.list, settings.dispatch.feedback_id),
        )

    def feed(self, session: Session, newsletter: str, now: datetime) -> str:
        """The Atom feed of a newsletter's published editions, as they went out."""
        settings = self.settings
        archived = []
        for edition in EditionStore(session).published(newsletter):
            if edition.sent_at is not None:
                view = self.archive(session, edition)
                archived.append(ArchivedEdition(edition.number, view.subject, summary(view),
                                                edition.sent_at))  # fmt: skip
        return archive_feed(settings.organisation.public_url, newsletter,
                            settings.newsletter(newsletter).title, settings.organisation.name,
                            archived, now)  # fmt: skip

    def archive(self, session: Session, edition: Edition) -> EditionView:
        """What the public web page of an edition shows: its snapshot, every theme."""
        return self.view(session, edition).for_variant(ALL_THEMES)

    def write_files(
        self, session: Session, edition: Edition, folder: Path, variant: Variant = ALL_THEMES
    ) -> tuple[Rendered, Written]:
        """The archive page, its text, and the message an imaginary subscriber would get."""
        rendered = self.render(session, edition, variant)
        return rendered, self.write_rendered(edition, rendered, folder)

    def write_rendered(self, edition: Edition, rendered: Rendered, folder: Path) -> Written:
        """The files of a rendered edition; the message is built by the send path's message
        factory, dated at the edition's send time."""
        settings = self.settings
        folder.mkdir(parents=True, exist_ok=True)
        public_url = settings.organisation.public_url
        page, text = archive_page(rendered, public_url, edition.newsletter, edition.number)
        written = Written(folder / "index.html", folder / "message.txt", folder / "preview.eml")
        written.page.write_text(page, encoding="utf-8")
        written.text.write_text(text, encoding="utf-8")
        values = self.sample_values(edition)
        send_at = edition.send_at.astimezone(ZoneInfo(settings.organisation.timezone))
        factory = MessageFactory(self.headers(edition, rendered.subject), PREVIEW_KEY,
                                 clock=lambda: send_at)  # fmt: skip
        recipient = replace(SAMPLE_RECIPIENT, unsubscribe_url=values.unsubscribe_url)
        written.preview.write_bytes(factory.build(recipient, *finished_texts(rendered, values)))
        return written
