"""The product's vocabulary: kinds of item, subscriber profiles and formats, editors' roles,
with their French labels. Settings validate against these; the domain packages use them as
they are."""

from __future__ import annotations

ITEM_KINDS: dict[str, str] = {
    "fiche": "Fiche d'expérience",
    "agenda": "Rendez-vous",
    "actualite": "Actualité",
    "publication": "Publication",
    "mouvement": "Mouvement",
    "ressource": "Ressource documentaire",
}
PROFILES: dict[str, str] = {
    "elu": "Élu·e",
    "etat": "Service de l'État",
    "professionnel": "Professionnel·le",
    "partenaire": "Partenaire",
    "adherent": "Adhérent·e",
    "autre": "Autre",
}
FORMATS: dict[str, str] = {"html": "HTML", "text": "Texte seul"}
ROLES: dict[str, str] = {
    "admin": "Administrateur",
    "editor": "Rédacteur",
    "coordinator": "Coordinateur de réseau",
}
