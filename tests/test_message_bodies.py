"""Prepared bodies (the send path): the same message as from the personalised texts."""

from __future__ import annotations

import pytest

from newsletter.dispatch.bodies import Bodies, Body
from newsletter.rendering.personalise import (
    Fillable,
    PersonalValues,
    html_values,
    marker,
    text_values,
)
from tests.test_message import content, factory, parse, recipient

HTML = (
    "<html><body><p>{greeting}</p>\n<p>Rencontre à Saint-Denis.</p>\n"
    '<p><a href="{preferences_url}">Préférences</a> · <a href="{unsubscribe_url}">Se désabonner'
    '</a> · <a href="{web_url}">En ligne</a></p>\n</body></html>\n'
).format(**{name: marker(name) for name in ("greeting", "preferences_url", "unsubscribe_url",
                                             "web_url")})  # fmt: skip
TEXT = (
    f"{marker('greeting')}\n\nRencontre à Saint-Denis.\n\n"
    f"Se désabonner : {marker('unsubscribe_url')}\n{marker('web_url')}"
)
ORDINARY = PersonalValues(
    greeting="Bonjour Hélène O'Brien & fils,",
    addressed=", à l’adresse helene.obrien@exemple.fr",
    unsubscribe_url="https://lettre.example.org/desabonnement/v1.42.lettre.abc_DEF-123",
    preferences_url="https://lettre.example.org/preferences/v1.42..xyz",
    web_url="https://lettre.example.org/archives/lettre/87",
)


class PreparedOnly(Fillable):
    """A rendered text whose general path (fill the text, then encode it) must not run."""

    __slots__ = ()

    def fill(self, values: dict[str, str]) -> str:
        raise AssertionError("the part was filled the general way, not from prepared bytes")


def bodies(html: str | None = HTML, text: str = TEXT, kind: type[Fillable] = Fillable) -> Bodies:
    boundary = factory().boundary.encode()
    html_body = None if html is None else Body("html", kind(html), html_values, boundary)
    return Bodies(Body("plain", kind(text), text_values, boundary), html_body)


def built(values: PersonalValues, html: str | None = HTML, text: str = TEXT) -> bytes:
    """The message made the general way: texts filled first, then encoded."""
    filled_html = None if html is None else Fillable(html).fill(html_values(values))
    return factory().build(recipient(), filled_html, Fillable(text).fill(text_values(values)))


@pytest.mark.parametrize("html", [HTML, None], ids=["html", "text-only"])
def test_prepared_bodies_give_the_same_message(html: str | None) -> None:
    """Filling prepared bodies gives, byte for byte, the message built from the texts, with
    both parts sent 8bit, without filling and encoding the texts per recipient."""
    composed = factory().compose(recipient(), bodies(html, kind=PreparedOnly), ORDINARY)
    assert composed == built(ORDINARY, html)
    message = parse(composed)
    parts = list(message.iter_parts()) if html is not None else [message]
    assert {part["Content-Transfer-Encoding"] for part in parts} == {"8bit"}
    assert "Bonjour Hélène O'Brien & fils," in content(parts[0])


@pytest.mark.parametrize(
    "changes",
    [
        {"greeting": "Bonjour " + "Marie-Hélène " * 80},  # a marked line over 998 octets
        {"greeting": "Bonjour\nà vous,"},  # a line break inside a value
        {"greeting": "Bonjour\r\n.\r\n"},  # a bare CR and a lone dot
        {"web_url": f"https://x.org/\n--{factory().boundary}--"},  # the boundary
        {"unsubscribe_url": "https://x.org/%%WEB_URL%%"},  # a value that looks like a marker
    ],
    ids=["long-line", "newline", "cr-dot", "boundary", "marker"],
)
def test_awkward_values_fall_back_to_the_general_encoding(changes: dict[str, str]) -> None:
    """A recipient whose values would make a line too long, add a line break or the MIME
    boundary gets the general encoding (quoted-printable where needed): the same message
    as from the texts, with the same parts and contents."""
    values = PersonalValues(**{**ORDINARY.__dict__, **changes})
    composed = factory().compose(recipient(), bodies(), values)
    assert composed == built(values)
    parts = list(parse(composed).iter_parts())
    assert len(parts) == 2
    assert content(parts[0]) == Fillable(TEXT).fill(text_values(values)).replace("\r\n", "\n")
    assert max(len(line) for line in composed.split(b"\r\n")) <= 998


def test_a_long_static_line_makes_that_part_quoted_printable_for_everyone() -> None:
    """A rendered line over 998 octets without any marker is found once, when the body is
    prepared: that part is encoded the general way for every recipient."""
    html = "<p>" + "é" * 700 + "</p>\n" + HTML
    composed = factory().compose(recipient(), bodies(html), ORDINARY)
    assert composed == built(ORDINARY, html)
    parts = list(parse(composed).iter_parts())
    assert [part["Content-Transfer-Encoding"] for part in parts] == ["8bit", "quoted-printable"]
