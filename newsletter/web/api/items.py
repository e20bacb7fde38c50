"""``/api/v1/items``: the website pushes items and reads gathered ones."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query, Response

from newsletter.accounts.models import User
from newsletter.app import App
from newsletter.content.store import MAX_ID, ItemStore
from newsletter.web.api.schemas import ErrorOut, ItemIn, ItemOut, ItemPage, Kind, ValidationErrorOut
from newsletter.web.auth import api_user, lettre
from newsletter.web.csrf import csrf_exempt, site_router

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Jeton absent ou invalide"},
    422: {"model": ValidationErrorOut, "description": "Requête invalide"},
}
router = site_router(prefix="/api/v1", tags=["éléments"], responses=ERRORS)
MAX_LIMIT = 100


@router.post(
    "/items",
    response_model=ItemOut,
    status_code=201,
    responses={
        200: {"model": ItemOut, "description": "Élément déjà connu (mis à jour ou inchangé)"},
        400: {"model": ErrorOut, "description": "Élément refusé (date, lien, thème…)"},
        403: {"model": ErrorOut, "description": "Élément hors des réseaux du compte"},
    },
)
@csrf_exempt
def push_item(
    body: ItemIn,
    response: Response,
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(api_user)],
) -> ItemOut:
    """Ajoute ou met à jour un élément ; idempotent par `id` (201 si nouveau, 200 sinon).
    Un compte de coordination n'ajoute que des éléments de ses réseaux (403 sinon) ; un
    identifiant déjà saisi par un autre compte est refusé (400, avec la raison)."""
    item_id, new = app.items.create(app.actor(user), body.editorial_values())
    if not new:
        response.status_code = 200
    with app.database.session() as session:
        return ItemOut.of(ItemStore(session).get(item_id))


@router.get("/items", response_model=ItemPage)
def list_items(
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(api_user)],
    kind: Kind | None = None,
    theme: Annotated[str | None, Query(max_length=40)] = None,
    network: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Texte cherché dans le titre")
    ] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> ItemPage:
    """Les éléments les plus récents d'abord, filtrés, page par page."""
    with app.database.session() as session:
        found = ItemStore(session).search(kind, theme, network, q, limit=limit + 1, offset=offset)
        items = [ItemOut.of(item) for item in found[:limit]]
    more = len(found) > limit
    return ItemPage(items=items, offset=offset, limit=limit,
                    next_offset=offset + limit if more else None)  # fmt: skip


@router.get("/items/{item_id}", response_model=ItemOut,
            responses={404: {"model": ErrorOut, "description": "Élément inconnu"}})  # fmt: skip
def get_item(
    item_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(api_user)],
) -> ItemOut:
    """Un élément par son numéro."""
    with app.database.session() as session:
        return ItemOut.of(ItemStore(session).get(item_id))
