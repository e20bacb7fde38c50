"""Personalisation: markers filled in one pass, escaped for HTML, never forged by content."""

from __future__ import annotations

from newsletter.rendering.personalise import (
    FIELDS,
    Fillable,
    PersonalValues,
    defuse,
    html_values,
    marker,
    text_values,
)

VALUES = PersonalValues(
    greeting="Bonjour M. O'Brien & fils,",
    addressed=", à l’adresse o.brien@exemple.fr",
    unsubscribe_url="https://x.fr/u?t=a&b=<c>",
    preferences_url="https://x.fr/p",
    web_url="https://x.fr/w",
)


def test_every_marker_is_filled() -> None:
    """Each marker, repeated or at either end of the text, gets the recipient's value."""
    text = f"{marker('web_url')} a {marker('greeting')} b {marker('greeting')}{marker('web_url')}"
    filled = Fillable(text).fill(text_values(VALUES))
    assert filled == f"https://x.fr/w a {VALUES.greeting} b {VALUES.greeting}https://x.fr/w"
    assert Fillable(text).markers == {"web_url", "greeting"}


def test_html_values_are_escaped() -> None:
    """In the HTML part values are escaped for text and attributes alike."""
    values = html_values(VALUES)
    assert values["greeting"] == "Bonjour M. O&#x27;Brien &amp; fils,"
    assert values["unsubscribe_url"] == "https://x.fr/u?t=a&amp;b=&lt;c&gt;"
    assert set(values) == set(FIELDS)


def test_text_without_markers_is_unchanged() -> None:
    """A text without markers comes back as it was."""
    assert Fillable("rien à remplir").fill(text_values(VALUES)) == "rien à remplir"


def test_defused_content_is_no_marker() -> None:
    """Content carrying a marker's spelling is changed so that it is never filled."""
    forged = defuse(f"voir {marker('unsubscribe_url')}")
    assert Fillable(forged).markers == frozenset()
    assert defuse("100 % sûr") == "100 % sûr"
