"""RGPD: what is stored about a person (access) and erasing it (only the hash is kept).

The access export speaks French throughout: French keys, the labels of lists, themes,
profiles, statuses and reasons (never internal values), dates in the organisation's time
zone. The list keys stay beside their labels (``liste``), for the editors' filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from newsletter.settings import Settings
from newsletter.vocabulary import PROFILES
from subscribers.models import ALL_LISTS, Subscriber
from subscribers.profiles import (
    BOUNCE_KINDS,
    CONSENT_METHODS,
    EXCLUSION_REASONS,
    FORMATS,
    STATUSES,
    SUBSCRIPTION_STATUSES,
)
from subscribers.suppression import entries_for, suppress

EVERY_LIST = "toutes les listes"


@dataclass(frozen=True)
class Labels:
    """What the export names things by: lists' and themes' labels, the time zone."""

    lists: Mapping[str, str]
    themes: Mapping[str, str]
    zone: ZoneInfo

    @classmethod
    def of(cls, settings: Settings) -> Labels:
        return cls({key: item.label for key, item in settings.subscribers.lists.items()},
                   {key: theme.label for key, theme in settings.classification.themes.items()},
                   ZoneInfo(settings.organisation.timezone))  # fmt: skip

    def when(self, value: datetime | None) -> str | None:
        return value.astimezone(self.zone).isoformat(timespec="seconds") if value else None

    def list_name(self, key: str) -> str:
        return EVERY_LIST if key == ALL_LISTS else self.lists.get(key, key)


def access(session: Session, subscriber: Subscriber, labels: Labels) -> dict[str, Any]:
    """Everything stored about the person, as JSON-ready data in French."""
    when, name = labels.when, labels.list_name
    return {
        "adresse": subscriber.email,
        "civilite": subscriber.civility,
        "prenom": subscriber.first_name,
        "nom": subscriber.last_name,
        "organisme": subscriber.organisation,
        "fonction": subscriber.function,
        "profil": PROFILES.get(subscriber.profile, subscriber.profile),
        "commune": subscriber.commune,
        "departement": subscriber.department,
        "format": FORMATS.get(subscriber.format, subscriber.format),
        "themes": [labels.themes.get(theme, theme) for theme in subscriber.themes],
        "statut": STATUSES.get(subscriber.status, subscriber.status),
        "score_rebonds": round(subscriber.bounce_score, 3),
        "cree_le": when(subscriber.created_at),
        "modifie_le": when(subscriber.updated_at),
        "abonnements": [
            {"liste": s.list_key, "lettre": name(s.list_key),
             "statut": SUBSCRIPTION_STATUSES.get(s.status, s.status), "source": s.source,
             "cree_le": when(s.created_at), "confirme_le": when(s.confirmed_at),
             "desabonne_le": when(s.unsubscribed_at)}
            for s in subscriber.subscriptions
        ],
        "consentements": [
            {"liste": c.list_key, "lettre": name(c.list_key), "le": when(c.given_at),
             "comment": CONSENT_METHODS.get(c.how, c.how), "version_du_texte": c.wording,
             "source": c.source, "ip": c.ip}
            for c in subscriber.consents
        ],
        "rebonds": [
            {"type": BOUNCE_KINDS.get(b.kind, b.kind), "code": b.status_code,
             "diagnostic": b.diagnostic, "recu_le": when(b.received_at)}
            for b in subscriber.bounces
        ],
        "liste_exclusion": [
            {"liste": e.list_key, "lettre": name(e.list_key),
             "motif": EXCLUSION_REASONS.get(e.reason, e.reason), "depuis": when(e.created_at)}
            for e in entries_for(session, subscriber.email_hash)
        ],
    }  # fmt: skip


def erase(session: Session, subscriber: Subscriber) -> None:
    """Delete the person and everything linked; keep the address hash so that no later
    import brings them back."""
    suppress(session, subscriber.email_hash, "erased", ALL_LISTS)
    session.delete(subscriber)
    session.flush()
