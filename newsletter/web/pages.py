"""Page rendering: one Jinja2 environment (autoescaped), French dates, flash messages."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from newsletter.db import utcnow
from newsletter.errors import NewsletterError
from newsletter.rendering import dates
from newsletter.rendering.compiled import CompiledTemplates
from newsletter.text import decimal
from newsletter.vocabulary import FORMATS, ITEM_KINDS, PROFILES, ROLES
from newsletter.web.csrf import FIELD, csrf_token
from subscribers.profiles import (
    BOUNCE_KINDS,
    CONSENT_METHODS,
    EXCLUSION_REASONS,
    STATUSES,
    SUBSCRIPTION_STATUSES,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "web"
STATIC = TEMPLATES / "static"
FLASH_KEY = "flash"
# French names of item fields (overrides, updates' history).
FIELD_LABELS = {
    "kind": "type", "title": "titre", "summary": "résumé", "url": "lien",
    "published_at": "date de publication", "starts_at": "début", "ends_at": "fin",
    "all_day": "journée entière", "place": "lieu", "organiser": "organisateur",
    "registration_url": "lien d'inscription", "cancelled": "annulation",
    "territory": "territoire", "themes": "thèmes", "networks": "réseaux",
}  # fmt: skip


def flash(request: Request, message: str, kind: str = "success", where: str = "") -> None:
    """A message shown once, on the next page (after a redirect); ``kind`` is "success"
    or "error"; ``where`` names the part of the page it belongs to (the page shows it
    there: ``notices[where]``), else it heads the page."""
    entry = [kind, message, where] if where else [kind, message]
    request.session[FLASH_KEY] = [*request.session.get(FLASH_KEY, []), entry]


def flash_error(request: Request, error: NewsletterError, where: str = "") -> None:
    """What went wrong, as one sentence with its hint: « Message (hint). »"""
    hint = f" ({error.hint})" if error.hint else ""
    flash(request, sentence(error.message + hint), "error", where)


def sentence(text: str) -> str:
    """``fichier absent`` → ``Fichier absent.`` (messages are written lowercase)."""
    text = text.strip()
    if not text:
        return text
    return text[0].upper() + text[1:] + ("" if text[-1] in ".!?…)" else ".")


def _month(value: str) -> str:
    """``2026-11`` → ``novembre 2026``."""
    year, month = (int(part) for part in value.split("-"))
    return format_date(date(year, month, 1), "MMMM y", locale="fr_FR")


COMPILED = CompiledTemplates()  # the pages' templates, shared by the process's web apps


class Pages:
    """Renders ``templates/web``; every page gets the user, CSRF field and flashes."""

    def __init__(self, timezone: str, directory: Path = TEMPLATES) -> None:
        self.zone = ZoneInfo(timezone)
        self.env = Environment(
            loader=FileSystemLoader(directory), bytecode_cache=COMPILED, autoescape=True,
            undefined=StrictUndefined,
        )  # fmt: skip
        self.env.filters["date"] = self._date
        self.env.filters["datetime"] = self._datetime
        self.env.filters["local_input"] = self._local_input
        self.env.filters["iso_datetime"] = lambda value: self._datetime(
            datetime.fromisoformat(value) if value else None
        )
        self.env.filters["labels"] = lambda categories: {k: c.label for k, c in categories.items()}
        self.env.filters["sentence"] = sentence
        self.env.filters["field_label"] = lambda name: FIELD_LABELS.get(name, name)
        self.env.globals.update(
            kinds=ITEM_KINDS, roles=ROLES, csrf_field=FIELD, profiles=PROFILES, formats=FORMATS,
            person_statuses=STATUSES, subscription_statuses=SUBSCRIPTION_STATUSES,
            consent_methods=CONSENT_METHODS, bounce_kinds=BOUNCE_KINDS,
            exclusion_reasons=EXCLUSION_REASONS,
        )  # fmt: skip
        self.env.filters["number"] = lambda value: format_decimal(value, locale="fr_FR")
        self.env.filters["decimal"] = decimal
        self.env.filters["month"] = _month
        self.env.filters["long_date"] = dates.long_date
        self.env.tests["past"] = lambda moment: moment <= utcnow()  # `edition.send_at is past`

    def _local(self, value: datetime) -> datetime:
        return value.astimezone(self.zone)

    def _date(self, value: datetime | None) -> str:
        return format_datetime(self._local(value), "d MMMM y", locale="fr_FR") if value else "—"

    def _datetime(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        return format_datetime(self._local(value), "d MMMM y 'à' HH:mm", locale="fr_FR")

    def _local_input(self, value: datetime | None) -> str:
        """The value of an ``<input type="datetime-local">``."""
        return self._local(value).strftime("%Y-%m-%dT%H:%M") if value else ""

    def render(
        self, request: Request, name: str, context: dict[str, Any] | None = None,
        status: int = 200,
    ) -> HTMLResponse:  # fmt: skip
        stored = request.session.pop(FLASH_KEY, []) if FLASH_KEY in request.session else []
        notices: dict[str, list[tuple[str, str]]] = {}
        for kind, message, *where in stored:
            if where:
                notices.setdefault(where[0], []).append((kind, message))
        values = {
            "request": request,
            "user": getattr(request.state, "user", None),
            "csrf_token": lambda: csrf_token(request),
            "flashes": [entry for entry in stored if len(entry) == 2],
            "notices": notices,
            **(context or {}),
        }
        html = self.env.get_template(name).render(values)
        return HTMLResponse(html, status_code=status)
