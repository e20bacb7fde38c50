"""Our own sends, recognised in what comes back (complaints whose recipient is redacted).

A Message-ID we made names its edition and recipient and carries a MAC (see
``dispatch.message``): it names a subscriber only if the MAC holds under one of the keys and
the ledger shows that edition was sent to that subscriber. A Feedback-ID names the edition
only (nothing personal). The composition root hands this to the bounce handler.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from newsletter.dispatch.message import feedback_edition, key_subscriber, parse_message_id
from newsletter.dispatch.store import LedgerStore


class SentMessages:
    def __init__(self, session: Session, id_keys: Sequence[bytes]) -> None:
        self.ledger = LedgerStore(session)
        self.id_keys = id_keys

    def recipient(self, message_id: str) -> int | None:
        """The subscriber one of our sends with this Message-ID went to, or None."""
        parsed = parse_message_id(message_id, self.id_keys)
        subscriber_id = key_subscriber(parsed[1]) if parsed else None
        if parsed is None or subscriber_id is None:
            return None
        return subscriber_id if self.ledger.sent_to(parsed[0], subscriber_id) else None

    def edition(self, feedback_id: str) -> int | None:
        """The edition a Feedback-ID of ours names, or None."""
        return feedback_edition(feedback_id)
