"""MJML to email HTML, with the checks mjml-python does not make and the fixes it needs.

mjml-python copies unknown ``mj-`` tags into its output without a word, and leaves every
``mj-style`` (even ``inline="inline"``) in the head; :func:`compile_mjml` refuses the first,
and the inliner (css-inline) puts every rule of the head into ``style`` attributes, keeping
only the at-rules (``@media``) in a ``<style>`` block.
"""

from __future__ import annotations

import re

import css_inline
from mjml import mjml2html

from newsletter.errors import RenderError

_LEFTOVER = re.compile(r"<mj-[a-z-]+")
_TABLE_WITHOUT_ROLE = re.compile(r"<table(?![^>]*\brole=)")
_STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL)
_CLASS_NAME = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
_CLASS_ATTRIBUTE = re.compile(r' class="([^"]*)"')


class Compiler:
    """Compiles MJML and inlines CSS; built once, reused for every rendering."""

    def __init__(self) -> None:
        self._inliner = css_inline.CSSInliner(
            keep_at_rules=True, load_remote_stylesheets=False, minify_css=True
        )

    def __call__(self, source: str, template: str) -> str:
        try:
            compiled = mjml2html(source)
        except ValueError as exc:  # the MJML parser's message
            raise RenderError(
                f"gabarit {template} : MJML invalide ({exc})", "corrigez le gabarit"
            ) from None
        leftover = _LEFTOVER.search(compiled)
        if leftover:
            raise RenderError(
                f"gabarit {template} : balise MJML inconnue {leftover.group()}>",
                "voir la liste des composants MJML (https://documentation.mjml.io)",
            )
        inlined = _prune_classes(self._inliner.inline(compiled))
        # Layout tables must not be read out as data tables by screen readers.
        return _TABLE_WITHOUT_ROLE.sub('<table role="presentation"', inlined)


def _prune_classes(html: str) -> str:
    """Drop the classes no remaining style block uses: once inlined they are dead weight.

    The ``@media`` rules kept after inlining and the Outlook-only styles (in conditional
    comments) still need theirs.
    """
    used = {name for block in _STYLE_BLOCK.findall(html) for name in _CLASS_NAME.findall(block)}

    def keep(found: re.Match[str]) -> str:
        kept = " ".join(name for name in found.group(1).split() if name in used)
        return f' class="{kept}"' if kept else ""

    return _CLASS_ATTRIBUTE.sub(keep, html)
