"""The rendering pipeline: Jinja2 → MJML → HTML → inlined CSS, and the text part.

``Renderer(templates, settings).render(view, variant)`` is pure: templates are read and
compiled on first use, then every call only computes. The result carries markers where the
personal values go; :meth:`Rendered.personalise` fills them in for one recipient. It is HTML
and text: what SMTP needs of them (line lengths, leading dots) is dispatch's concern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, TemplateError
from markupsafe import Markup

from newsletter.errors import RenderError
from newsletter.rendering import dates
from newsletter.rendering.compiled import CompiledTemplates
from newsletter.rendering.context import ALL_THEMES, EditionView, Variant
from newsletter.rendering.mjml import Compiler
from newsletter.rendering.personalise import (
    Fillable,
    PersonalValues,
    defuse,
    html_values,
    text_values,
)
from newsletter.rendering.text import wrap
from newsletter.settings import RenderingSettings

# Templates mark where each rubrique starts (``<!--section:KEY-->``) and where the last one
# ends (``<!--section:end-->``); the marks measure the rubriques and are then removed.
_SECTION_MARK = re.compile(r"<!--section:([a-z0-9_-]+)-->")
KILOBYTE = 1000
# After the hidden preheader: invisible characters that keep inbox lists from filling the
# snippet with the message's first visible line (the sentence would be shown twice).
# Spaced out so that the wire's line folding can break it (dispatch.lines).
PREHEADER_PADDING = Markup("&#847;&zwnj;&nbsp; " * 60)


@dataclass(frozen=True)
class Rendered:
    """One edition rendered for one variant, ready to be personalised per recipient."""

    subject: str
    preheader: str
    html: str  # with markers in place of personal values
    text: str
    size: int  # bytes of HTML
    max_size: int
    section_sizes: tuple[tuple[str, int], ...]  # (rubrique key, bytes), in order
    html_parts: Fillable
    text_parts: Fillable

    def personalise(self, values: PersonalValues) -> tuple[str, str]:
        """``(html, text)`` for one recipient: values escaped for HTML, as is for text."""
        return self.html_parts.fill(html_values(values)), self.text_parts.fill(text_values(values))

    @property
    def largest_section(self) -> tuple[str, int] | None:
        return max(self.section_sizes, key=lambda pair: pair[1], default=None)

    @property
    def warnings(self) -> tuple[str, ...]:
        """In French, for editors: what to fix before sending."""
        if self.size <= self.max_size:
            return ()
        message = (
            f"HTML de {self.size // KILOBYTE} Ko, au-delà de {self.max_size // KILOBYTE} Ko : "
            "Gmail coupe les messages vers 102 Ko"
        )
        largest = self.largest_section
        if largest:
            message += f" ; rubrique la plus lourde : {largest[0]} ({largest[1] // KILOBYTE} Ko)"
        return (message,)


def _finalize(value: Any) -> Any:
    """Every ``{{ }}`` of plain text is defused: content can never forge a marker."""
    return defuse(value) if type(value) is str else value


# By autoescape, the one option in which the two environments differ.
_COMPILED = {True: CompiledTemplates(), False: CompiledTemplates()}


def _environment(templates: Path, autoescape: bool) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates),
        bytecode_cache=_COMPILED[autoescape],
        autoescape=autoescape,
        undefined=StrictUndefined,
        finalize=_finalize,
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        long_date=dates.long_date,
        short_date=dates.short_date,
        when=lambda item: item.hours,
        weekday=lambda day: dates.short_date(day).split(" ")[0],
        day=lambda day: "1er" if day.day == 1 else str(day.day),
        month=dates.month_name,
    )
    return env


class Renderer:
    """Renders editions with the templates of one folder; build it once, reuse it."""

    def __init__(self, templates: Path, settings: RenderingSettings) -> None:
        self.templates = templates
        self.settings = settings
        self._html_env = _environment(templates, autoescape=True)
        self._text_env = _environment(templates, autoescape=False)
        self._compiled: dict[tuple[str, str], Template] = {}
        self._compiler = Compiler()

    def render(
        self, view: EditionView, variant: Variant = ALL_THEMES, clicks_counted: bool = False
    ) -> Rendered:
        """``clicks_counted``: the view's links go through the click counter (the footer
        says so)."""
        shown = view.for_variant(variant)
        context = {
            "edition": shown,
            "sections": shown.sections,
            "org": shown.organisation,
            "personal": PersonalValues.markers(),
            "preheader_padding": PREHEADER_PADDING,
            "clicks_counted": clicks_counted,
        }
        mjml = self._fill(view.template, "mjml", context)
        html, sizes = _measure(self._compiler(mjml, view.template))
        text = wrap(self._fill(view.template, "txt", context), self.settings.text_width)
        return Rendered(
            subject=shown.subject,
            preheader=shown.preheader,
            html=html,
            text=text,
            size=len(html.encode()),
            max_size=self.settings.max_html_bytes,
            section_sizes=sizes,
            html_parts=Fillable(html),
            text_parts=Fillable(text),
        )

    def _fill(self, name: str, kind: str, context: dict[str, Any]) -> str:
        filename = f"{name}.{kind}.j2"
        try:
            template = self._compiled.get((name, kind))
            if template is None:
                env = self._html_env if kind == "mjml" else self._text_env
                template = self._compiled[name, kind] = env.get_template(filename)
            return template.render(context)
        except TemplateError as exc:
            raise RenderError(
                f"gabarit {filename} : {exc}",
                f"vérifiez les gabarits du dossier {self.templates}",
            ) from None


def _measure(html: str) -> tuple[str, tuple[tuple[str, int], ...]]:
    """Sizes of the rubriques between their marks, and the HTML without the marks."""
    marks = list(_SECTION_MARK.finditer(html))
    sizes = tuple(
        (mark.group(1), len(html[mark.end() : following.start()].encode()))
        for mark, following in pairwise(marks)
    )
    return _SECTION_MARK.sub("", html), sizes
