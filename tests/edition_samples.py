"""A fixed Lettre edition (items, texts, date) for rendering tests, golden files and screenshots.

Built from unsaved model objects, so that rendering is tested without a database; the
edition is n° 87, sent on Tuesday 3 November 2026 at 09:00 (Paris).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from newsletter.content.models import Item
from newsletter.editions.models import Edition, EditionItem
from newsletter.editions.views import edition_view
from newsletter.rendering.context import EditionView
from newsletter.settings import Settings

PARIS = ZoneInfo("Europe/Paris")
SEND_AT = datetime(2026, 11, 3, 9, 0, tzinfo=PARIS)
NEXT_SEND_AT = datetime(2027, 1, 5, 9, 0, tzinfo=PARIS)
PB = "https://www.professionbanlieue.org"

EDITO = """Chères lectrices, chers lecteurs,

Les **Rencontres de Profession Banlieue** reviennent sur les trajectoires scolaires et
professionnelles des jeunes des quartiers populaires. Programme et inscription sur
[notre site](https://www.professionbanlieue.org/rencontres).

Bonne lecture !"""

MOUVEMENTS = """- Mme Claire Martin est nommée déléguée du préfet à Clichy-sous-Bois.
- M. Karim Benali rejoint la Ville de Bobigny."""


def _at(day: int, hour: int = 9, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=PARIS)


ITEMS: list[dict[str, Any]] = [
    # section, fields
    {
        "section": "fiches",
        "kind": "fiche",
        "themes": ["emploi"],
        "title": "D.A.M.E.S. : des femmes dans les métiers du bâtiment",
        "summary": "<p>Le projet D.A.M.E.S. promeut l’activité des femmes dans les métiers du "
        "second œuvre du bâtiment, ordinairement réservés aux hommes.</p>",
        "url": f"{PB}/fiche/dames",
    },
    {
        "section": "fiches",
        "kind": "fiche",
        "themes": ["habitat"],
        "title": "« Des murs aux toits » : l’autoréhabilitation accompagnée",
        "summary": "<p>Accompagner les habitants qui rénovent eux-mêmes leur logement dans "
        "l’habitat privé dégradé : une démarche qui associe chantier, formation et "
        "lien social, au cœur des copropriétés en difficulté de Seine-Saint-Denis.</p>"
        "<p>Second paragraphe.</p>",
        "url": f"{PB}/fiche/des-murs-aux-toits",
    },
    {
        "section": "rendez-vous",
        "kind": "agenda",
        "themes": ["egalite"],
        "title": "Esprit critique et citoyenneté des jeunes",
        "summary": "<p>Journée annulée.</p>",
        "url": f"{PB}/agenda/esprit-critique",
        "starts_at": _at(10, 9, 30),
        "cancelled": True,
        "change": "annule",
    },
    {
        "section": "rendez-vous",
        "kind": "agenda",
        "themes": ["education"],
        "title": "Les Rencontres de Profession Banlieue : trajectoires des jeunes",
        "summary": "<p>Une journée d’échanges entre élus, professionnels et chercheurs.</p>",
        "url": f"{PB}/agenda/rencontres",
        "starts_at": _at(26, 9, 30),
        "ends_at": _at(26, 17),
        "place": "Bourse du travail, 93200 Saint-Denis",
        "organiser": "Profession Banlieue",
        "registration_url": f"{PB}/agenda/rencontres/inscription",
    },
    {
        "section": "rendez-vous",
        "kind": "agenda",
        "themes": ["participation"],
        "title": "Forum des conseils citoyens",
        "summary": "<p>Reporté au 1er décembre.</p>",
        "url": f"{PB}/agenda/forum",
        "starts_at": _at(1, 14, month=12),
        "ends_at": _at(1, 17, month=12),
        "place": "Bobigny",
        "change": "modifie",
    },
    {
        "section": "actualites",
        "kind": "actualite",
        "themes": ["education"],
        "title": "Cités éducatives : quatre nouvelles communes",
        "summary": "<p>Le label s’étend à quatre communes de la Seine-Saint-Denis.</p>",
        "url": f"{PB}/actualite/cites-educatives",
    },
    {
        "section": "actualites",
        "kind": "actualite",
        "themes": [],
        "title": "Le centre de documentation change d’horaires",
        "summary": "<p>Ouvert du mardi au jeudi, de 10 h à 17 h, sur rendez-vous.</p>",
        "url": f"{PB}/actualite/horaires",
    },
    {
        "section": "publications",
        "kind": "publication",
        "themes": ["egalite"],
        "title": "Actes : « La santé mentale aux intersections »",
        "summary": "<p>Les actes de la journée du 12 mai.</p>",
        "url": f"{PB}/publication/actes",
    },
    {
        "section": "ressources",
        "kind": "ressource",
        "themes": ["gouvernance"],
        "title": "Portrait social de la Seine-Saint-Denis, édition 2026",
        "summary": "<p>Observatoire départemental des données sociales, 84 p.</p>",
        "url": "https://exemple.fr/portrait-social",
    },
    {
        "section": "partenaires",
        "kind": "agenda",
        "themes": ["egalite"],
        "title": "Les approches communautaires en santé",
        "summary": "<p>Webinaire.</p>",
        "url": "https://www.fabrique-territoires-sante.org/agenda/approches",
        "starts_at": datetime(2026, 11, 19, tzinfo=PARIS),
        "ends_at": datetime(2026, 11, 21, tzinfo=PARIS),
        "all_day": True,
        "organiser": "Fabrique Territoires Santé",
    },
]

CREDITS = {10: ("Centres de ressources — agenda des partenaires",)}


def sample_edition(edito: str = EDITO, mouvements: str = MOUVEMENTS) -> Edition:
    entries = []
    positions: dict[str, int] = {}
    for number, fields in enumerate(ITEMS, start=1):
        fields = dict(fields)
        section, change = fields.pop("section"), fields.pop("change", "")
        item = Item(
            id=number,
            published_at=SEND_AT - timedelta(days=number),
            networks=[],
            revision=1,
            **{
                "all_day": False,
                "cancelled": False,
                "place": "",
                "organiser": "",
                "registration_url": "",
                "starts_at": None,
                "ends_at": None,
            }
            | fields,
        )
        positions[section] = positions.get(section, 0) + 1
        entries.append(
            EditionItem(
                item=item,
                item_id=number,
                section=section,
                position=positions[section],
                item_revision=1,
                change=change,
            )
        )
    return Edition(
        id=1,
        newsletter="lettre",
        number=87,
        state="draft",
        send_at=SEND_AT,
        next_send_at=NEXT_SEND_AT,
        period="novembre-décembre 2026",
        subject="La Lettre de Profession Banlieue n° 87 — novembre-décembre 2026",
        preheader="",
        edito=edito,
        mouvements=mouvements,
        entries=entries,
    )


def sample_view(settings: Settings, edition: Edition | None = None) -> EditionView:
    """The fixed edition as templates see it, with the project's Lettre settings."""
    return edition_view(
        edition or sample_edition(),
        settings.newsletter("lettre"),
        settings.organisation,
        CREDITS,
    )
