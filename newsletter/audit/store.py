"""Recording and reading the audit trail."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.audit.models import AuditEntry
from newsletter.db import utcnow

# What each action is called in the trail editors read.
ACTIONS: dict[str, str] = {
    "assemble": "assemblage",
    "edit": "modification",
    "approve": "approbation",
    "discard": "abandon des modifications",
    "schedule": "programmation",
    "send": "envoi",
    "pause": "mise en pause",
    "resume": "reprise de l’envoi",
    "cancel": "annulation",
    "test_send": "envoi d’essai",
    "hold": "envoi suspendu",
    "import": "import d’abonnés",
    "subscriber_add": "ajout d’un abonné",
    "subscriber_invite": "invitation à s’abonner (double confirmation)",
    "subscriber_edit": "modification d’un abonné",
    "unsubscribe": "désabonnement par un éditeur",
    "forget": "effacement (RGPD)",
    "reactivate": "réactivation",
    "export": "export d’abonnés",
    "segment_save": "enregistrement d’un segment",
    "segment_delete": "suppression d’un segment",
    "item_add": "saisie d’un élément",
    "item_edit": "correction d’un élément",
    "item_split": "séparation d’annonces",
    "item_propose": "proposition de correction",
    "item_accept": "proposition acceptée",
    "item_refuse": "proposition refusée",
    "item_image": "image d’un élément",
    "logo": "logo des lettres",
}


class AuditStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def record(
        self,
        actor: str,
        action: str,
        *,
        user_id: int | None = None,
        edition_id: int | None = None,
        subscriber_id: int | None = None,
        item_id: int | None = None,
        list_key: str | None = None,
        detail: str = "",
        at: datetime | None = None,
    ) -> AuditEntry:
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        entry = AuditEntry(at=at or utcnow(), actor=actor[:200], user_id=user_id, action=action,
                           edition_id=edition_id, subscriber_id=subscriber_id, item_id=item_id,
                           list_key=list_key, detail=detail[:500])  # fmt: skip
        self.session.add(entry)
        return entry

    def entries(
        self,
        *,
        edition_id: int | None = None,
        subscriber_id: int | None = None,
        item_id: int | None = None,
        lists: Collection[str] | None = None,
        limit: int = 200,
    ) -> list[AuditEntry]:
        """Newest first, for one edition, subscriber or item (or everything); with ``lists``,
        only the entries about none or one of these lists."""
        query = sa.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        for column, value in ((AuditEntry.edition_id, edition_id),
                              (AuditEntry.subscriber_id, subscriber_id),
                              (AuditEntry.item_id, item_id)):  # fmt: skip
            if value is not None:
                query = query.where(column == value)
        if lists is not None:
            query = query.where(
                sa.or_(AuditEntry.list_key.is_(None), AuditEntry.list_key.in_(sorted(lists)))
            )
        return list(self.session.scalars(query.limit(limit)))
