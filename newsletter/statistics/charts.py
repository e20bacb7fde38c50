"""Charts as accessible SVG, rendered on the server by pygal: no JavaScript, no inline
style (the pages' Content-Security-Policy allows neither; ``static/charts.css`` colours
them), a title and a description the SVG is named by, and the same figures as a table.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from html import escape

import pygal
from markupsafe import Markup

from newsletter.statistics.tables import Table, Value

# What pygal adds that a page with a strict CSP refuses, or that nobody reads.
_DROPPED = re.compile(r"<script.*?</script>|<defs>.*?</defs>|<!--.*?-->|<title>Pygal</title>", re.S)
_STYLE_ATTRIBUTE = re.compile(r' style="[^"]*"')
_ROOT = re.compile(r'<svg xmlns="http://www.w3.org/2000/svg" id="[^"]*" class="pygal-chart"')
WIDTH, HEIGHT, MIN_HEIGHT = 600, 320, 160
# The sizes statistics.css gives the labels: pygal lays the chart out (margins for the
# labels) from its style's sizes, so they must be the same or long labels are cut.
TEXT = pygal.style.Style(label_font_size=13, major_label_font_size=13, legend_font_size=13)
CACHED = 256  # charts kept drawn (~20 KB each)
MAX_LABEL = 28  # characters of a bar's label shown in the SVG (the table has them whole)


@dataclass(frozen=True)
class Chart:
    """A table and its picture."""

    table: Table
    svg: Markup


def _accessible(svg: str, chart_id: str, title: str, description: str) -> Markup:
    svg = _STYLE_ATTRIBUTE.sub("", _DROPPED.sub("", svg))
    named = (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{chart_id}" class="pygal-chart" '
        f'role="img" aria-labelledby="{chart_id}-titre {chart_id}-description" '
        f'focusable="false"><title id="{chart_id}-titre">{escape(title)}</title>'
        f'<desc id="{chart_id}-description">{escape(description)}</desc>'
    )
    svg = _ROOT.sub(lambda _: named[: named.index(">")], svg, count=1)
    svg = svg.replace(">", ">" + named[named.index(">") + 1 :], 1)
    return Markup(svg)  # pygal escapes every label it writes


def _number(value: float) -> str:
    """French digits: 12 345 (narrow no-break space), 12,5."""
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return text.replace(",", "\u202f").replace(".", ",")


@functools.lru_cache(maxsize=CACHED)
def draw(table: Table) -> Chart:
    """Bars (grouped, vertical or horizontal) of the table's drawn columns. The same
    figures make the same picture: drawn once, then kept (pygal takes ~5 ms a chart)."""
    # pygal draws a horizontal chart's first bar at the bottom: reversed, it reads from the
    # top in the table's order.
    rows = table.rows[::-1] if table.horizontal else table.rows
    labels = [_short(label) for label, _ in rows]
    series = {
        table.columns[index]: [_numeric(values[index]) for _, values in rows]
        for index in table.drawn
    }
    kind = pygal.StackedBar if table.stacked else pygal.Bar
    if table.horizontal:
        kind = pygal.HorizontalStackedBar if table.stacked else pygal.HorizontalBar
    height = max(MIN_HEIGHT, 70 + 34 * len(labels)) if table.horizontal else HEIGHT
    chart = kind(
        width=WIDTH, height=height, explicit_size=False, disable_xml_declaration=True,
        no_prefix=True, js=[], css=[], title=None, show_legend=len(series) > 1,
        legend_at_bottom=True, print_values=False,
        x_label_rotation=0 if table.horizontal or len(labels) <= 6 else 30,
        no_data_text="Aucune donnée", value_formatter=_number, margin=16, style=TEXT,
    )  # fmt: skip
    chart.x_labels = labels
    totals = [sum(bar) for bar in zip(*series.values(), strict=True)] if table.stacked else []
    chart.y_labels = _scale(max(totals or [v for values in series.values() for v in values],
                                default=0))  # fmt: skip
    for name, values in series.items():
        chart.add(name, values)
    svg = _accessible(chart.render(is_unicode=True), f"graphique-{table.id}", table.title,
                      table.description)  # fmt: skip
    return Chart(table, svg)


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def _scale(top: float) -> list[float]:
    """Round steps from 0 past ``top`` (no 0,2 of a person), about five of them."""
    step = 1.0
    while top / step > 5:
        step *= 2.5 if str(int(step)).startswith("2") else 2
    return [index * step for index in range(max(1, math.ceil(top / step)) + 1)]


def _numeric(value: Value) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
