"""Corrections proposed by network coordinators, waiting for an editor's decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.content.models import ItemProposal
from newsletter.content.prepare import jsonable
from newsletter.db import utcnow
from newsletter.errors import InputError, NotFoundError

DATES = ("starts_at", "ends_at", "published_at")


class ProposalStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(
        self, item_id: int, fields: dict[str, Any], by: str, user_id: int | None
    ) -> ItemProposal:
        if not fields:
            raise InputError("aucune correction proposée", "modifiez au moins un champ")
        values = {name: jsonable(value) for name, value in fields.items()}
        proposal = ItemProposal(item_id=item_id, proposed_by=by[:200], user_id=user_id,
                                fields=values)  # fmt: skip
        self.session.add(proposal)
        self.session.flush()
        return proposal

    def open_for(self, item_id: int) -> list[ItemProposal]:
        query = sa.select(ItemProposal).where(
            ItemProposal.item_id == item_id, ItemProposal.state == "open"
        )
        return list(self.session.scalars(query.order_by(ItemProposal.id)))

    def get(self, proposal_id: int) -> ItemProposal:
        proposal = self.session.get(ItemProposal, proposal_id)
        if proposal is None:
            raise NotFoundError(f"proposition {proposal_id} introuvable")
        return proposal

    def decide(self, proposal: ItemProposal, accepted: bool, by: str) -> dict[str, Any]:
        """Close an open proposal; the values it proposed (dates as datetimes again)."""
        if proposal.state != "open":
            raise InputError("cette proposition a déjà été traitée")
        proposal.state = "accepted" if accepted else "refused"
        proposal.decided_by, proposal.decided_at = by[:200], utcnow()
        return {
            name: datetime.fromisoformat(value) if name in DATES and value else value
            for name, value in proposal.fields.items()
        }
