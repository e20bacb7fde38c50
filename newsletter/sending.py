"""Sending an edition to its audience (placeholder in the scheduler branch).

The real function — deliveries ledger, workers, resume after a crash — is being written on
main; this stub only fixes the signature ``jobs/send_due.py`` calls, and is replaced
whole when the branches are merged.
"""

from __future__ import annotations

from datetime import datetime

from newsletter.app import App


def send_edition(app: App, edition_id: int, *, now: datetime | None = None) -> str:
    """Send (or resume sending) an edition; a short French outcome."""
    raise NotImplementedError("newsletter.sending.send_edition arrives with the dispatch work")
