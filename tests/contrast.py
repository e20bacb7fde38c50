"""WCAG 2.x contrast: relative luminance of CSS colours and the ratio of two of them."""

from __future__ import annotations

import re

_RGB = re.compile(r"rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)")
AA_TEXT = 4.5
AA_LARGE = 3.0


def parse(css: str) -> tuple[float, float, float, float]:
    """``rgb(r, g, b)`` or ``rgba(r, g, b, a)`` as browsers compute them."""
    found = _RGB.fullmatch(css.strip())
    if found is None:
        raise ValueError(f"not a computed colour: {css!r}")
    red, green, blue, alpha = found.groups()
    return float(red), float(green), float(blue), float(alpha) if alpha is not None else 1.0


def luminance(red: float, green: float, blue: float) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def ratio(foreground: str, background: str) -> float:
    """Contrast ratio of a text colour on an opaque background (1 to 21)."""
    lighter, darker = sorted(
        (luminance(*parse(foreground)[:3]), luminance(*parse(background)[:3])), reverse=True
    )
    return (lighter + 0.05) / (darker + 0.05)


def is_large(size_px: float, weight: int) -> bool:
    """WCAG's large text: 18 pt (24 px), or 14 pt (18.66 px) bold."""
    return size_px >= 24 or (size_px >= 18.66 and weight >= 700)
