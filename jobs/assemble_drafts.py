"""Job: N days before each newsletter's next send, assemble its draft and tell its editors.

Idempotent: a newsletter with an edition in preparation gets no second one (whatever its
date), a date already sent or cancelled is not assembled again, and the editors are emailed
once per draft (``editions.editors_notified_at``). A failed email is retried on the next run.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from newsletter.app import App
from newsletter.editions.assembly import assemble
from newsletter.editions.notices import draft_notice, preview_url
from newsletter.editions.periods import draft_time, next_send
from newsletter.editions.store import EditionStore
from newsletter.settings import NewsletterSettings


def run(app: App, now: datetime) -> str:
    done = [
        f"{name} : {outcome}"
        for name, newsletter in app.settings.newsletters.items()
        if (outcome := _prepare(app, name, newsletter, now))
    ]
    return " ; ".join(done) or "aucun brouillon à préparer"


def _prepare(app: App, name: str, newsletter: NewsletterSettings, now: datetime) -> str:
    """Assemble the coming draft if it is time, and notify its editors; what was done."""
    settings = app.settings
    zone, days = settings.organisation.timezone, settings.scheduler.draft_days_before
    with app.database.session() as session:
        store = EditionStore(session)
        edition = store.open_edition(name)
        made = edition is None
        if edition is None:
            send_at = next_send(newsletter.schedule, now, zone)
            if draft_time(send_at, days, zone) > now or store.at(name, send_at) is not None:
                return ""
            day = send_at.astimezone(ZoneInfo(zone)).date()
            edition = assemble(store, name, newsletter, zone, day=day, now=now)
        elif edition.editors_notified_at is not None or not (
            draft_time(edition.send_at, days, zone) <= now < edition.send_at
        ):
            return ""
        done = f"brouillon n° {edition.number} {'assemblé ' if made else ''}(id {edition.id})"
        if not newsletter.editors:
            return f"{done}, aucun éditeur à prévenir" if made else ""
        preview = preview_url(settings.organisation.public_url, edition.id)
        notices = [
            draft_notice(edition, newsletter, editor, preview, zone, now)
            for editor in newsletter.editors
        ]
        edition_id = edition.id
    # The draft is committed: it stays even if the notice cannot be sent now.
    mailer = app.mailer()
    for notice in notices:
        mailer.send(notice)
    with app.database.session() as session:
        store = EditionStore(session)
        store.mark_notified(store.get(edition_id), now)
    return f"{done}, {len(notices)} éditeur(s) prévenu(s)"
