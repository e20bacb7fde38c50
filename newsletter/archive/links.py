"""Public web addresses of Lettre's pages, and the neutral values archive pages carry.

Every link written in an email or a page starts with ``organisation.public_url``; the web
app serves these paths. An archived edition is the same rendering as the email, filled with
values that belong to nobody: a plain greeting and links to the public subscription page
instead of one subscriber's unsubscribe and preferences links.
"""

from __future__ import annotations

from newsletter.rendering.personalise import PersonalValues

SUBSCRIBE_PATH = "/abonnement"
CONFIRM_PATH = "/abonnement/confirmer"
UNSUBSCRIBE_PATH = "/desabonnement"
PREFERENCES_PATH = "/preferences"
DATA_PATH = "/mes-donnees"
ARCHIVE_PATH = "/archives"


def newsletter_url(public_url: str, newsletter: str) -> str:
    return f"{public_url}{ARCHIVE_PATH}/{newsletter}/"


def edition_url(public_url: str, newsletter: str, number: int) -> str:
    return f"{newsletter_url(public_url, newsletter)}{number}/"


def feed_url(public_url: str, newsletter: str) -> str:
    return f"{newsletter_url(public_url, newsletter)}feed.atom"


def confirm_url(public_url: str, token: str) -> str:
    """The link of a double opt-in email."""
    return f"{public_url}{CONFIRM_PATH}/{token}"


def unsubscribe_url(public_url: str, token: str) -> str:
    return f"{public_url}{UNSUBSCRIBE_PATH}/{token}"


def data_url(public_url: str, token: str) -> str:
    """The single-use link to one's data, sent on request."""
    return f"{public_url}{DATA_PATH}/{token}"


def preferences_url(public_url: str, token: str) -> str:
    return f"{public_url}{PREFERENCES_PATH}/{token}"


def addressed(email: str) -> str:
    """How an email's footer says where it was sent (after "vous y êtes abonné·e")."""
    return f", à l’adresse {email}"


def archive_values(public_url: str, newsletter: str, number: int) -> PersonalValues:
    """What the archive page shows where an email has personal values."""
    return PersonalValues(
        greeting="Bonjour,",
        addressed="",
        unsubscribe_url=f"{public_url}{SUBSCRIBE_PATH}",
        preferences_url=f"{public_url}{SUBSCRIBE_PATH}",
        web_url=edition_url(public_url, newsletter, number),
    )


def sample_values(public_url: str, newsletter: str, number: int, email: str) -> PersonalValues:
    """Values of an imaginary subscriber, for previews."""
    return PersonalValues(
        greeting="Bonjour Mme Dupont,",
        addressed=addressed(email),
        unsubscribe_url=unsubscribe_url(public_url, "EXEMPLE"),
        preferences_url=preferences_url(public_url, "EXEMPLE"),
        web_url=edition_url(public_url, newsletter, number),
    )


def subscriber_values(
    public_url: str,
    newsletter: str,
    number: int,
    name: str,
    email: str,
    unsubscribe_token: str,
    preferences_token: str,
) -> PersonalValues:
    """One subscriber's values: their signed unsubscribe and preferences links."""
    return PersonalValues(
        greeting=f"Bonjour {name}," if name else "Bonjour,",
        addressed=addressed(email),
        unsubscribe_url=unsubscribe_url(public_url, unsubscribe_token),
        preferences_url=preferences_url(public_url, preferences_token),
        web_url=edition_url(public_url, newsletter, number),
    )
