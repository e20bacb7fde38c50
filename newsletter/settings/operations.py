"""Settings of running it: the scheduler, the web app, the demo."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from newsletter.settings.base import Section


class SchedulerSettings(Section):
    timezone: str = "Europe/Paris"
    fetch_every_minutes: Annotated[float, Field(gt=0)] = 60.0
    drafts_every_minutes: Annotated[float, Field(gt=0)] = 60.0
    send_every_minutes: Annotated[float, Field(gt=0)] = 1.0
    bounces_every_minutes: Annotated[float, Field(gt=0)] = 15.0
    purge_at: str = "03:30"
    draft_days_before: Annotated[int, Field(ge=1, le=60)] = 7
    staleness_hours: Annotated[float, Field(gt=0)] = 6.0
    lease_seconds: Annotated[float, Field(gt=1)] = 60.0
    misfire_grace_seconds: Annotated[int, Field(ge=1)] = 3600

    @field_validator("purge_at")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value):
            raise ValueError(
                f"heure attendue au format HH:MM, par exemple 03:30 (et non {value!r})"
            )
        return value


class WebSettings(Section):
    """The web app: editors' area, subscribers' pages, public archive, API. Its public
    address is ``organisation.public_url`` (the links of emails start with it)."""

    secure_cookies: bool = False
    session_max_age: Annotated[int, Field(ge=300)] = 8 * 3600
    login_max_failures: Annotated[int, Field(ge=1, le=100)] = 5
    login_lockout_minutes: Annotated[float, Field(gt=0)] = 15.0
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8000
    send_logs: Path = Path("var/envois")
    # Subscriber files uploaded for import: kept there between the preview and the import.
    uploads: Path = Path("var/imports")
    import_max_bytes: Annotated[int, Field(ge=1000)] = 10_000_000
    # Largest body of any other request (forms, API), refused while it is read.
    max_body_bytes: Annotated[int, Field(ge=1000)] = 1_000_000
    header_timeout_seconds: Annotated[float, Field(gt=0)] = 10.0
    body_timeout_seconds: Annotated[float, Field(gt=0)] = 30.0
    # Addresses of the reverse proxies whose X-Forwarded-For is believed (none: ignored).
    trusted_proxies: list[str] = []
    # Password hashes (Argon2id) computed at once; other logins wait their turn.
    password_checks: Annotated[int, Field(ge=1, le=16)] = 2
    # Each hash's memory and passes: RFC 9106's second recommended profile; OWASP's lowest
    # recommended cost (19 MiB, 2 passes) is the floor.
    password_memory_mib: Annotated[int, Field(ge=19, le=4096)] = 64
    password_passes: Annotated[int, Field(ge=2, le=32)] = 3
    api_token_days: Annotated[int, Field(ge=1)] = 365


class DemoSettings(Section):
    feeds_port: Annotated[int, Field(ge=1, le=65535)] = 8765
