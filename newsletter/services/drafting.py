"""Making editions: the next regular issue of a newsletter (by the scheduler's rules), or a
special issue (its own subject, date, segment and chosen items). The edition pages and
``newsletter edition assemble`` both go through here: permissions, audit trail, and what
the new draft holds in editors' words."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from newsletter.accounts.permissions import Actor, check_edition, check_segments
from newsletter.audit.store import AuditStore
from newsletter.db import Database, utcnow
from newsletter.editions.assembly import assemble, assemble_special
from newsletter.editions.models import Edition
from newsletter.editions.periods import next_send, send_time
from newsletter.editions.selection import rubrique_for
from newsletter.editions.store import EditionStore
from newsletter.editions.summary import DraftSummary, summarise
from newsletter.settings import Settings
from newsletter.vocabulary import ITEM_KINDS
from subscribers.segments import Segments

PROPOSALS = 60


@dataclass(frozen=True)
class Drafted:
    """A draft just made: where it is and what it holds."""

    edition_id: int
    number: int
    subject: str
    send_at: datetime
    summary: DraftSummary


@dataclass(frozen=True)
class Proposal:
    """An item an editor may choose for a special issue."""

    item_id: int
    title: str
    kind: str  # its label
    when: datetime  # a rendez-vous' start, else its publication
    rubrique: str  # the title of its « rubrique automatique »


@dataclass(frozen=True)
class Coming:
    """The next regular issue of a newsletter: the one in preparation, or the one to make."""

    number: int
    send_at: datetime
    edition_id: int | None  # None: not made yet


class Drafting:
    def __init__(
        self, settings: Settings, database: Database, segments: Callable[[Session], Segments]
    ) -> None:
        self.settings = settings
        self.database = database
        self.segments = segments

    def coming(self, name: str, now: datetime | None = None) -> Coming:
        newsletter = self.settings.newsletter(name)
        with self.database.session() as session:
            store = EditionStore(session)
            edition = store.open_edition(name)
            if edition is not None:
                return Coming(edition.number, edition.send_at, edition.id)
            send_at = next_send(newsletter.schedule, now or utcnow(), self._zone)
            return Coming(store.next_number(name, newsletter.first_number), send_at, None)

    def next_issue(
        self,
        actor: Actor,
        name: str,
        day: date | None = None,
        replace: bool = False,
        now: datetime | None = None,
    ) -> Drafted:
        """The next numbered edition, assembled as the scheduler does (or the one being
        prepared, its items chosen again with ``replace``)."""
        newsletter = self.settings.newsletter(name)
        check_edition(actor, "assemble", name)
        with self.database.session() as session:
            made = assemble(EditionStore(session), name, newsletter, self._zone, day=day,
                            replace=replace, now=now)  # fmt: skip
            return self._done(session, actor, made, "refaite" if replace else "assemblée")

    def special_issue(
        self,
        actor: Actor,
        name: str,
        subject: str,
        day: date,
        item_ids: Iterable[int],
        segment: str = "",
        now: datetime | None = None,
    ) -> Drafted:
        """A special issue of the newsletter with the chosen items, to its list or one of
        its segments."""
        newsletter = self.settings.newsletter(name)
        check_edition(actor, "assemble", name)
        with self.database.session() as session:
            if segment:
                check_segments(actor, "view")
                self.segments(session).get(segment)
            made = assemble_special(EditionStore(session), name, newsletter, self._zone,
                                    subject, day, item_ids, now=now)  # fmt: skip
            made.segment = segment
            return self._done(session, actor, made, "numéro spécial créé")

    def proposals(self, actor: Actor, name: str, day: date | None = None) -> list[Proposal]:
        """What a special issue sent on ``day`` may carry: rendez-vous still ahead then,
        and what was published in the newsletter's lookback period."""
        newsletter = self.settings.newsletter(name)
        check_edition(actor, "view", name)
        send_at = send_time(newsletter.schedule, day, self._zone) if day else utcnow()
        since = send_at - timedelta(days=newsletter.lookback_days)
        titles = {section.key: section.title for section in newsletter.sections}
        found = []
        with self.database.session() as session:
            store = EditionStore(session)
            items = store.window_items(since, send_at)
            for item, candidate in zip(items, store.candidates_of(items), strict=True):
                key = rubrique_for(newsletter, candidate)
                if key is not None:
                    kind = ITEM_KINDS.get(item.kind, item.kind)
                    when = item.starts_at or item.published_at
                    found.append(Proposal(item.id, item.title, kind, when, titles[key]))
        return found[:PROPOSALS]

    @property
    def _zone(self) -> str:
        return self.settings.organisation.timezone

    def _done(self, session: Session, actor: Actor, edition: Edition, what: str) -> Drafted:
        newsletter = self.settings.newsletter(edition.newsletter)
        summary = summarise(edition, newsletter)
        AuditStore(session).record(actor.label, "assemble", user_id=actor.user_id,
                                   edition_id=edition.id,
                                   detail=f"{what} : {summary.counts}")  # fmt: skip
        return Drafted(edition.id, edition.number, edition.subject, edition.send_at, summary)
