"""Editions as readers see them: each item's image and the logo, served from the centre's
own address (``organisation.public_url``). Kept apart from the editors' image actions
(services/illustrating.py: uploads, downloads, re-encoding) so that rendering a send does
not load the fetcher and the image library."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from newsletter.images.models import Image
from newsletter.images.store import ImageStore, image_url
from newsletter.rendering.context import EditionView, ImageView


def image_view(image: Image, public_url: str) -> ImageView:
    return ImageView(src=image_url(public_url, image, 1), src2x=image_url(public_url, image, 2),
                     width=image.width, height=image.height, alt=image.alt)  # fmt: skip


def illustrated(view: EditionView, session: Session, public_url: str) -> EditionView:
    """The view with its items' images and the logo, as the centre serves them."""
    store = ImageStore(session)
    found = {item_id: image for item_id, image in
             store.of_items(item.id for section in view.sections for item in section.items).items()
             if image.alt}  # fmt: skip  # an image without its text waits for an editor
    sections = tuple(
        replace(section, items=tuple(
            replace(item, image=image_view(found[item.id], public_url)) if item.id in found
            else item for item in section.items))
        for section in view.sections
    )  # fmt: skip
    logo = store.logo()
    organisation = replace(view.organisation,
                           logo=image_view(logo, public_url) if logo else None)  # fmt: skip
    return replace(view, sections=sections, organisation=organisation)
