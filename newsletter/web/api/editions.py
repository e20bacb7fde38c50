"""``/api/v1/editions``: the website reads the editions, their state and send counts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from newsletter.accounts.models import User
from newsletter.accounts.permissions import Actor, check_edition, may_act_on_newsletter
from newsletter.app import App
from newsletter.content.store import MAX_ID
from newsletter.dispatch.store import LedgerStore
from newsletter.editions.store import EditionStore
from newsletter.web.api.items import ERRORS, MAX_LIMIT
from newsletter.web.api.schemas import EditionOut, EditionPage, ErrorOut, State
from newsletter.web.auth import api_user, lettre
from newsletter.web.csrf import site_router

router = site_router(prefix="/api/v1", tags=["éditions"], responses=ERRORS)


@router.get("/editions", response_model=EditionPage)
def list_editions(
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(api_user)],
    newsletter: Annotated[str | None, Query(max_length=50, description="Clé de la lettre")] = None,
    state: State | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> EditionPage:
    """Les éditions des lettres du compte, par lettre puis de la plus récente à la plus
    ancienne, avec le décompte de leurs destinataires."""
    public_url = app.settings.organisation.public_url
    actor = Actor.of(user)
    with app.database.session() as session:
        found = [
            edition
            for edition in EditionStore(session).listing(newsletter)
            if may_act_on_newsletter(actor, edition.newsletter)
            and (state is None or edition.state == state)
        ]
        page = found[offset : offset + limit]
        counts = LedgerStore(session).counts_for([edition.id for edition in page])
        editions = [EditionOut.of(edition, counts[edition.id], public_url) for edition in page]
    more = len(found) > offset + limit
    return EditionPage(editions=editions, offset=offset, limit=limit,
                       next_offset=offset + limit if more else None)  # fmt: skip


@router.get(
    "/editions/{edition_id}",
    response_model=EditionOut,
    responses={
        403: {"model": ErrorOut, "description": "Lettre d'un autre réseau"},
        404: {"model": ErrorOut, "description": "Édition inconnue"},
    },
)
def get_edition(
    edition_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(api_user)],
) -> EditionOut:
    """Une édition par son numéro interne."""
    with app.database.session() as session:
        edition = EditionStore(session).get(edition_id)
        check_edition(Actor.of(user), "view", edition.newsletter)
        counts = LedgerStore(session).counts(edition_id)
        return EditionOut.of(edition, counts, app.settings.organisation.public_url)
