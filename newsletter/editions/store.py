"""Edition queries: numbering, what was announced, candidates for assembly, editors' changes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.content.models import Item, ItemSource
from newsletter.content.territories import territories_of
from newsletter.db import utcnow
from newsletter.editions.lifecycle import (
    DONE,
    EDITABLE,
    PUBLISHED,
    STATES,
    move,
    require_editable,
)
from newsletter.editions.models import Edition, EditionItem, EditionNumbering
from newsletter.editions.selection import Candidate, Placement, added_change, rubrique_for
from newsletter.editions.snapshots import approved_state, content_hash, freeze
from newsletter.errors import InputError, NotFoundError
from newsletter.rendering.context import EditionView
from newsletter.settings import NewsletterSettings
from newsletter.sources.models import Source
from newsletter.vocabulary import ITEM_KINDS

LINK_SCHEMES = ("https://", "http://", "mailto:")
GONE = "il a pu être fusionné ou supprimé : cherchez-le de nouveau"


class EditionStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- reading --------------------------------------------------------------------------

    def get(self, edition_id: int, lock: bool = False) -> Edition:
        """An edition; ``lock`` holds its row until commit (senders starting together)."""
        edition = self.session.get(Edition, edition_id, with_for_update=lock or None)
        if edition is None:
            raise NotFoundError(f"édition {edition_id} introuvable", "voir la liste des éditions")
        return edition

    def listing(self, newsletter: str | None = None) -> list[Edition]:
        query = sa.select(Edition).order_by(Edition.newsletter, Edition.number.desc())
        if newsletter:
            query = query.where(Edition.newsletter == newsletter)
        return list(self.session.scalars(query))

    def in_states(
        self, newsletters: Iterable[str], states: Iterable[str], limit: int | None = None
    ) -> list[Edition]:
        """Editions of these newsletters in these states: soonest first, or latest first
        for states behind us (``DONE``)."""
        wanted = list(states)
        done = set(wanted) <= set(DONE)
        order = (Edition.send_at.desc(), Edition.id.desc()) if done else (Edition.send_at,)
        query = (
            sa.select(Edition)
            .where(Edition.newsletter.in_(list(newsletters)), Edition.state.in_(wanted))
            .order_by(*order)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def using_segment(self, name: str) -> list[Edition]:
        """Editions still to go out that target this segment."""
        query = sa.select(Edition).where(Edition.segment == name, Edition.state.not_in(list(DONE)))
        return list(self.session.scalars(query.order_by(Edition.send_at)))

    def set_segment(self, edition: Edition, name: str) -> None:
        """The segment the edition goes to ("": the newsletter's); only before its send."""
        if edition.state not in EDITABLE:
            raise InputError(
                f"l’édition est {STATES[edition.state]} : ses destinataires ne changent plus"
            )
        edition.segment = name
        self.session.flush()

    def published(self, newsletter: str) -> list[Edition]:
        """Editions that went out (or are going out), newest first, special issues too."""
        query = (
            sa.select(Edition)
            .where(Edition.newsletter == newsletter, Edition.state.in_(PUBLISHED))
            .order_by(Edition.number.desc())
        )
        return list(self.session.scalars(query))

    def open_edition(self, newsletter: str) -> Edition | None:
        """The regular edition being prepared (draft, approved or scheduled), if any."""
        query = sa.select(Edition).where(
            Edition.newsletter == newsletter, Edition.state.in_(EDITABLE), ~Edition.special
        )
        return self.session.scalars(query.order_by(Edition.number.desc())).first()

    def at(self, newsletter: str, send_at: datetime) -> Edition | None:
        """The regular edition of a newsletter planned for that send, whatever its state."""
        query = sa.select(Edition).where(
            Edition.newsletter == newsletter, Edition.send_at == send_at, ~Edition.special
        )
        return self.session.scalars(query.order_by(Edition.number.desc())).first()

    def awaiting_send(self, now: datetime) -> list[Edition]:
        """Editions the scheduler may have to send: being sent, or prepared and dated no
        later than ``now`` (the rules are in :mod:`newsletter.editions.due`)."""
        prepared = sa.and_(Edition.state.in_(EDITABLE), Edition.send_at <= now)
        query = sa.select(Edition).where(sa.or_(Edition.state == "sending", prepared))
        return list(self.session.scalars(query.order_by(Edition.send_at)))

    def announced(self, newsletter: str) -> dict[int, int]:
        """Items of the newsletter's published regular editions → latest revision announced
        (a special issue's items still go in the next regular one)."""
        query = (
            sa.select(EditionItem.item_id, sa.func.max(EditionItem.item_revision))
            .join(Edition)
            .where(
                Edition.newsletter == newsletter,
                Edition.state.in_(PUBLISHED),
                ~Edition.special,
            )
            .group_by(EditionItem.item_id)
        )
        return {item_id: revision for item_id, revision in self.session.execute(query)}

    def candidates(self, since: datetime, send_at: datetime) -> list[Candidate]:
        """Items published in the window, and every rendez-vous still ahead of the send."""
        return self.candidates_of(self.window_items(since, send_at))

    def window_items(self, since: datetime, send_at: datetime) -> list[Item]:
        """The items of :meth:`candidates`: rendez-vous ahead by date, then newest first."""
        query = sa.select(Item).where(
            sa.or_(
                sa.and_(Item.published_at > since, Item.published_at <= send_at),
                sa.and_(Item.kind == "agenda", Item.starts_at >= send_at),
            )
        )
        items = list(self.session.scalars(query))
        ahead = sorted((i for i in items if i.kind == "agenda" and i.starts_at is not None
                        and i.starts_at >= send_at), key=lambda i: (i.starts_at, i.id))  # fmt: skip
        first = {item.id for item in ahead}
        rest = sorted((i for i in items if i.id not in first),
                      key=lambda i: (i.published_at, i.id), reverse=True)  # fmt: skip
        return ahead + rest

    def chosen(self, item_ids: Iterable[int]) -> list[Candidate]:
        """Items an editor picked (a special issue's), as the assembly rules see them."""
        ids = sorted(set(item_ids))
        items = list(self.session.scalars(sa.select(Item).where(Item.id.in_(ids)))) if ids else []
        missing = set(ids) - {item.id for item in items}
        if missing:
            raise NotFoundError(f"élément {min(missing)} introuvable", GONE)
        return self.candidates_of(items)

    def candidates_of(self, items: Sequence[Item]) -> list[Candidate]:
        keys = self._source_keys(item.id for item in items)
        return [
            Candidate(
                id=item.id,
                kind=item.kind,
                published_at=item.published_at,
                revision=item.revision,
                themes=frozenset(item.themes),
                networks=frozenset(item.networks),
                sources=frozenset(keys.get(item.id, ())),
                starts_at=item.starts_at,
                cancelled=item.cancelled,
                territories=territories_of(item.territory, item.place),
            )
            for item in items
        ]

    def newsletters_carrying(self, item_id: int) -> set[str]:
        """The newsletters with an edition (in any state) that carries the item."""
        query = (
            sa.select(Edition.newsletter)
            .join(EditionItem, EditionItem.edition_id == Edition.id)
            .where(EditionItem.item_id == item_id)
        )
        return set(self.session.scalars(query))

    def credits(self, edition: Edition) -> dict[int, tuple[str, ...]]:
        """Names of the sources that announced each item of the edition."""
        query = (
            sa.select(ItemSource.item_id, Source.name)
            .join(Source, Source.id == ItemSource.source_id)
            .join(EditionItem, EditionItem.item_id == ItemSource.item_id)
            .where(EditionItem.edition_id == edition.id)
            .order_by(ItemSource.id)
        )
        found: dict[int, tuple[str, ...]] = {}
        for item_id, name in self.session.execute(query):
            found[item_id] = (*found.get(item_id, ()), name)
        return found

    def _source_keys(self, item_ids: Iterable[int]) -> dict[int, list[str]]:
        ids = sorted(set(item_ids))
        keys: dict[int, list[str]] = {}
        for start in range(0, len(ids), 500):
            query = (
                sa.select(ItemSource.item_id, Source.key)
                .join(Source, Source.id == ItemSource.source_id)
                .where(ItemSource.item_id.in_(ids[start : start + 500]))
            )
            for item_id, key in self.session.execute(query):
                keys.setdefault(item_id, []).append(key)
        return keys

    # -- numbering ------------------------------------------------------------------------

    def next_number(self, newsletter: str, first_number: int) -> int:
        """The number the next edition takes: as set by an editor, else continuing."""
        numbering = self.session.get(EditionNumbering, newsletter)
        highest = self.session.scalar(
            sa.select(sa.func.max(Edition.number)).where(Edition.newsletter == newsletter)
        )
        if numbering is not None:
            return max(numbering.next_number, (highest or 0) + 1)
        return first_number if highest is None else highest + 1

    def set_next_number(self, newsletter: str, number: int) -> None:
        """Initialise numbering (the Lettre was not at n° 1 when this tool arrived)."""
        highest = self.session.scalar(
            sa.select(sa.func.max(Edition.number)).where(Edition.newsletter == newsletter)
        )
        if highest is not None and number <= highest:
            raise InputError(
                f"le n° {highest} existe déjà pour la lettre {newsletter}",
                f"choisissez un numéro supérieur à {highest}",
            )
        numbering = self.session.get(EditionNumbering, newsletter)
        if numbering is None:
            self.session.add(EditionNumbering(newsletter=newsletter, next_number=number))
        else:
            numbering.next_number = number

    # -- writing --------------------------------------------------------------------------

    def add(self, edition: Edition) -> Edition:
        self.session.add(edition)
        self.session.flush()
        return edition

    def place(self, edition: Edition, placements: Sequence[Placement]) -> None:
        """Replace the edition's items by these placements."""
        edition.entries.clear()
        self.session.flush()
        edition.entries.extend(
            EditionItem(
                item_id=placement.item_id,
                section=placement.section,
                position=placement.position,
                item_revision=placement.revision,
                change=placement.change,
                title=placement.title,
                summary=placement.summary,
                url=placement.url,
            )
            for placement in placements
        )
        self.session.flush()
        self.session.refresh(edition)

    def move_item(self, edition: Edition, item_id: int, position: int) -> None:
        """Put an item at ``position`` (from 1) within its rubrique."""
        require_editable(edition)
        entry = self._entry(edition, item_id)
        siblings = [e for e in self._section(edition, entry.section) if e is not entry]
        siblings.insert(max(0, min(position - 1, len(siblings))), entry)
        self._renumber(siblings)

    def drop_item(self, edition: Edition, item_id: int) -> None:
        require_editable(edition)
        entry = self._entry(edition, item_id)
        edition.entries.remove(entry)
        self._renumber(self._section(edition, entry.section))

    def add_item(
        self, edition: Edition, item_id: int, newsletter: NewsletterSettings, section: str | None
    ) -> EditionItem:
        """Add an item at the end of a rubrique (by default the first one it fits)."""
        require_editable(edition)
        item = self.session.get(Item, item_id)
        if item is None:
            raise NotFoundError(f"élément {item_id} introuvable", GONE)
        titles = {declared.key: declared.title for declared in newsletter.sections}
        for entry in edition.entries:
            if entry.item_id == item.id:
                where = titles.get(entry.section, entry.section)
                raise InputError(f"« {item.title} » est déjà dans cette édition, "
                                 f"rubrique « {where} »")  # fmt: skip
        candidate = self.candidates_of([item])[0]
        if section is None:
            section = rubrique_for(newsletter, candidate)
            if section is None:
                kind = ITEM_KINDS.get(item.kind, item.kind)
                raise InputError(
                    f"aucune rubrique de « {newsletter.title} » ne reçoit d’élément de type "
                    f"« {kind} »",
                    "choisissez vous-même une rubrique dans la liste",
                )
        elif section not in titles:
            raise InputError(f"rubrique inconnue : {section}",
                             f"rubriques : {', '.join(titles.values())}")  # fmt: skip
        change = added_change(candidate, self.announced(edition.newsletter).get(item.id))
        entry = EditionItem(
            item_id=item.id,
            item=item,
            section=section,
            position=len(self._section(edition, section)) + 1,
            item_revision=item.revision,
            change=change,
        )
        edition.entries.append(entry)
        return entry

    def set_texts(
        self,
        edition: Edition,
        edito: str | None = None,
        mouvements: str | None = None,
        subject: str | None = None,
        preheader: str | None = None,
    ) -> bool:
        """Editors' texts: édito and mouvements kept as typed (light Markdown, editions.prose;
        sanitised when rendered).

        Only what differs from the stored text counts as a change (and sends an approved
        edition back to draft); whether anything changed."""
        if subject is not None and not subject.strip():
            raise InputError("objet vide", "donnez un objet au message")
        wanted = {
            "edito": None if edito is None else _typed(edito),
            "mouvements": None if mouvements is None else _typed(mouvements),
            "subject": None if subject is None else subject.strip(),
            "preheader": None if preheader is None else preheader.strip(),
        }
        changes = {
            name: value
            for name, value in wanted.items()
            if value is not None and value != getattr(edition, name)
        }
        if changes:
            require_editable(edition)
            for name, value in changes.items():
                setattr(edition, name, value)
        return bool(changes)

    def set_override(
        self, edition: Edition, item_id: int, title: str, summary: str, url: str
    ) -> bool:
        """What this edition says of an item instead of its title, summary and link ("":
        the item's own); the item is untouched. Whether anything changed."""
        entry = self._entry(edition, item_id)
        url = url.strip()
        if url and not url.lower().startswith(LINK_SCHEMES):
            raise InputError("lien invalide : il doit commencer par https://",
                             "copiez l’adresse depuis la barre du navigateur")  # fmt: skip
        item = entry.item
        wanted = {
            "title": "" if title.strip() == item.title else " ".join(title.split())[:500],
            "summary": _typed(summary),
            "url": "" if url == item.url else url[:2000],
        }
        changed = {name: value for name, value in wanted.items() if getattr(entry, name) != value}
        if changed:
            require_editable(edition)
            for name, value in changed.items():
                setattr(entry, name, value)
        return bool(changed)

    def replace_section(
        self, edition: Edition, section: str, placements: Sequence[Placement]
    ) -> int:
        """The rubrique's items chosen again (``placements`` of that rubrique); items already
        in another rubrique of the edition stay there. How many the rubrique now has."""
        require_editable(edition)
        elsewhere = {entry.item_id for entry in edition.entries if entry.section != section}
        for entry in self._section(edition, section):
            edition.entries.remove(entry)
        self.session.flush()
        kept = [placement for placement in placements
                if placement.section == section and placement.item_id not in elsewhere]  # fmt: skip
        edition.entries.extend(
            EditionItem(item_id=placement.item_id, section=section, position=position,
                        item_revision=placement.revision, change=placement.change)
            for position, placement in enumerate(kept, start=1)
        )  # fmt: skip
        self.session.flush()
        self.session.refresh(edition)
        return len(kept)

    def approve(
        self, edition: Edition, view: EditionView, by: str, now: datetime | None = None
    ) -> None:
        """Approved: ``view``, the edition as it is now, is frozen (editions.snapshots) and
        is what may go out at its date, each item announced at its present revision.
        Approving again an approved or scheduled edition refreezes it, in the same state.
        An editor's approval also lifts a hold."""
        if edition.state not in ("approved", "scheduled"):
            move(edition, "approved")
        for entry in edition.entries:
            entry.item_revision = entry.item.revision
        edition.approved_at = now or utcnow()
        edition.snapshot, edition.snapshot_hash = freeze(edition, view), content_hash(view)
        edition.accepted_hash = ""
        edition.approved_by = by[:200]
        edition.held_reason = ""

    def restore_approved(self, edition: Edition) -> None:
        """Abandon the changes made since the approval: texts, items and send time as
        approved, and the edition approved again with its snapshot."""
        if edition.snapshot is None:
            raise InputError("cette édition n’a jamais été approuvée",
                             "approuvez-la : il n’y a rien à abandonner")  # fmt: skip
        texts, placements, send_at = approved_state(edition.snapshot)
        for name, value in texts.items():
            setattr(edition, name, value)
        self.place(edition, placements)
        edition.send_at = send_at or edition.send_at
        if edition.state == "draft":
            move(edition, "approved")
        edition.held_reason = ""

    def hold(self, edition: Edition, reason: str) -> None:
        """The scheduler will not send it until an editor confirms (``reason`` says why)."""
        edition.held_reason = reason[:300]

    def mark_notified(self, edition: Edition, now: datetime) -> None:
        """The editors were emailed that this draft is ready."""
        edition.editors_notified_at = now

    def schedule(self, edition: Edition) -> None:
        """An approved edition will go out by itself at its send date."""
        move(edition, "scheduled")

    def cancel(self, edition: Edition) -> None:
        """Give up an edition not sent yet (or a paused send); its number stays used."""
        move(edition, "cancelled")

    def start_sending(self, edition: Edition) -> None:
        """An approved edition starts going out (or a paused one resumes)."""
        move(edition, "sending")
        edition.held_reason = ""

    def pause(self, edition: Edition, reason: str) -> None:
        if edition.state == "sending":
            move(edition, "paused")
        edition.held_reason = reason[:500]

    def mark_sent(self, edition: Edition, when: datetime) -> None:
        """The edition went out, announcing its items at the revisions it was approved with."""
        move(edition, "sent")
        edition.sent_at = when

    def _entry(self, edition: Edition, item_id: int) -> EditionItem:
        for entry in edition.entries:
            if entry.item_id == item_id:
                return entry
        raise NotFoundError(f"l’élément {item_id} n’est pas dans cette édition",
                            "il a pu en être retiré entre-temps : rechargez la page")  # fmt: skip

    @staticmethod
    def _section(edition: Edition, section: str) -> list[EditionItem]:
        entries = [entry for entry in edition.entries if entry.section == section]
        return sorted(entries, key=lambda entry: entry.position)

    @staticmethod
    def _renumber(entries: Sequence[EditionItem]) -> None:
        for position, entry in enumerate(entries, start=1):
            entry.position = position


def _typed(text: str) -> str:
    """An editor's text as typed: line ends normalised, outer blank space dropped."""
    return text.replace("\r\n", "\n").strip()
