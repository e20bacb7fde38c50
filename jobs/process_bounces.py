"""Job: apply the bounces and complaints that arrived in ``subscribers.bounce_mailbox``.

Only the Maildir's unread messages (``new/``) are read; each is moved to ``cur/`` once the
transaction that applied it is committed, so no message is read twice (and one read twice
after a crash is recognised by its Message-ID and not counted again).
"""

from __future__ import annotations

from datetime import datetime

from newsletter.app import App
from subscribers.bounces import process_messages, summary
from subscribers.mailboxes import mark_seen, read_maildir


def run(app: App, now: datetime) -> str:
    mailbox = app.settings.subscribers.bounce_mailbox
    if not mailbox:
        return "aucune boîte de rebonds configurée (subscribers.bounce_mailbox)"
    with app.database.session() as session:
        messages = read_maildir(app.settings.base_dir / mailbox)
        outcomes, handled = process_messages(app.bounce_handler(session), messages, now)
    for incoming in handled:
        mark_seen(incoming)
    return summary(outcomes, len(handled))
