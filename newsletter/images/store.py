"""Images in the database: added once, linked to items, read back to be served."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Session

from newsletter.errors import InputError, NotFoundError
from newsletter.images.models import Image, ItemImage

if TYPE_CHECKING:  # the image library loads only where images are prepared
    from newsletter.images.process import Prepared

IMAGES_PATH = "/images"
MAX_ALT = 300
ALT_HINT = "décrivez l’image en quelques mots pour qui ne la voit pas (texte de remplacement)"


def image_url(public_url: str, image: Image, scale: int) -> str:
    """The address an image is served at; its digest in the name makes it cacheable
    forever (a new image is a new address)."""
    extension = "png" if image.media_type == "image/png" else "jpg"
    return f"{public_url}{IMAGES_PATH}/{image.id}-{image.digest[:16]}-{scale}x.{extension}"


def feed_alt(alt: str) -> str:
    """A feed's alternative text, tidied; "" when it gave none (an editor will write it)."""
    return " ".join(alt.split())[:MAX_ALT]


def checked_alt(alt: str) -> str:
    """Alternative text is required: an image without one says nothing to a screen reader."""
    alt = " ".join(alt.split())
    if not alt:
        raise InputError("texte de remplacement manquant", ALT_HINT)
    if len(alt) > MAX_ALT:
        raise InputError(f"texte de remplacement trop long (plus de {MAX_ALT} caractères)",
                         "une phrase courte suffit")  # fmt: skip
    return alt


class ImageStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, prepared: Prepared, alt: str, purpose: str, origin: str = "",
            author: str = "") -> Image:  # fmt: skip
        """A new image; its alternative text is required, except from a feed that gave none
        (the image is then not shown until an editor writes it)."""
        alt = feed_alt(alt) if origin and purpose == "item" else checked_alt(alt)
        image = Image(
            digest=prepared.digest, media_type=prepared.media_type,
            width=prepared.one.width, height=prepared.one.height, data=prepared.one.data,
            width2x=prepared.two.width, height2x=prepared.two.height, data2x=prepared.two.data,
            alt=alt, purpose=purpose, origin=origin, added_by=author,
        )  # fmt: skip
        self.session.add(image)
        self.session.flush()
        return image

    def get(self, image_id: int) -> Image:
        image = self.session.get(Image, image_id) if 0 < image_id < 2**31 else None
        if image is None:
            raise NotFoundError(f"image {image_id} introuvable", "voir les éléments")
        return image

    def served(self, image_id: int, digest: str) -> Image | None:
        """The image a public address names, if its digest matches (no guessing by id)."""
        image = self.session.get(Image, image_id) if 0 < image_id < 2**31 else None
        return image if image is not None and image.digest.startswith(digest) else None

    def by_origins(self, urls: Collection[str], purpose: str) -> dict[str, Image]:
        """The images already downloaded from these addresses (the latest of each), in one
        query: each address is fetched once."""
        query = (sa.select(Image).where(Image.origin.in_(urls), Image.purpose == purpose)
                 .order_by(Image.id))  # fmt: skip
        return {image.origin: image for image in self.session.scalars(query)}

    def logo(self) -> Image | None:
        """The latest logo an editor uploaded, else the one downloaded from the settings."""
        uploaded = sa.case((Image.origin == "", 0), else_=1)
        return self.session.scalar(
            sa.select(Image).where(Image.purpose == "logo")
            .order_by(uploaded, Image.id.desc()).limit(1)
        )  # fmt: skip

    def of_items(self, item_ids: Iterable[int]) -> dict[int, Image]:
        ids = list(set(item_ids))
        if not ids:
            return {}
        rows = self.session.execute(
            sa.select(ItemImage.item_id, Image).join(Image, Image.id == ItemImage.image_id)
            .where(ItemImage.item_id.in_(ids))
        ).all()  # fmt: skip
        return {item_id: image for item_id, image in rows}

    def show_with(self, item_id: int, image: Image | None) -> None:
        """``image`` becomes the item's image (None: the item has none). An editor's choice
        is final: the feed's image is not asked for again."""
        link = self.session.get(ItemImage, item_id)
        if link is None:
            link = ItemImage(item_id=item_id, origin="", alt="", failure="")
            self.session.add(link)
        link.image_id = image.id if image is not None else None
        link.failure = "" if image is not None else "retirée par la rédaction"
        self.session.flush()

    def want(self, item_id: int, url: str, alt: str) -> None:
        """The image a feed names for an item, to download later — unless the item already
        has one, or an editor chose (or removed) it."""
        if self.session.get(ItemImage, item_id) is None:
            self.session.add(ItemImage(item_id=item_id, image_id=None, origin=url,
                                       alt=feed_alt(alt), failure=""))  # fmt: skip

    def fulfil(self, item_id: int, image: Image) -> None:
        link = self.session.get(ItemImage, item_id)
        if link is not None:
            link.image_id, link.failure = image.id, ""

    def failed(self, item_id: int, reason: str) -> None:
        """A download that failed is not tried again (an editor may upload the image)."""
        link = self.session.get(ItemImage, item_id)
        if link is not None:
            link.failure = reason[:500]

    def pending(self, limit: int) -> list[ItemImage]:
        """Images named by feeds and not downloaded yet (nor failed)."""
        return list(self.session.scalars(
            sa.select(ItemImage).where(ItemImage.image_id.is_(None), ItemImage.failure == "")
            .order_by(ItemImage.item_id).limit(limit)
        ))  # fmt: skip

    def describe(self, image: Image, alt: str) -> None:
        image.alt = checked_alt(alt)
        self.session.flush()
