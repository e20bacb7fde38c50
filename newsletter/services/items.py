"""What editors do to items — type new ones, import a file, correct one, propose a
correction, accept or refuse a proposal, split merged announcements — with the permission
rules (accounts.permissions) and the audit trail. The web pages, the API and the command
line all go through here, so a coordinator's limits hold whatever they use.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from newsletter.accounts.permissions import Actor, check_item
from newsletter.audit.store import AuditStore
from newsletter.content.entries import Entry
from newsletter.content.models import Item, ItemProposal
from newsletter.content.proposals import ProposalStore
from newsletter.content.store import ItemStore, SaveOutcome
from newsletter.db import Database
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError, PermissionDenied
from newsletter.settings import Settings
from newsletter.sources.editorial import parse_record, read_entries, save_editorial


def author_of(actor: Actor) -> str:
    """How an editorial entry's author is recorded (content.authors)."""
    return f"compte:{actor.user_id}" if actor.user_id is not None else actor.label


class Items:
    def __init__(self, settings: Settings, database: Database) -> None:
        self.settings = settings
        self.database = database

    def create(self, actor: Actor, record: Mapping[str, str]) -> tuple[int, bool]:
        """One item typed in (a web form, the API): its id, and whether it is new. The same
        identity typed again by its author updates it."""
        settings = self.settings
        entry = parse_record(dict(record), settings.classification, settings.fetch.timezone)
        check_item(actor, "create", entry.networks)
        with self.database.session() as session:
            saved = save_editorial(session, settings, [entry], author_of(actor))
            item = ItemStore(session).by_guid(entry.guid)
            if item is None:  # every saved entry is an item, or credits one
                raise InputError("élément introuvable après enregistrement")
            AuditStore(session).record(actor.label, "item_add", user_id=actor.user_id,
                                       item_id=item.id, detail=entry.kind)  # fmt: skip
            return item.id, saved.new == 1

    def import_file(self, actor: Actor, path: Path) -> tuple[SaveOutcome | None, list[str]]:
        """A CSV or JSON file in one transaction; with any bad row (or a row outside a
        coordinator's networks), nothing is written and each is reported by line."""
        report = read_entries(self.settings, path)
        errors = list(report.errors)
        for line, entry in zip(report.lines, report.entries, strict=True):
            errors += _refused(actor, entry, line)
        if errors:
            return None, errors
        with self.database.session() as session:
            saved = save_editorial(session, self.settings, report.entries, author_of(actor))
            AuditStore(session).record(actor.label, "item_add", user_id=actor.user_id,
                                       detail=f"import de {saved.total} élément(s)")  # fmt: skip
            return saved, []

    def correct(self, actor: Actor, item_id: int, values: Mapping[str, Any]) -> Item:
        """An editor's correction (overrides: feed updates will not undo it)."""
        with self.database.session() as session:
            store = ItemStore(session)
            item = store.get(item_id)
            _check_edit(session, actor, item)
            check_item(actor, "edit", values.get("networks", item.networks))
            store.override(item_id, self.settings.classification, **values)
            AuditStore(session).record(actor.label, "item_edit", user_id=actor.user_id,
                                       item_id=item_id, detail=", ".join(values))  # fmt: skip
            return item

    def may_correct(self, actor: Actor, item_id: int) -> bool:
        """Whether ``actor`` may correct the item directly (else they may propose)."""
        with self.database.session() as session:
            try:
                _check_edit(session, actor, ItemStore(session).get(item_id))
            except PermissionDenied:
                return False
            return True

    def propose(self, actor: Actor, item_id: int, values: Mapping[str, Any]) -> ItemProposal:
        """A correction for an editor to accept or refuse; checked as a correction would be."""
        check_item(actor, "propose", ())
        with self.database.session() as session:
            ItemStore(session).get(item_id)
            proposal = ProposalStore(session).add(item_id, dict(values), actor.label,
                                                  actor.user_id)  # fmt: skip
            AuditStore(session).record(actor.label, "item_propose", user_id=actor.user_id,
                                       item_id=item_id, detail=", ".join(values))  # fmt: skip
            return proposal

    def decide(self, actor: Actor, proposal_id: int, accept: bool) -> ItemProposal:
        """An editor accepts (the correction is applied) or refuses a proposal."""
        with self.database.session() as session:
            proposals = ProposalStore(session)
            proposal = proposals.get(proposal_id)
            store = ItemStore(session)
            item = store.get(proposal.item_id)
            _check_edit(session, actor, item)
            values = proposals.decide(proposal, accept, actor.label)
            if accept:
                store.override(item.id, self.settings.classification, **values)
            AuditStore(session).record(actor.label, "item_accept" if accept else "item_refuse",
                                       user_id=actor.user_id, item_id=item.id,
                                       detail=f"proposition de {proposal.proposed_by}")  # fmt: skip
            return proposal

    def split(self, actor: Actor, item_id: int, announcements: list[int]) -> list[Item]:
        """Merged announcements become items of their own again."""
        with self.database.session() as session:
            store = ItemStore(session)
            _check_edit(session, actor, store.get(item_id))
            made = store.split(item_id, announcements)
            AuditStore(session).record(actor.label, "item_split", user_id=actor.user_id,
                                       item_id=item_id,
                                       detail=", ".join(f"n° {i.id}" for i in made))  # fmt: skip
            return made


def _check_edit(session: Session, actor: Actor, item: Item) -> None:
    """May ``actor`` change ``item``: of their networks, carried by none but their
    newsletters' editions."""
    check_item(actor, "edit", item.networks, EditionStore(session).newsletters_carrying(item.id))


def _refused(actor: Actor, entry: Entry, line: int) -> list[str]:
    try:
        check_item(actor, "create", entry.networks)
    except PermissionDenied as exc:
        return [f"ligne {line} : {exc.message}"]
    return []
