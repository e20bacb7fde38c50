"""Settings of sending: transport (Maildir or SMTP relay), dispatch, DKIM."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from newsletter.settings.base import Section


class SmtpSettings(Section):
    """The relay messages are handed to (``transport.kind = "smtp"``)."""

    host: str = "localhost"
    port: Annotated[int, Field(ge=1, le=65535)] = 587
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: str = ""
    password_env: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] = (
        "NEWSLETTER_SMTP_PASSWORD"
    )
    timeout: Annotated[float, Field(gt=0)] = 30.0
    helo: str = ""
    max_messages_per_connection: Annotated[int, Field(ge=1)] = 100


class TransportSettings(Section):
    kind: Literal["maildir", "smtp"] = "maildir"
    maildir_path: Path = Path("var/outbox")
    smtp: SmtpSettings = SmtpSettings()


class DkimSettings(Section):
    """DKIM signing, on when ``selector`` and ``domain`` are both set."""

    selector: str = ""
    domain: str = ""
    private_key_env: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] = (
        "NEWSLETTER_DKIM_PRIVATE_KEY"
    )

    @property
    def enabled(self) -> bool:
        return bool(self.selector and self.domain)


class DispatchSettings(Section):
    processes: Annotated[int, Field(ge=1, le=32)] = 2
    concurrency: Annotated[int, Field(ge=1, le=64)] = 4
    rate_per_second: Annotated[float, Field(ge=0)] = 50.0
    rate_per_hour: Annotated[int, Field(ge=0)] = 0
    batch_size: Annotated[int, Field(ge=1, le=10_000)] = 200
    max_attempts: Annotated[int, Field(ge=1)] = 5
    retry_base_seconds: Annotated[float, Field(gt=0)] = 60.0
    retry_max_seconds: Annotated[float, Field(gt=0)] = 3600.0
    error_rate_threshold: Annotated[float, Field(gt=0, le=1)] = 0.2
    error_window: Annotated[int, Field(ge=1)] = 200
    lease_seconds: Annotated[int, Field(ge=5)] = 30
    relay_down_seconds: Annotated[float, Field(ge=1)] = 120.0
    feedback_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._-]+$")] = "lettre"
    list_id_domain: str = "professionbanlieue.org"
    dkim: DkimSettings = DkimSettings()

    @model_validator(mode="after")
    def _coherent(self) -> DispatchSettings:
        if self.retry_max_seconds < self.retry_base_seconds:
            raise ValueError("retry_max_seconds doit être supérieur ou égal à retry_base_seconds")
        return self
