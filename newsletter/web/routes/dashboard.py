"""The editors' dashboard: sources and their failures, latest items."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from newsletter.accounts.models import User
from newsletter.app import App
from newsletter.content.store import ItemStore
from newsletter.sources.store import SourceStore
from newsletter.web.auth import HOME_PATH, current_user, lettre
from newsletter.web.pages import Pages

router = APIRouter(include_in_schema=False)
LATEST = 10


@router.get(HOME_PATH)
def dashboard(
    request: Request,
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(current_user)],
) -> Response:
    with app.database.session() as session:
        sources = SourceStore(session).all()
        latest = ItemStore(session).search(limit=LATEST)
    alert = app.settings.fetch.failure_alert_streak
    failing = [source for source in sources if source.failure_streak >= alert]
    pages: Pages = request.app.state.pages
    context = {"sources": sources, "failing": failing, "alert": alert, "latest": latest}
    return pages.render(request, "dashboard.html", context)
