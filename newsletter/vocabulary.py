"""The product's vocabulary: kinds of item, subscriber profiles and formats, editors' roles,
with their French labels. Settings validate against these; the domain packages use them as
they are."""

from __future__ import annotations

import re
import unicodedata

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
# Territories a rubrique can be limited to (``territories`` of a rubrique): the departments
# of Île-de-France by number, the region, the rest of France, and events held online.
DEPARTMENTS: dict[str, str] = {
    "75": "Paris",
    "77": "Seine-et-Marne",
    "78": "Yvelines",
    "91": "Essonne",
    "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis",
    "94": "Val-de-Marne",
    "95": "Val-d'Oise",
}
REGION = "Île-de-France"
ELSEWHERE = "Ailleurs en France"
ONLINE = "En ligne"
TERRITORIES: tuple[str, ...] = (*DEPARTMENTS.values(), REGION, ELSEWHERE, ONLINE)


def territory_label(text: str) -> str | None:
    """The territory of TERRITORIES a text names, whatever its case, accents and dashes
    (``ile de france`` → ``Île-de-France``); None when it names none."""
    return _TERRITORY_NAMES.get(_folded(text))


def _folded(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+", plain))


_TERRITORY_NAMES = {_folded(label): label for label in TERRITORIES}
