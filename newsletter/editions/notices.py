"""The email that tells a newsletter's editors its next draft is ready to be read."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from newsletter.editions.models import Edition
from newsletter.editions.summary import summarise
from newsletter.mail import notice
from newsletter.rendering.dates import day_and_hour, long_date
from newsletter.settings import NewsletterSettings


def preview_url(base_url: str, edition_id: int) -> str:
    """Where editors read and change an edition in the web app."""
    return f"{base_url.rstrip('/')}/editeurs/editions/{edition_id}"


def draft_notice(
    edition: Edition,
    newsletter: NewsletterSettings,
    recipient: str,
    preview: str,
    zone: str,
    now: datetime,
) -> EmailMessage:
    """« Brouillon prêt » for one editor: what it holds, what to look at, when it goes out,
    the one link where to read and change it."""
    day = long_date(edition.send_at.astimezone(ZoneInfo(zone)).date())
    summary = summarise(edition, newsletter)
    if newsletter.automatic:
        mode = (
            "Cette lettre part automatiquement à cette heure-là : vos modifications "
            "d’ici là seront prises en compte."
        )
    else:
        mode = "Elle ne partira qu’une fois approuvée dans l’espace des éditeurs."
    lines = [
        "Bonjour,",
        "",
        f"Le brouillon de « {newsletter.title} » n° {edition.number} ({edition.period}) est "
        f"prêt : {summary.counts}.",
        "",
        f"Envoi prévu le {day_and_hour(edition.send_at, zone)}. {mode}",
    ]
    if summary.warnings:
        lines += ["", "À regarder avant d’approuver :"]
        lines += [f"- {warning[:1].upper()}{warning[1:]}." for warning in summary.warnings]
    lines += [
        "",
        f"Relire, compléter et approuver : {preview}",
        "",
        "— Lettre, le planificateur des envois",
    ]
    subject = f"Brouillon prêt : {newsletter.title} n° {edition.number} — à relire avant le {day}"
    return notice(newsletter.sender, recipient, subject, "\n".join(lines), now, signature="")
