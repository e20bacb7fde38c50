"""RGPD: what is stored about a person (access) and erasing it (only the hash is kept)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from subscribers.models import ALL_LISTS, Subscriber
from subscribers.suppression import entries_for, suppress


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def access(session: Session, subscriber: Subscriber) -> dict[str, Any]:
    """Everything stored about the person, as JSON-ready data with French keys."""
    return {
        "adresse": subscriber.email,
        "civilite": subscriber.civility,
        "prenom": subscriber.first_name,
        "nom": subscriber.last_name,
        "organisme": subscriber.organisation,
        "fonction": subscriber.function,
        "profil": subscriber.profile,
        "commune": subscriber.commune,
        "departement": subscriber.department,
        "format": subscriber.format,
        "themes": subscriber.themes,
        "statut": subscriber.status,
        "score_rebonds": round(subscriber.bounce_score, 3),
        "cree_le": _when(subscriber.created_at),
        "modifie_le": _when(subscriber.updated_at),
        "abonnements": [
            {"liste": s.list_key, "statut": s.status, "source": s.source,
             "cree_le": _when(s.created_at), "confirme_le": _when(s.confirmed_at),
             "desabonne_le": _when(s.unsubscribed_at)}
            for s in subscriber.subscriptions
        ],
        "consentements": [
            {"liste": c.list_key, "le": _when(c.given_at), "comment": c.how,
             "version_du_texte": c.wording, "source": c.source, "ip": c.ip}
            for c in subscriber.consents
        ],
        "rebonds": [
            {"type": b.kind, "code": b.status_code, "diagnostic": b.diagnostic,
             "recu_le": _when(b.received_at)}
            for b in subscriber.bounces
        ],
        "liste_exclusion": [
            {"liste": e.list_key, "motif": e.reason, "depuis": _when(e.created_at)}
            for e in entries_for(session, subscriber.email_hash)
        ],
    }  # fmt: skip


def erase(session: Session, subscriber: Subscriber) -> None:
    """Delete the person and everything linked; keep the address hash so that no later
    import brings them back."""
    suppress(session, subscriber.email_hash, "erased", ALL_LISTS)
    session.delete(subscriber)
    session.flush()
