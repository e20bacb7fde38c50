"""Untrusted image files made safe to serve: checked, re-encoded with Pillow, resized.

Only PNG, JPEG, WebP and GIF (its first frame) are read; SVG (a document that can carry
scripts and external requests) and everything else are refused with one French line. The
picture is decoded only after its dimensions were checked (no decompression bomb), turned
upright from its EXIF orientation, then re-encoded from its pixels alone: EXIF (GPS
position, camera), ICC profiles and comments never reach a reader. Each image is made at
the width the template shows it (1×) and twice that width (2×, high-density screens),
never wider than the original.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from newsletter.errors import InputError

READABLE = ("PNG", "JPEG", "WEBP", "GIF")
MAX_PIXELS = 40_000_000  # a 8000 × 5000 photo; beyond, the file is refused before decoding
MAX_SIDE = 12_000
JPEG_QUALITY = 82
WIDTHS = {"item": 528, "logo": 180}  # CSS pixels in the email templates' 600 px column
HINT = "déposez une image PNG, JPEG ou WebP"


@dataclass(frozen=True)
class Encoded:
    """One size of an image, ready to serve."""

    data: bytes
    width: int
    height: int


@dataclass(frozen=True)
class Prepared:
    """An image re-encoded at 1× and 2× its display width."""

    digest: str  # SHA-256 of the 2× file: names the files, so a new image is a new address
    media_type: str  # image/jpeg or image/png
    one: Encoded
    two: Encoded


def is_svg(data: bytes) -> bool:
    head = data[:1024].lstrip().lower()
    return head.startswith((b"<svg", b"<?xml", b"<!doctype svg")) or b"<svg" in head


def prepare(data: bytes, width: int) -> Prepared:
    """The image in ``data`` for a slot ``width`` CSS pixels wide; ``InputError`` if it is
    not a readable picture."""
    if not data:
        raise InputError("fichier vide", HINT)
    if is_svg(data):
        raise InputError("les images SVG ne sont pas acceptées (elles peuvent contenir du "
                         "code)", "exportez-la en PNG et déposez le PNG")  # fmt: skip
    picture = _open(data)
    if picture.format == "GIF":
        picture.seek(0)
    try:
        turned = ImageOps.exif_transpose(picture)
        upright = turned.convert("RGBA" if _alpha(turned) else "RGB")
    except (OSError, ValueError, Image.DecompressionBombError):
        raise InputError("image illisible ou incomplète", HINT) from None
    png = upright.mode == "RGBA"
    one = _encode(upright, min(width, upright.width), png)
    two = _encode(upright, min(2 * width, upright.width), png)
    return Prepared(hashlib.sha256(two.data).hexdigest(), "image/png" if png else "image/jpeg",
                    one, two)  # fmt: skip


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            picture = Image.open(io.BytesIO(data), formats=READABLE)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise InputError("image trop grande (des milliards de pixels annoncés)",
                             "réduisez-la avant de la déposer") from None  # fmt: skip
        except (UnidentifiedImageError, OSError, ValueError):
            raise InputError("ce fichier n’est pas une image lisible (PNG, JPEG, WebP ou GIF)",
                             HINT) from None  # fmt: skip
    columns, rows = picture.size
    if columns * rows > MAX_PIXELS or max(columns, rows) > MAX_SIDE:
        limit = f"réduisez-la sous {MAX_PIXELS // 1_000_000} millions de pixels"
        raise InputError(f"image trop grande ({columns} × {rows} pixels)", limit)
    if columns < 1 or rows < 1:
        raise InputError("image vide", HINT)
    try:
        picture.load()
    except (OSError, ValueError, Image.DecompressionBombError):
        raise InputError("image illisible ou incomplète", HINT) from None
    return picture


def _alpha(picture: Image.Image) -> bool:
    """Transparency worth keeping (a logo on a coloured band): RGBA, LA, or a palette's."""
    if picture.mode in ("RGBA", "LA"):
        lowest, _ = picture.getchannel("A").getextrema()
        return isinstance(lowest, int | float) and lowest < 255
    return picture.mode == "P" and "transparency" in picture.info


def _encode(picture: Image.Image, width: int, png: bool) -> Encoded:
    height = max(1, round(picture.height * width / picture.width))
    sized = (
        picture
        if width == picture.width
        else picture.resize((width, height), Image.Resampling.LANCZOS)
    )
    # Only the pixels: no metadata of the original (EXIF, ICC, text chunks) can follow them.
    sized = Image.frombytes(sized.mode, sized.size, sized.tobytes())
    out = io.BytesIO()
    if png:
        sized.save(out, "PNG", optimize=True)
    else:
        sized.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return Encoded(out.getvalue(), width, height)
