"""Images are checked and re-encoded with Pillow before anyone sees them (real files:
PNG, JPEG, WebP, GIF, an enormous one, a corrupt one, an SVG)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from newsletter.errors import InputError
from newsletter.images.process import WIDTHS, prepare
from tests.images import SVG, bomb_png, photo, transparent_logo, with_exif

ITEM = WIDTHS["item"]


@pytest.mark.parametrize("kind", ["PNG", "JPEG", "WEBP", "GIF"])
def test_each_format_is_reencoded_at_1x_and_2x(kind: str) -> None:
    """A readable picture comes out at the template's width and twice it, re-encoded."""
    prepared = prepare(photo(1600, 900, kind), ITEM)
    for encoded, width in ((prepared.one, ITEM), (prepared.two, 2 * ITEM)):
        opened = Image.open(io.BytesIO(encoded.data))
        assert opened.format == "JPEG" and opened.size == (width, round(900 * width / 1600))
        assert (encoded.width, encoded.height) == opened.size
    assert prepared.media_type == "image/jpeg" and len(prepared.digest) == 64


def test_small_pictures_are_never_enlarged() -> None:
    """A picture narrower than the slot keeps its own width at 1× and 2×."""
    prepared = prepare(photo(300, 200, "PNG"), ITEM)
    assert (prepared.one.width, prepared.two.width) == (300, 300)


def test_exif_is_applied_then_stripped() -> None:
    """The EXIF orientation turns the picture upright; no EXIF (camera, GPS) is kept."""
    prepared = prepare(with_exif(1200, 800), ITEM)
    opened = Image.open(io.BytesIO(prepared.two.data))
    assert opened.size == (800, 1200)  # turned: portrait
    assert dict(opened.getexif()) == {} and "exif" not in opened.info
    assert b"Appareil de Claire" not in prepared.one.data + prepared.two.data


def test_transparency_is_kept_as_png() -> None:
    """A logo with a transparent background stays transparent (PNG)."""
    prepared = prepare(transparent_logo(), WIDTHS["logo"])
    opened = Image.open(io.BytesIO(prepared.one.data))
    assert prepared.media_type == "image/png" and opened.mode == "RGBA"
    assert opened.size == (WIDTHS["logo"], 60)


def test_huge_pictures_are_cut_down_and_bombs_refused() -> None:
    """A big photo is resized; a file announcing billions of pixels is refused before its
    pixels are decoded."""
    big = photo(6000, 4000, "JPEG", quality=70)
    prepared = prepare(big, ITEM)
    assert prepared.two.width == 2 * ITEM and len(prepared.two.data) < len(big) / 10
    with pytest.raises(InputError, match="image trop grande"):
        prepare(bomb_png(), ITEM)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (SVG, "SVG ne sont pas acceptées"),
        (b"  <svg xmlns='http://www.w3.org/2000/svg'/>", "SVG ne sont pas acceptées"),
        (photo(800, 600, "JPEG")[:2000], "illisible"),
        (b"GIF89a" + b"\0" * 20, "pas une image lisible"),
        (b"%PDF-1.7 not an image", "pas une image lisible"),
        (b"", "fichier vide"),
    ],
)
def test_what_is_not_a_picture_is_refused(data: bytes, message: str) -> None:
    """SVG, corrupt and truncated files, other documents: one French line each."""
    with pytest.raises(InputError, match=message):
        prepare(data, ITEM)
