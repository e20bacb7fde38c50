"""A complete email from a personalised rendering: multipart/alternative, text then HTML."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime


def build_message(
    *,
    subject: str,
    sender: str,
    to: str,
    html: str,
    text: str,
    date: datetime,
    reply_to: str = "",
) -> EmailMessage:
    """UTF-8 throughout; the subject is encoded as RFC 2047 requires when it is not ASCII."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(date)
    message["MIME-Version"] = "1.0"
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    return message
