"""The one place where errors become answers: French pages, or JSON under ``/api/``."""

from __future__ import annotations

import logging
import secrets
import traceback
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException

from newsletter.db import translated
from newsletter.errors import (
    AuthenticationError,
    ConfigError,
    DatabaseError,
    InputError,
    NewsletterError,
    NotFoundError,
    PermissionDenied,
)
from newsletter.web.auth import LOGIN_PATH, LoginRequired
from newsletter.web.headers import HEADERS
from newsletter.web.pages import Pages
from newsletter.web.server import redact
from subscribers.tokens import InvalidToken

logger = logging.getLogger("lettre.web")
RETRY_AFTER = "5"  # seconds: a busy database (an import's last step) is usually free again

STATUS: dict[type[NewsletterError], int] = {
    InputError: 400,
    AuthenticationError: 401,
    PermissionDenied: 403,
    NotFoundError: 404,
    ConfigError: 500,
    DatabaseError: 503,
}
TITLES = {
    400: "Demande incorrecte",
    401: "Authentification requise",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Méthode non autorisée",
    408: "Envoi trop lent",
    413: "Envoi trop volumineux",
    422: "Données invalides",
    500: "Erreur interne",
    503: "Service indisponible",
}
HINTS = {
    408: "envoyez la demande d'un seul tenant",
    413: "la limite est de quelques mégaoctets pour un formulaire ou l'API ; "
         "coupez un gros fichier en plusieurs",
}  # fmt: skip
# French wording of the pydantic errors an API client can cause.
VALIDATION_MESSAGES = {
    "missing": "champ obligatoire absent",
    "string_type": "doit être une chaîne de caractères",
    "string_too_long": "trop long",
    "string_too_short": "trop court",
    "string_pattern_mismatch": "format invalide",
    "int_parsing": "doit être un nombre entier",
    "int_type": "doit être un nombre entier",
    "bool_type": "doit être vrai ou faux",
    "bool_parsing": "doit être vrai ou faux",
    "list_type": "doit être une liste",
    "greater_than_equal": "trop petit",
    "less_than_equal": "trop grand",
    "literal_error": "valeur non admise",
    "enum": "valeur non admise",
    "extra_forbidden": "champ inconnu",
    "json_invalid": "JSON invalide",
    "model_attributes_type": "doit être un objet JSON",
    "dict_type": "doit être un objet JSON",
}


def status_of(error: NewsletterError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _answer(request: Request, status: int, message: str, hint: str = "", **extra: Any) -> Response:
    if is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        body = {"error": message, "hint": hint, **extra}
        return JSONResponse(body, status_code=status, headers=headers)
    pages: Pages = request.app.state.pages
    title = TITLES.get(status, "Erreur")
    context = {"title": title, "message": message, "hint": hint, "status": status}
    return pages.render(request, "error.html", context, status=status)


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(NewsletterError)
    async def newsletter_error(request: Request, exc: NewsletterError) -> Response:
        """The error's message and hint (a page leaves out a hint for operators:
        configuration keys, commands)."""
        hint = "" if exc.for_operators and not is_api(request) else exc.hint
        return _answer(request, status_of(exc), exc.message, hint)

    @app.exception_handler(InvalidToken)
    async def invalid_link(request: Request, exc: InvalidToken) -> Response:
        """Any bad link of an email: one neutral page, whatever the reason."""
        pages: Pages = request.app.state.pages
        return pages.render(request, "subscribers/invalid.html", {}, status=400)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if is_api(request):
            return _answer(request, 401, "authentification requise")
        query = urlencode({"suite": exc.next_path})
        return RedirectResponse(f"{LOGIN_PATH}?{query}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        fields = [
            {
                "field": ".".join(str(part) for part in error.get("loc", ())),
                "message": VALIDATION_MESSAGES.get(error.get("type", ""), "valeur invalide"),
            }
            for error in exc.errors()
        ]
        if is_api(request):
            return _answer(request, 422, "requête invalide", "voir « fields »", fields=fields)
        details = "; ".join(f"{field['field']} : {field['message']}" for field in fields)
        return _answer(request, 400, "formulaire ou adresse invalide", details)

    @app.exception_handler(DBAPIError)
    async def database_failure(request: Request, exc: DBAPIError) -> Response:
        """A locked, read-only or unreachable database: 503 with what to do, not a 500."""
        error = translated(exc)
        if error is None:
            return await unexpected(request, exc)
        logger.warning("database failure on %s %s: %s", request.method,
                       redact(request.url.path), type(exc.orig).__name__)  # fmt: skip
        response = _answer(request, 503, error.message, error.hint)
        response.headers["Retry-After"] = RETRY_AFTER
        return response

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = TITLES.get(exc.status_code, "erreur").lower()
        hint = HINTS.get(exc.status_code, "")
        if exc.status_code == 404:
            message = "cette adresse ne correspond à aucune page"
        response = _answer(request, exc.status_code, message, hint)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        """A 500 naming the incident by an id that is in the log; the log has the path
        without tokens, and the database's errors hold no values (``hide_parameters``)."""
        incident = secrets.token_hex(4)
        where = f"{incident} on {request.method} {redact(request.url.path)}"
        if isinstance(exc, DBAPIError):  # its text may quote values (PostgreSQL's DETAIL)
            logger.error("unexpected database error %s: %s (SQLSTATE %s)\n%s", where,
                         type(exc.orig).__name__, getattr(exc.orig, "sqlstate", "?"),
                         "".join(traceback.format_tb(exc.__traceback__)))  # fmt: skip
        else:
            logger.exception("unexpected error %s", where)
        response = _answer(
            request,
            500,
            "erreur interne",
            f"l'incident {incident} est consigné ; réessayez",
            incident=incident,
        )
        # Answered outside the middleware stack (ServerErrorMiddleware): add the headers here.
        response.headers.update(HEADERS)
        return response
