"""What makes an item's fields valid, whoever writes them: a file import, the web form, the
API or the command line (new items), and editors' corrections (overrides).

Titles, links and summaries are cleaned where they are read (``sanitise``); the rules here
are the ones that tie fields together or to the declared vocabulary.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from newsletter.errors import InputError
from newsletter.settings import ClassificationSettings
from newsletter.vocabulary import ITEM_KINDS


def check_kind(kind: str) -> str:
    if kind not in ITEM_KINDS:
        raise InputError(f"type inconnu : « {kind[:40]} »", f"types : {', '.join(ITEM_KINDS)}")
    return kind


def check_keys(keys: Iterable[str], known: Collection[str], label: str) -> tuple[str, ...]:
    """Theme or network keys, each one declared (``label``: « thème », « réseau »)."""
    keys = tuple(dict.fromkeys(key.strip() for key in keys if key.strip()))
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise InputError(f"{label} inconnu : {', '.join(unknown)}", f"connus : {', '.join(known)}")
    return keys


def check_dates(kind: str, starts_at: datetime | None, ends_at: datetime | None) -> None:
    """A rendez-vous has a start; an end never comes before the start."""
    if kind == "agenda" and starts_at is None:
        raise InputError("un rendez-vous doit avoir une date de début")
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise InputError("la fin précède le début")


def checked_overrides(
    current: Mapping[str, Any],
    values: Mapping[str, Any],
    overridable: Collection[str],
    classification: ClassificationSettings,
) -> dict[str, Any]:
    """An editor's corrections of an item whose fields are ``current``: each field known,
    kinds and keys declared, and the item they make still valid."""
    checked: dict[str, Any] = {}
    for name, value in values.items():
        if name not in overridable:
            raise InputError(f"champ inconnu : {name}", f"champs : {', '.join(overridable)}")
        if name == "kind":
            value = check_kind(value)
        elif name == "themes":
            value = list(check_keys(value, classification.themes, "thème"))
        elif name == "networks":
            value = list(check_keys(value, classification.networks, "réseau"))
        checked[name] = value
    after = {**current, **checked}
    check_dates(after["kind"], after["starts_at"], after["ends_at"])
    return checked
