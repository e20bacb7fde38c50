"""Subscriber statuses, consent methods and kinds of bounce, with their French labels
(profiles and formats are the settings' vocabulary)."""

from __future__ import annotations

from newsletter.vocabulary import FORMATS as FORMATS  # (re-exported: the subscriber domain's)

# Global status of a person; per-list status lives on the subscription.
STATUSES: dict[str, str] = {
    "active": "actif",
    "bounced": "en erreur (rebonds)",
    "complained": "plainte",
    "blocked": "bloqué",
}
SUBSCRIPTION_STATUSES: dict[str, str] = {
    "pending": "en attente de confirmation",
    "active": "abonné",
    "unsubscribed": "désabonné",
}
# How consent was given.
CONSENT_METHODS: dict[str, str] = {
    "form": "formulaire (double confirmation)",
    "import": "import de fichier",
    "admin": "ajout par un éditeur",
}
BOUNCE_KINDS: dict[str, str] = {
    "hard": "erreur définitive",
    "soft": "erreur temporaire",
    "complaint": "plainte",
}
# Why an address is on the suppression list (suppression.REASONS).
EXCLUSION_REASONS: dict[str, str] = {
    "unsubscribed": "désabonnement",
    "bounced": "adresse en erreur",
    "complaint": "plainte",
    "erased": "effacement (RGPD)",
}
