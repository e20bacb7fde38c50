"""Newsletter definitions in config.toml: validated at start-up, errors naming the key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from newsletter.errors import ConfigError, NotFoundError
from newsletter.settings import Settings

Make = Callable[..., Settings]


def lettre(**changes: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "title": "La Lettre",
        "list": "lettre",
        "schedule": "0 9 1-7 1,3,5,7,9,11 tue",
        "sender": "Lettre <lettre@exemple.fr>",
        "sections": [{"key": "fiches", "title": "Fiches", "kinds": ["fiche"]}],
    }
    return {"lettre": definition | changes}


def test_project_declares_the_lettre_and_the_network_newsletters(make_settings: Make) -> None:
    """config.toml declares the Lettre (from n° 87) and the Réaap, Clas and combined letters."""
    settings = make_settings()
    assert {"lettre", "reaap", "clas", "reseaux"} <= set(settings.newsletters)
    assert settings.newsletter("lettre").first_number == 87
    combined = settings.newsletter("reseaux")
    networks = {n for section in combined.sections for n in section.networks}
    assert networks == {"reaap", "clas"}
    keys = [section.key for section in settings.newsletter("lettre").sections]
    assert keys[0] == "edito" and {"fiches", "rendez-vous", "mouvements"} <= set(keys)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"schedule": "0 9 * *"}, "newsletters.lettre.schedule: expression cron invalide"),
        ({"schedule": "0 9 1-7 * tuz"}, "newsletters.lettre.schedule: expression cron invalide"),
        ({"subject": "n° {numero}"}, "newsletters.lettre.subject: champ inconnu {numero}"),
        ({"sender": "personne"}, "newsletters.lettre.sender: adresse invalide"),
        ({"sections": []}, "newsletters.lettre.sections: au moins une rubrique"),
        (
            {"sections": [{"key": "a", "title": "A"}, {"key": "a", "title": "B"}]},
            "clé de rubrique en double",
        ),
        (
            {"sections": [{"key": "a", "title": "A", "kinds": ["lettre"]}]},
            "newsletters.lettre.sections[0:a].kinds: type inconnu 'lettre'",
        ),
        (
            {"sections": [{"key": "a", "title": "A", "themes": ["jardin"]}]},
            "lettre 'lettre' : thème inconnu 'jardin'",
        ),
        ({"colour": "red"}, "newsletters.lettre.colour: clé inconnue"),
    ],
)
def test_invalid_newsletter_is_one_clear_error(
    make_settings: Make, changes: dict[str, Any], message: str
) -> None:
    """A wrong newsletter definition stops start-up with one line naming the key."""
    with pytest.raises(ConfigError) as caught:
        make_settings(newsletters=lettre(**changes))
    assert message in str(caught.value)


def test_unknown_newsletter_lists_the_declared_ones(make_settings: Make) -> None:
    """Asking for an undeclared newsletter says which ones exist."""
    with pytest.raises(NotFoundError, match="lettre, reaap"):
        make_settings().newsletter("gazette")


def test_organisation_time_zone_is_checked(make_settings: Make) -> None:
    """An unknown time zone is refused at start-up."""
    with pytest.raises(ConfigError, match=r"organisation\.timezone: fuseau horaire inconnu"):
        make_settings(organisation={"timezone": "Europe/Saint-Denis"})
