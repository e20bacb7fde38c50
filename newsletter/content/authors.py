"""Who typed an editorial entry: the same identity (an id given by the website, or a kind,
title and start typed twice) entered by someone else is a conflict, never an overwrite of
what another person wrote."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.content.models import Item, ItemSource
from newsletter.errors import InputError


def check_authors(session: Session, source_id: int, guids: Collection[str], author: str) -> None:
    """Refuse entries whose identity another author already used under this source."""
    rows = session.execute(
        sa.select(ItemSource.guid, ItemSource.author, Item.id, Item.title)
        .join(Item, Item.id == ItemSource.item_id)
        .where(ItemSource.source_id == source_id, ItemSource.guid.in_(list(guids)))
    ).all()  # fmt: skip
    for _guid, written_by, item_id, title in rows:
        if written_by and written_by != author:
            raise InputError(
                f"« {title} » existe déjà (élément n° {item_id}), saisi par quelqu’un d’autre",
                "corrigez cet élément depuis sa page, ou donnez un autre titre au vôtre",
            )


def sign(session: Session, source_id: int, guids: Collection[str], author: str) -> None:
    """Record ``author`` on these announcements that have none yet."""
    session.execute(
        sa.update(ItemSource)
        .where(ItemSource.source_id == source_id, ItemSource.guid.in_(list(guids)),
               ItemSource.author == "")
        .values(author=author[:200])
    )  # fmt: skip
