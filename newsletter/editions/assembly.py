"""Assembling a numbered draft: its dates, its window, its items (rules in ``selection``)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from newsletter.db import utcnow
from newsletter.editions.lifecycle import require_editable
from newsletter.editions.models import Edition
from newsletter.editions.periods import next_send, period_label, send_time
from newsletter.editions.selection import Window, select
from newsletter.editions.store import EditionStore
from newsletter.errors import InputError
from newsletter.settings import NewsletterSettings


def window_for(
    store: EditionStore, name: str, newsletter: NewsletterSettings, send_at: datetime, zone: str
) -> Window:
    """From the previous edition (or the lookback) to this send; agenda until the next one.

    Items are taken from the moment the previous edition was assembled (or its send, if
    earlier): anything published later was not in it.
    """
    previous = next(iter(store.published(name)), None)
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
    given), édito and mouvements; its items are chosen again.
    """
    now = now or utcnow()
    edition = store.open_edition(name)
    if edition is not None and not replace:
        raise InputError(
            f"l’édition n° {edition.number} de {name} est en préparation (id {edition.id})",
            "modifiez-la (`newsletter edition edit`) ou refaites-la avec --replace",
        )
    if day is not None:
        send_at = send_time(newsletter.schedule, day, zone)
    elif edition is not None:
        send_at = edition.send_at
    else:
        send_at = next_send(newsletter.schedule, now, zone)
    window = window_for(store, name, newsletter, send_at, zone)
    placements = select(
        newsletter, window, store.candidates(window.since, send_at), store.announced(name)
    )
    if edition is None:
        edition = store.add(
            Edition(
                newsletter=name,
                number=store.next_number(name, newsletter.first_number),
                state="draft",
                send_at=send_at,
                next_send_at=window.next_send_at,
                created_at=now,
                assembled_at=now,
            )
        )
    else:
        require_editable(edition)
    edition.send_at, edition.next_send_at, edition.assembled_at = send_at, window.next_send_at, now
    edition.period = period_label(send_at, window.next_send_at, zone)
    fields = {"number": edition.number, "period": edition.period, "title": newsletter.title}
    edition.subject = newsletter.subject.format(**fields)
    edition.preheader = newsletter.preheader.format(**fields)
    store.place(edition, placements)
    return edition
