"""Job: the daily retention rules of the subscriber domain (``subscribers.retention``)."""

from __future__ import annotations

from datetime import datetime

from newsletter.app import App
from subscribers.retention import purge


def run(app: App, now: datetime) -> str:
    with app.database.session() as session:
        return purge(session, now, app.settings.subscribers).describe()
