"""Real image files for the image tests, made with Pillow (and a few made by hand)."""

from __future__ import annotations

import io
import os
import struct
import zlib
from dataclasses import replace

from PIL import Image, ImageDraw

from newsletter.images.process import WIDTHS
from newsletter.rendering.context import EditionView, ImageView

SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" onload="alert(1)">
<image href="https://tiers.exemple.fr/pixel.png" width="10" height="10"/>
<script>alert("x")</script><rect width="200" height="100" fill="red"/></svg>"""


def photo(width: int, height: int, kind: str = "JPEG", **options: object) -> bytes:
    """A picture with shapes (not a flat colour: the encoders have work to do)."""
    picture = Image.new("RGB", (width, height), (32, 80, 140))
    draw = ImageDraw.Draw(picture)
    for step in range(0, width, max(1, width // 12)):
        draw.ellipse((step, step % height, step + width // 5, (step % height) + height // 3),
                     fill=(step % 255, 120, 255 - step % 255))  # fmt: skip
    out = io.BytesIO()
    picture.save(out, kind, **options)
    return out.getvalue()


def noise(width: int, height: int) -> bytes:
    """A PNG of random pixels: about 3 bytes a pixel, whatever the compression."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "PNG")
    return out.getvalue()


def with_exif(width: int, height: int) -> bytes:
    """A JPEG photo with a camera, a GPS position and "rotate 90°" in its EXIF."""
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    exif[0x010F] = "Appareil de Claire"
    exif[0x8825] = {1: "N", 2: (48.0, 56.0, 10.0)}  # GPS latitude
    return photo(width, height, "JPEG", exif=exif.tobytes())


def transparent_logo() -> bytes:
    picture = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(picture).rectangle((20, 20, 580, 180), fill=(20, 48, 77, 255))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def bomb_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny PNG announcing an enormous picture (2.5 billion pixels): a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def illustrated(view: EditionView, limits: dict[str, int] | None = None) -> EditionView:
    """The view with an image on every item that is not a rendez-vous and a logo; with
    ``limits``, each rubrique filled to its limit (the heaviest issue the settings allow)."""
    pool = [item for section in view.sections for item in section.items]
    home = "https://lettre.professionbanlieue.org/images"
    sections = []
    for section in view.sections:
        items = []
        count = (limits[section.key] if section.items else 0) if limits else len(section.items)
        for number in range(count):
            base = pool[number % len(pool)] if limits else section.items[number]
            item = replace(base, id=1000 + len(sections) * 100 + number)
            name = f"{home}/{item.id}-{item.id:016x}"
            image = ImageView(f"{name}-1x.jpg", f"{name}-2x.jpg", WIDTHS["item"], 297,
                              f"Illustration de « {item.title} »")  # fmt: skip
            items.append(item if item.is_event else replace(item, image=image))
        sections.append(replace(section, items=tuple(items)))
    logo = ImageView(f"{home}/1-{'0' * 16}-1x.png", f"{home}/1-{'0' * 16}-2x.png", 180, 60,
                     "Profession Banlieue")  # fmt: skip
    return replace(view, sections=tuple(sections),
                   organisation=replace(view.organisation, logo=logo))  # fmt: skip
