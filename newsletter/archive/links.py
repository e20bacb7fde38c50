"""Public web addresses of the archive, and the neutral values its pages carry.

An archived edition is the same rendering as the email, filled with values that belong to
nobody: a plain greeting and links to the public subscription page instead of one
subscriber's unsubscribe and preferences links.
"""

from __future__ import annotations

from newsletter.rendering.personalise import PersonalValues


def edition_url(public_url: str, newsletter: str, number: int) -> str:
    return f"{public_url}/archives/{newsletter}/{number}/"


def feed_url(public_url: str, newsletter: str) -> str:
    return f"{public_url}/archives/{newsletter}/feed.atom"


def archive_values(public_url: str, newsletter: str, number: int) -> PersonalValues:
    """What the archive page shows where an email has personal values."""
    return PersonalValues(
        greeting="Bonjour,",
        unsubscribe_url=f"{public_url}/abonnement",
        preferences_url=f"{public_url}/abonnement",
        web_url=edition_url(public_url, newsletter, number),
    )


def sample_values(public_url: str, newsletter: str, number: int) -> PersonalValues:
    """Values of an imaginary subscriber, for previews."""
    return PersonalValues(
        greeting="Bonjour Mme Dupont,",
        unsubscribe_url=f"{public_url}/desabonnement/EXEMPLE",
        preferences_url=f"{public_url}/preferences/EXEMPLE",
        web_url=edition_url(public_url, newsletter, number),
    )


def subscriber_values(
    public_url: str,
    newsletter: str,
    number: int,
    name: str,
    unsubscribe_token: str,
    preferences_token: str,
) -> PersonalValues:
    """One subscriber's values: their signed unsubscribe and preferences links."""
    return PersonalValues(
        greeting=f"Bonjour {name}," if name else "Bonjour,",
        unsubscribe_url=f"{public_url}/desabonnement/{unsubscribe_token}",
        preferences_url=f"{public_url}/preferences/{preferences_token}",
        web_url=edition_url(public_url, newsletter, number),
    )
