"""The kinds of item a newsletter can carry, with their French labels."""

from __future__ import annotations

ITEM_KINDS: dict[str, str] = {
    "fiche": "Fiche d'expérience",
    "agenda": "Rendez-vous",
    "actualite": "Actualité",
    "publication": "Publication",
    "mouvement": "Mouvement",
    "ressource": "Ressource documentaire",
}
