"""The editors' dashboard: upcoming editions, last sends and their counts, each
newsletter's figures in a card, bounces and complaints of the last 30 days, sources with
their failures and warnings, latest items."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from newsletter.accounts.models import User
from newsletter.app import App
from newsletter.content.store import ItemStore
from newsletter.db import utcnow
from newsletter.editions.lifecycle import DONE, STATES, UPCOMING
from newsletter.editions.store import EditionStore
from newsletter.sources.states import source_states
from newsletter.statistics.editions import ledger_counts
from newsletter.web.auth import HOME_PATH, current_user, lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages
from newsletter.web.routes.editions import newsletters_of

router = site_router(include_in_schema=False)
LATEST = 10
LAST_SENDS = 5


@router.get(HOME_PATH)
def dashboard(
    request: Request,
    app: Annotated[App, Depends(lettre)],
    user: Annotated[User, Depends(current_user)],
) -> Response:
    names = newsletters_of(app.settings, user)
    alert = app.settings.fetch.failure_alert_streak
    # Its own transaction, before this one: it may keep figures it counted.
    summaries = app.statistics.summaries(app.actor(user))
    with app.database.session() as session:
        sources = source_states(session.connection().connection)  # the same read as the CLI's
        latest = ItemStore(session).search(limit=LATEST)
        editions = EditionStore(session)
        upcoming = editions.in_states(names, UPCOMING)
        recent = editions.in_states(names, DONE, LAST_SENDS)
        counts = ledger_counts(session, recent, utcnow())  # sent ones: their kept figures
        failing = [source for source in sources if source.failing(alert)]
        warned = [source for source in sources if source.last_warning]
        bounces = app.overviews.recent_counts(app.actor(user))
        pages: Pages = request.app.state.pages
        context = {"sources": sources, "failing": failing, "warned": warned, "alert": alert,
                   "latest": latest, "upcoming": upcoming, "recent": recent, "counts": counts,
                   "states": STATES, "bounces": bounces, "summaries": summaries}  # fmt: skip
        return pages.render(request, "dashboard.html", context)
