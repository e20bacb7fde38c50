"""Assembling a draft: a numbered regular edition (its dates, its window, its items by the
rules in ``selection``), a special issue (its own subject, date and chosen items), and a
rubrique chosen again for the territories an editor gave it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from newsletter.db import utcnow
from newsletter.editions.lifecycle import require_editable
from newsletter.editions.models import Edition
from newsletter.editions.periods import next_send, period_label, send_time
from newsletter.editions.selection import (
    Window,
    arrange,
    rubrique_for,
    select,
    with_territories,
)
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError
from newsletter.rendering.dates import long_date
from newsletter.settings import NewsletterSettings
from newsletter.vocabulary import ITEM_KINDS, TERRITORIES, territory_label


def window_for(
    store: EditionStore, name: str, newsletter: NewsletterSettings, send_at: datetime, zone: str
) -> Window:
    """From the previous regular edition (or the lookback) to this send; agenda until the
    next one.

    Items are taken from the moment the previous edition was assembled (or its send, if
    earlier): anything published later was not in it. Special issues do not count.
    """
    previous = next((edition for edition in store.published(name) if not edition.special), None)
    if previous is None:
        since = send_at - timedelta(days=newsletter.lookback_days)
    else:
        since = min(previous.assembled_at, previous.send_at)
    return Window(since, send_at, next_send(newsletter.schedule, send_at, zone))


def assemble(
    store: EditionStore,
    name: str,
    newsletter: NewsletterSettings,
    zone: str,
    day: date | None = None,
    replace: bool = False,
    now: datetime | None = None,
) -> Edition:
    """A new draft for ``day`` (default: the next scheduled send), or the open one redone.

    With ``replace`` the edition being prepared keeps its number, dates (unless ``day`` is
    given), édito, mouvements and territories; its items are chosen again.
    """
    now = now or utcnow()
    edition = store.open_edition(name)
    if edition is not None and not replace:
        raise InputError(
            f"le n° {edition.number} de « {newsletter.title} » est déjà en préparation",
            "modifiez-le, ou refaites-le",
        )
    if day is not None:
        send_at = send_time(newsletter.schedule, day, zone)
    elif edition is not None:
        send_at = edition.send_at
    else:
        send_at = next_send(newsletter.schedule, now, zone)
    window = window_for(store, name, newsletter, send_at, zone)
    chosen = with_territories(newsletter, edition.territories if edition else {})
    placements = select(
        chosen, window, store.candidates(window.since, send_at), store.announced(name)
    )
    if edition is None:
        edition = _new_draft(store, name, newsletter, send_at, window.next_send_at, now)
    else:
        require_editable(edition)
    edition.send_at, edition.next_send_at, edition.assembled_at = send_at, window.next_send_at, now
    edition.period = period_label(send_at, window.next_send_at, zone)
    fields = {"number": edition.number, "period": edition.period, "title": newsletter.title}
    edition.subject = newsletter.subject.format(**fields)
    edition.preheader = newsletter.preheader.format(**fields)
    store.place(edition, placements)
    return edition


def assemble_special(
    store: EditionStore,
    name: str,
    newsletter: NewsletterSettings,
    zone: str,
    subject: str,
    day: date,
    item_ids: Iterable[int],
    now: datetime | None = None,
) -> Edition:
    """A special issue: its own subject, sent on ``day`` (at the newsletter's usual hour),
    numbered after the others, with the items an editor chose, each in its « rubrique
    automatique »."""
    now = now or utcnow()
    subject = " ".join(subject.split())
    if not subject:
        raise InputError("objet vide", "donnez un objet au numéro spécial")
    send_at = send_time(newsletter.schedule, day, zone)
    if send_at <= now:
        raise InputError(f"le {long_date(day)} est passé", "choisissez une date à venir")
    chosen = store.chosen(item_ids)
    for candidate in chosen:
        if rubrique_for(newsletter, candidate) is None:
            kind = ITEM_KINDS.get(candidate.kind, candidate.kind)
            raise InputError(f"aucune rubrique de « {newsletter.title} » ne reçoit d’élément "
                             f"de type « {kind} » (élément {candidate.id})",
                             "retirez-le du numéro spécial")  # fmt: skip
    placements = arrange(newsletter, chosen, store.announced(name))
    following = next_send(newsletter.schedule, send_at, zone)
    edition = _new_draft(store, name, newsletter, send_at, following, now, special=True,
                         period=long_date(day).split(" ", 1)[1], subject=subject[:300])  # fmt: skip
    store.place(edition, placements)
    return edition


def _new_draft(
    store: EditionStore, name: str, newsletter: NewsletterSettings, send_at: datetime,
    next_send_at: datetime, now: datetime, **fields: Any,
) -> Edition:  # fmt: skip
    """A new draft, numbered after the newsletter's last edition."""
    number = store.next_number(name, newsletter.first_number)
    return store.add(Edition(newsletter=name, number=number, state="draft", send_at=send_at,
                             next_send_at=next_send_at, created_at=now, assembled_at=now,
                             **fields))  # fmt: skip


def choose_territories(
    store: EditionStore,
    edition: Edition,
    newsletter: NewsletterSettings,
    zone: str,
    section: str,
    names: Sequence[str],
) -> int:
    """The territories of one rubrique for this edition (none: those of config.toml), and
    the rubrique's items chosen again by the assembly rules; how many it now has."""
    declared = {declared.key: declared for declared in newsletter.sections}
    if edition.special:
        raise InputError("un numéro spécial garde les éléments choisis pour lui",
                         "ajoutez ou retirez-en à la main")  # fmt: skip
    if section not in declared or declared[section].text:
        raise InputError(f"rubrique inconnue : {section}")
    labels = []
    for name in names:
        label = territory_label(name)
        if label is None:
            raise InputError(
                f"territoire inconnu : {name}", f"territoires : {', '.join(TERRITORIES)}"
            )
        labels.append(label)
    require_editable(edition)
    chosen = dict(edition.territories)
    if labels and tuple(labels) != declared[section].territories:
        chosen[section] = labels
    else:
        chosen.pop(section, None)
    edition.territories = chosen
    window = window_for(store, edition.newsletter, newsletter, edition.send_at, zone)
    placements = select(with_territories(newsletter, chosen), window,
                        store.candidates(window.since, edition.send_at),
                        store.announced(edition.newsletter))  # fmt: skip
    return store.replace_section(edition, section, placements)
