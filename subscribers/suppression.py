"""The suppression list: keyed hashes of addresses that must not be (re)subscribed.

Hash choice: HMAC-SHA256 of the address key (whole address lowercased) with a pepper from
``NEWSLETTER_SUPPRESSION_PEPPER``. A plain SHA-256 would not do: addresses are guessable
(prenom.nom@mairie-commune.fr), so anyone holding the table could confirm a guess by hashing
it. With the pepper kept out of the database, the list is useless to whoever steals it.
The pepper must never change, or the list stops matching.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from subscribers.models import ALL_LISTS, SuppressionEntry
from subscribers.profiles import EXCLUSION_REASONS

REASONS = tuple(EXCLUSION_REASONS)
CHUNK = 500


def email_hash(key: str, pepper: bytes) -> str:
    return hmac.new(pepper, key.encode(), hashlib.sha256).hexdigest()


def suppress(session: Session, digest: str, reason: str, list_key: str = ALL_LISTS) -> None:
    """Add the hash for one list (or all lists), once."""
    if reason not in REASONS:
        raise ValueError(f"unknown suppression reason {reason!r}")
    exists = session.scalar(
        sa.select(SuppressionEntry.id).where(
            SuppressionEntry.hash == digest, SuppressionEntry.list_key == list_key
        )
    )
    if exists is None:
        session.add(SuppressionEntry(hash=digest, list_key=list_key, reason=reason))
        session.flush()


def lift(session: Session, digest: str, list_keys: Iterable[str]) -> None:
    """Remove the hash for these lists and the global entry (a new, confirmed consent)."""
    session.execute(
        sa.delete(SuppressionEntry).where(
            SuppressionEntry.hash == digest,
            SuppressionEntry.list_key.in_([*list_keys, ALL_LISTS]),
        )
    )


def lift_reasons(session: Session, digest: str, reasons: Iterable[str]) -> None:
    """Remove the hash's entries made for these reasons (an editor vouches for the address)."""
    session.execute(
        sa.delete(SuppressionEntry).where(
            SuppressionEntry.hash == digest, SuppressionEntry.reason.in_(list(reasons))
        )
    )


def suppressed_among(session: Session, digests: Iterable[str], list_key: str) -> set[str]:
    """Which of these hashes may not be subscribed to ``list_key``."""
    values = sorted(set(digests))
    found: set[str] = set()
    for start in range(0, len(values), CHUNK):
        found.update(
            session.scalars(
                sa.select(SuppressionEntry.hash).where(
                    SuppressionEntry.hash.in_(values[start : start + CHUNK]),
                    SuppressionEntry.list_key.in_([list_key, ALL_LISTS]),
                )
            )
        )
    return found


def is_suppressed(session: Session, digest: str, list_key: str) -> bool:
    return bool(suppressed_among(session, [digest], list_key))


def entries_for(session: Session, digest: str) -> list[SuppressionEntry]:
    return list(
        session.scalars(
            sa.select(SuppressionEntry)
            .where(SuppressionEntry.hash == digest)
            .order_by(SuppressionEntry.id)
        )
    )
