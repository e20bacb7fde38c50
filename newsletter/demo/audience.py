"""The demo's audience: sample people of Seine-Saint-Denis imported as offices would, on the
Lettre's list and (some of them) the Réaap's."""

from __future__ import annotations

from newsletter.app import App
from newsletter.demo.people import csv_text, people, row
from subscribers.consent import Consent
from subscribers.importing import import_csv

SIZES = {"lettre": 300, "reaap": 80}


def import_sample_audience(app: App) -> dict[str, int]:
    """Import the sample people (idempotent: a second run merges them); counts per list."""
    everyone = people(max(SIZES.values()))
    consent = Consent("import", app.settings.subscribers.consent_wording, "démonstration")
    created = {}
    with app.database.session() as session:
        store = app.subscriber_store(session)
        for list_key, size in SIZES.items():
            data = csv_text(row(person) for person in everyone[:size]).encode("utf-8")
            import_csv(store, data, list_key, consent, app.settings.classification.themes)
            created[list_key] = size
    return created
