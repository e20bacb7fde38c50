"""Realistic sample subscribers: élus of Seine-Saint-Denis communes, State services,
professionals, partners and members, as an office's spreadsheet would list them.

Deterministic for a given seed; used by the tests, the benchmark and demonstrations.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from newsletter.text import words
from newsletter.vocabulary import PROFILES as PROFILE_LABELS

COMMUNES = [
    ("Bobigny", "93000"), ("Saint-Denis", "93200"), ("Montreuil", "93100"),
    ("Aubervilliers", "93300"), ("Sevran", "93270"), ("Clichy-sous-Bois", "93390"),
    ("Aulnay-sous-Bois", "93600"), ("Bondy", "93140"), ("Drancy", "93700"),
    ("Épinay-sur-Seine", "93800"), ("La Courneuve", "93120"), ("Le Blanc-Mesnil", "93150"),
    ("Noisy-le-Sec", "93130"), ("Pantin", "93500"), ("Saint-Ouen-sur-Seine", "93400"),
    ("Stains", "93240"), ("Villepinte", "93420"), ("Pierrefitte-sur-Seine", "93380"),
    ("Romainville", "93230"), ("Bagnolet", "93170"), ("Montfermeil", "93370"),
    ("Tremblay-en-France", "93290"), ("Rosny-sous-Bois", "93110"), ("Villetaneuse", "93430"),
]  # fmt: skip
ELSEWHERE = [("Paris", "75011"), ("Créteil", "94000"), ("Argenteuil", "95100")]
WOMEN = [
    "Marie",
    "Fatoumata",
    "Nadia",
    "Sophie",
    "Aïcha",
    "Hélène",
    "Camille",
    "Leïla",
    "Isabelle",
    "Karima",
    "Élodie",
    "Sandrine",
    "Mariam",
    "Céline",
    "Françoise",
    "Inès",
]
MEN = [
    "Jean",
    "Mohamed",
    "Karim",
    "François",
    "Mamadou",
    "Stéphane",
    "Thierry",
    "Yacine",
    "Jérôme",
    "Ahmed",
    "Olivier",
    "Moussa",
    "Frédéric",
    "Nicolas",
    "Rachid",
    "Loïc",
]
LAST = [
    "Dupont",
    "Traoré",
    "Benali",
    "Martin",
    "Diallo",
    "Nguyen",
    "Lefèvre",
    "Haddad",
    "Moreau",
    "Koné",
    "Bernard",
    "Chérif",
    "Petit",
    "Mendy",
    "Garnier",
    "Belkacem",
    "Rousseau",
    "Camara",
    "Lemoine",
    "Ouali",
    "Fontaine",
    "Sissoko",
    "Gauthier",
    "Ferrand",
]
# Profile → (functions, (organisation, mail domain) pairs); {commune} and {slug} are filled in.
PROFILES = {
    "elu": (
        ["Maire adjointe chargée de la politique de la ville",
         "Conseiller municipal délégué à la jeunesse",
         "Adjointe au maire chargée de l'éducation", "Maire adjoint à la démocratie locale"],
        [("Ville de {commune}", "ville-{slug}.fr")],
    ),
    "etat": (
        ["Déléguée du préfet", "Chargé de mission politique de la ville",
         "Sous-préfète chargée de la ville", "Inspecteur de l'action sanitaire et sociale"],
        [("Préfecture de la Seine-Saint-Denis", "seine-saint-denis.gouv.fr"),
         ("DDETS de la Seine-Saint-Denis", "seine-saint-denis.gouv.fr")],
    ),
    "professionnel": (
        ["Cheffe de projet contrat de ville", "Coordinatrice Réaap", "Référent Clas",
         "Médiatrice sociale", "Directeur de centre social", "Coordinateur PRE"],
        [("Centre social de {commune}", "cs-{slug}.fr"),
         ("Programme de réussite éducative de {commune}", "pre-{slug}.fr"),
         ("Maison de quartier de {commune}", "mq-{slug}.fr")],
    ),
    "partenaire": (
        ["Chargée de mission parentalité", "Responsable du développement social",
         "Directrice de l'association"],
        [("CAF de la Seine-Saint-Denis", "caf93.fr"),
         ("Département de la Seine-Saint-Denis", "seinesaintdenis.fr"),
         ("Plaine Commune", "plainecommune.fr"), ("Est Ensemble", "est-ensemble.fr"),
         ("Association Femmes relais de {commune}", "femmes-relais-{slug}.org")],
    ),
    "adherent": (
        ["Directrice", "Chargé de développement local"],
        [("Association Accompagnement scolaire {commune}", "as-{slug}.org"),
         ("Régie de quartier de {commune}", "regie-{slug}.fr")],
    ),
    "autre": (
        ["Étudiante", "Chercheur", "Journaliste"],
        [("Université Paris 8", "univ-paris8.fr"), ("", "laposte.net"), ("", "orange.fr")],
    ),
}  # fmt: skip
PROFILE_WEIGHTS = {"elu": 18, "etat": 8, "professionnel": 44, "partenaire": 14,
                   "adherent": 10, "autre": 6}  # fmt: skip
THEMES = ["gouvernance", "participation", "habitat", "emploi", "education", "egalite"]


@dataclass(frozen=True)
class Person:
    email: str
    civility: str
    first_name: str
    last_name: str
    organisation: str
    function: str
    profile: str
    commune: str
    postcode: str
    themes: tuple[str, ...]
    format: str

    @property
    def department(self) -> str:
        return self.postcode[:2]


def _slug(text: str) -> str:
    return words(text).replace(" ", "-")


def people(count: int, seed: int = 93) -> list[Person]:
    """``count`` distinct people (distinct addresses), reproducible from ``seed``."""
    rng = random.Random(seed)
    profiles = list(PROFILE_WEIGHTS)
    weights = list(PROFILE_WEIGHTS.values())
    seen: set[str] = set()
    found: list[Person] = []
    while len(found) < count:
        profile = rng.choices(profiles, weights)[0]
        woman = rng.random() < 0.55
        first = rng.choice(WOMEN if woman else MEN)
        last = rng.choice(LAST)
        commune, postcode = rng.choice(COMMUNES if rng.random() < 0.9 else ELSEWHERE)
        functions, organisations = PROFILES[profile]
        organisation, domain = rng.choice(organisations)
        organisation = organisation.format(commune=commune)
        domain = domain.format(slug=_slug(commune))
        local = f"{_slug(first)}.{_slug(last)}".replace("-", "")
        email = f"{local}@{domain}"
        number = 2
        while email.lower() in seen:
            email, number = f"{local}{number}@{domain}", number + 1
        seen.add(email.lower())
        themes = tuple(sorted(rng.sample(THEMES, rng.choice([0, 1, 1, 2, 3]))))
        found.append(
            Person(email, "Mme" if woman else "M.", first, last, organisation,
                   rng.choice(functions), profile, commune, postcode, themes,
                   "text" if rng.random() < 0.08 else "html")
        )  # fmt: skip
    return found


# -- as an office's spreadsheet exports them -----------------------------------------

HEADER = (
    "Civilité", "Prénom", "Nom", "Adresse électronique", "Organisme", "Fonction", "Catégorie",
    "Ville", "Code postal", "Thèmes", "Format",
)  # fmt: skip


def row(person: Person, email: str | None = None, **changes: str) -> list[str]:
    values = {
        "Civilité": person.civility, "Prénom": person.first_name, "Nom": person.last_name,
        "Adresse électronique": person.email if email is None else email,
        "Organisme": person.organisation, "Fonction": person.function,
        "Catégorie": PROFILE_LABELS[person.profile], "Ville": person.commune,
        "Code postal": person.postcode,
        "Thèmes": ", ".join(theme.capitalize() for theme in person.themes),
        "Format": "Texte" if person.format == "text" else "HTML",
    } | changes  # fmt: skip
    return [values[name] for name in HEADER]


def csv_text(rows: Iterable[list[str] | None], delimiter: str = ";") -> str:
    """CRLF lines, like Excel; ``None`` is an empty line. No quoting needed in samples."""
    lines = [delimiter.join(HEADER)]
    lines += ["" if cells is None else delimiter.join(cells) for cells in rows]
    return "\r\n".join(lines) + "\r\n"
