"""Consent records: proof of who agreed to receive which list, when, how and from where."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from subscribers.models import ConsentRecord
from subscribers.profiles import CONSENT_METHODS


@dataclass(frozen=True)
class Consent:
    """How consent was given: form (double opt-in), import (with the file's source) or admin."""

    how: str
    wording: str
    source: str = ""
    ip: str = ""

    def __post_init__(self) -> None:
        if self.how not in CONSENT_METHODS:
            raise ValueError(f"unknown consent method {self.how!r}")

    def row(self, subscriber_id: int, list_key: str, at: datetime) -> dict[str, object]:
        return {
            "subscriber_id": subscriber_id,
            "list_key": list_key,
            "given_at": at,
            "how": self.how,
            "wording": self.wording,
            "source": self.source[:300],
            "ip": self.ip[:45],
        }


def record_consents(
    session: Session, consent: Consent, pairs: Iterable[tuple[int, str]], at: datetime
) -> int:
    """One record per (subscriber id, list key), in one bulk statement."""
    rows = [consent.row(subscriber_id, list_key, at) for subscriber_id, list_key in pairs]
    if rows:
        session.execute(sa.insert(ConsentRecord.__table__), rows)
    return len(rows)
