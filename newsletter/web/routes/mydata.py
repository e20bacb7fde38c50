"""``/mes-donnees``: seeing, downloading and erasing one's data, by a link sent on request.

The link (``data`` token, ``subscribers.data_link_minutes``) opens a page with one button
(mail scanners only GET); the click uses the link up (``Tokens.consume``) and opens the
data to this browser for the rest of the link's time: the session holds the person's id,
the binding to their address and the end of the access. The page shows the data in French,
offers the JSON file and the erasure. Anything else — no access, expired, person erased —
gets the neutral page of bad links.
"""

from __future__ import annotations

import hmac
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from newsletter.app import App
from newsletter.archive.links import DATA_PATH
from newsletter.errors import InputError
from newsletter.web.auth import lettre
from newsletter.web.csrf import site_router
from newsletter.web.pages import Pages
from newsletter.web.routes.preferences import whose
from newsletter.web.routes.subscribe import checked_token
from subscribers import rgpd
from subscribers.models import Subscriber
from subscribers.tokens import BINDING, InvalidToken

router = site_router(include_in_schema=False)
GRANT = "donnees"  # the session's key: [subscriber id, address binding, end (Unix seconds)]
FILE_NAME = "mes-donnees-lettre.json"
Lettre = Annotated[App, Depends(lettre)]


def _pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def _granted(request: Request, session: Session) -> tuple[Subscriber, datetime]:
    """The person whose data this browser may see, and until when; else the bad link."""
    grant = request.session.get(GRANT)
    if not (isinstance(grant, list) and len(grant) == 3 and time.time() < grant[2]):
        request.session.pop(GRANT, None)
        raise InvalidToken()
    subscriber = session.get(Subscriber, grant[0])
    if subscriber is None or not hmac.compare_digest(subscriber.email_hash[:BINDING], grant[1]):
        raise InvalidToken()
    return subscriber, datetime.fromtimestamp(grant[2], UTC)


@router.get(DATA_PATH)
def data_page(request: Request, app: Lettre) -> Response:
    with app.database.session() as session:
        subscriber, until = _granted(request, session)
        data = rgpd.access(session, subscriber, rgpd.Labels.of(app.settings))
        context = {"data": data, "until": until,
                   "whose": whose(subscriber.name, subscriber.email)}  # fmt: skip
    return _pages(request).render(request, "subscribers/data.html", context)


@router.get(DATA_PATH + "/fichier")
def download(request: Request, app: Lettre) -> Response:
    """Everything stored about the person, as a JSON file in French."""
    with app.database.session() as session:
        subscriber, _ = _granted(request, session)
        data = rgpd.access(session, subscriber, rgpd.Labels.of(app.settings))
    headers = {"Content-Disposition": f'attachment; filename="{FILE_NAME}"'}
    return JSONResponse(data, headers=headers)


@router.post(DATA_PATH + "/effacer")
def erase(
    request: Request, app: Lettre, confirmer: Annotated[str, Form(max_length=10)] = ""
) -> Response:
    """Delete the person and everything linked; only the keyed hash of the address stays,
    so that no later import brings them back."""
    with app.database.session() as session:
        subscriber, _ = _granted(request, session)
        if confirmer != "oui":
            raise InputError("effacement non confirmé", "cochez la case de confirmation")
        rgpd.erase(session, subscriber)
    request.session.pop(GRANT, None)
    return _pages(request).render(request, "subscribers/erased.html", {})


@router.get(DATA_PATH + "/{token}")
def open_page(request: Request, token: str, app: Lettre) -> Response:
    """The button that uses the link up; opening the link alone changes nothing."""
    with app.database.session() as session:
        app.tokens().resolve(session, "data", checked_token(token))
    context = {"action": f"{DATA_PATH}/{token}"}
    return _pages(request).render(request, "subscribers/data_access.html", context)


@router.post(DATA_PATH + "/{token}")
def use_link(request: Request, token: str, app: Lettre) -> Response:
    """Use the link up and open the data to this browser until the link's time is over."""
    with app.database.session() as session:
        subscriber, claims = app.tokens().consume(session, "data", checked_token(token))
        minutes = app.settings.subscribers.data_link_minutes
        until = claims.issued_at + timedelta(minutes=minutes)
        request.session[GRANT] = [subscriber.id, subscriber.email_hash[:BINDING],
                                  int(until.timestamp())]  # fmt: skip
    return RedirectResponse(DATA_PATH, status_code=303)
