"""Editors' texts: a little Markdown, or HTML, always sanitised."""

from __future__ import annotations

from newsletter.editions.prose import to_html


def test_paragraphs_lists_emphasis_and_links() -> None:
    """Blank lines make paragraphs, dashes a list; bold, italic and links are understood."""
    html = to_html(
        "Chers **partenaires**, voici le *programme*.\nSuite du paragraphe.\n\n"
        "- [Inscription](https://exemple.fr/a_b?x=1&y=2)\n- voir https://exemple.fr/doc."
    )
    assert html.startswith(
        "<p>Chers <strong>partenaires</strong>, voici le <em>programme</em>. Suite du "
        "paragraphe.</p><ul><li>"
    )
    assert 'href="https://exemple.fr/a_b?x=1&amp;y=2"' in html and ">Inscription</a>" in html
    assert '<a href="https://exemple.fr/doc" rel="noopener noreferrer">' in html
    assert html.endswith("https://exemple.fr/doc</a>.</li></ul>")


def test_html_is_sanitised() -> None:
    """HTML is accepted but goes through the allow-list: no script, handler or javascript:."""
    html = to_html(
        '<p onclick="x()">Bonjour <script>alert(1)</script>'
        '<a href="javascript:alert(1)">lien</a></p>'
    )
    assert "script" not in html and "onclick" not in html and "javascript" not in html
    assert html.startswith("<p>Bonjour ")


def test_text_is_escaped_not_interpreted() -> None:
    """Markdown-like text containing angle brackets shows them, it does not make tags."""
    assert to_html("Réunion 14 h < 16 h") == "<p>Réunion 14 h &lt; 16 h</p>"
    assert to_html("   ") == ""
