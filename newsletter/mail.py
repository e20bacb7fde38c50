"""A plain-text email the application writes itself — a confirmation, a link to one's data,
the editors' notice that a draft is ready — with the headers such a message needs."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

SIGNATURE = (
    "Profession Banlieue — centre de ressources politique de la ville de Seine-Saint-Denis\n"
)


def notice(
    sender: str, to: str, subject: str, body: str, now: datetime, signature: str = SIGNATURE
) -> EmailMessage:
    """A plain-text message, automatic (``Auto-Submitted``: no out-of-office replies),
    signed by the centre unless ``signature`` says otherwise."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body + "\n" + signature)
    return message
