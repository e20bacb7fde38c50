"""Subscriber profiles, formats and statuses, with their French labels."""

from __future__ import annotations

PROFILES: dict[str, str] = {
    "elu": "Élu·e",
    "etat": "Service de l'État",
    "professionnel": "Professionnel·le",
    "partenaire": "Partenaire",
    "adherent": "Adhérent·e",
    "autre": "Autre",
}
FORMATS: dict[str, str] = {"html": "HTML", "text": "Texte seul"}
# Global status of a person; per-list status lives on the subscription.
STATUSES = ("active", "bounced", "complained", "blocked")
SUBSCRIPTION_STATUSES = ("pending", "active", "unsubscribed")
# How consent was given.
CONSENT_METHODS = ("form", "import", "admin")
