"""What every settings section shares: immutability, refused unknown keys."""

from __future__ import annotations

from email.utils import parseaddr
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Section(BaseModel):
    """Base of every settings section: immutable, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")]


def require_address(value: str) -> None:
    if "@" not in parseaddr(value)[1]:
        raise ValueError(f"adresse invalide {value!r}")
