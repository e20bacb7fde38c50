"""Images are checked and re-encoded with Pillow before anyone sees them (real files:
PNG, JPEG, WebP, GIF, an enormous one, a corrupt one, an SVG), and reach emails as links."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from newsletter.accounts.store import AccountStore
from newsletter.app import App
from newsletter.errors import InputError, PermissionDenied
from newsletter.images.process import WIDTHS, prepare
from newsletter.rendering.context import EditionView
from newsletter.rendering.renderer import Renderer
from newsletter.services.publishing import Publishing
from newsletter.settings import load_settings
from tests.edition_samples import sample_edition, sample_view
from tests.images import SVG, bomb_png, illustrated, photo, transparent_logo, with_exif

ROOT = Path(__file__).resolve().parent.parent
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


def message_of(view: EditionView, folder: Path) -> tuple[str, bytes]:
    """The view's HTML and the whole message a subscriber gets."""
    settings = load_settings(ROOT / "config.toml", environ={})
    renderer = Renderer(ROOT / "templates" / "email", settings.rendering)
    rendered = renderer.render(view)
    written = Publishing(settings, renderer).write_rendered(sample_edition(), rendered, folder)
    return rendered.html, written.preview.read_bytes()


def test_lettre_with_images_stays_under_gmail_clipping(tmp_path: Path) -> None:
    """Images are links to the centre's address, never attachments nor inline data: the
    whole message of the Lettre (every rubrique) with an image on each item stays under
    Gmail's 102 KB clip, and so does the HTML of the heaviest issue the settings allow
    (every rubrique at its limit, 38 items): Gmail measures the HTML."""
    settings = load_settings(ROOT / "config.toml", environ={})
    html, message = message_of(illustrated(sample_view(settings)), tmp_path / "sample")
    assert html.count("<img") >= 6 and "data:image" not in html and "cid:" not in html
    assert b"attachment" not in message and b"Content-ID" not in message
    assert len(message) < 102_000
    print(f"Lettre with images: message {len(message)} B")
    limits = {section.key: section.limit for section in settings.newsletter("lettre").sections}
    heaviest = illustrated(sample_view(settings), limits)
    assert sum(len(section.items) for section in heaviest.sections) >= 35
    html, message = message_of(heaviest, tmp_path / "heaviest")
    assert html.count("<img") >= 20 and len(html.encode()) < 102_000
    print(f"heaviest Lettre with images: HTML {len(html.encode())} B, message {len(message)} B")


def test_only_the_editorial_team_changes_the_logo(app: App) -> None:
    """The logo serves every newsletter: a network coordinator is refused, in French, and
    nothing is stored; an editor sets it."""
    with app.database.session() as session:
        store = AccountStore(session)
        for email, role, letters in (("coord@exemple.fr", "coordinator", ("reaap",)),
                                     ("redaction@exemple.fr", "editor", ())):  # fmt: skip
            store.add(email, role, "Trois chats mangent des bretzels", "", letters,
                      known=app.settings.newsletters)  # fmt: skip
        coordinator = app.actor(store.by_email("coord@exemple.fr"))
        editor = app.actor(store.by_email("redaction@exemple.fr"))
    logo = transparent_logo()
    with pytest.raises(PermissionDenied, match="le logo est choisi par la rédaction"):
        app.illustrations.set_logo(coordinator, logo, "Profession Banlieue")
    assert app.illustrations.logo() is None
    app.illustrations.set_logo(editor, logo, "Profession Banlieue")
    assert app.illustrations.logo() is not None
