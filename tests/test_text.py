"""Numbers shown to editors and written to their spreadsheets have a decimal comma, rounded
to the places asked (one rule for bounce scores, statistics exports and file sizes)."""

from __future__ import annotations

import pytest

from newsletter.text import decimal


@pytest.mark.parametrize(
    ("value", "places", "written"),
    [
        (1.0, 2, "1,00"),
        (0.0, 2, "0,00"),
        (2.916, 2, "2,92"),
        (66.66, 1, "66,7"),
        (10.5, 1, "10,5"),
        (12_345.6, 1, "12345,6"),
    ],
)
def test_decimal_comma(value: float, places: int, written: str) -> None:
    assert decimal(value, places) == written
