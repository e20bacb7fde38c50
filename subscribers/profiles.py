"""Subscriber formats, statuses and consent methods (profiles are the settings' vocabulary)."""

from __future__ import annotations

FORMATS: dict[str, str] = {"html": "HTML", "text": "Texte seul"}
# Global status of a person; per-list status lives on the subscription.
STATUSES = ("active", "bounced", "complained", "blocked")
SUBSCRIPTION_STATUSES = ("pending", "active", "unsubscribed")
# How consent was given.
CONSENT_METHODS = ("form", "import", "admin")
