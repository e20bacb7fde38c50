"""The email that tells a newsletter's editors its next draft is ready to be read."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from zoneinfo import ZoneInfo

from newsletter.editions.models import Edition
from newsletter.rendering.dates import clock, long_date
from newsletter.settings import NewsletterSettings

TEXTS = {"edito": "l’édito", "mouvements": "les mouvements"}


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
    """« Brouillon prêt » for one editor: what it holds, when it goes out, where to read it."""
    send_at = edition.send_at.astimezone(ZoneInfo(zone))
    day = long_date(send_at.date())
    sections = len({entry.section for entry in edition.entries})
    written = {"edito": edition.edito, "mouvements": edition.mouvements}
    missing = [TEXTS[s.text] for s in newsletter.sections if s.text and not written[s.text]]
    if newsletter.automatic:
        mode = (
            "Cette lettre part automatiquement à cette heure-là : vos modifications "
            "d’ici là seront prises en compte."
        )
    else:
        mode = (
            "L’édition ne partira qu’une fois approuvée (espace des éditeurs, ou "
            f"`newsletter edition approve {edition.id}`)."
        )
    lines = [
        "Bonjour,",
        "",
        f"Le brouillon de « {newsletter.title} » n° {edition.number} ({edition.period}) est "
        f"prêt : {len(edition.entries)} élément(s) en {sections} rubrique(s).",
        "",
        f"Envoi prévu le {day} à {clock(send_at)}. {mode}",
    ]
    if missing:
        lines += ["", f"À écrire : {' et '.join(missing)}."]
    lines += [
        "",
        f"Aperçu et modifications : {preview}",
        f"En ligne de commande : newsletter edition show {edition.id}",
        "",
        "— Lettre, le planificateur des envois",
    ]
    message = EmailMessage()
    message["Subject"] = (
        f"Brouillon prêt : {newsletter.title} n° {edition.number} — à relire avant le {day}"
    )
    message["From"] = newsletter.sender
    message["To"] = recipient
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=parseaddr(newsletter.sender)[1].rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content("\n".join(lines) + "\n")
    return message
