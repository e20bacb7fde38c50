"""Keeping counted figures: several senders or pages may count the same thing at once."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsletter.db import Base

Row = TypeVar("Row", bound=Base)


def keep(session: Session, row: Row) -> Row | None:
    """Store ``row`` (new or counted again); None when another writer stored the same key
    meanwhile — their figures are the same, so the caller reads theirs."""
    try:
        with session.begin_nested():
            return session.merge(row)
    except IntegrityError:
        return None
