"""What every settings section shares: immutability, refused unknown keys."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class Section(BaseModel):
    """Base of every settings section: immutable, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"fuseau horaire inconnu {value!r} (ex. Europe/Paris)") from None
    return value


# An IANA time zone name, checked when the settings are read.
Zone = Annotated[str, AfterValidator(_known_zone)]


def require_address(value: str) -> None:
    if "@" not in parseaddr(value)[1]:
        raise ValueError(f"adresse invalide {value!r}")
