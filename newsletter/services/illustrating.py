"""Images of editions: editors' uploads on items, the logo, and images named by feeds or
the settings, downloaded once through the fetcher's limits. Every image is checked and
re-encoded (images.process), stored, and shown from the centre's own address
(``organisation.public_url``): a reader opening an email makes no request to a third party.
"""

from __future__ import annotations

import asyncio

import httpx

from newsletter.accounts.permissions import Actor, check_logo
from newsletter.audit.store import AuditStore
from newsletter.db import Database
from newsletter.errors import InputError, PermissionDenied, SourceError
from newsletter.images.models import Image
from newsletter.images.process import WIDTHS, prepare
from newsletter.images.store import ImageStore, checked_alt
from newsletter.rendering.context import ImageView
from newsletter.services.illustrated import image_view
from newsletter.services.items import Items
from newsletter.settings import FetchSettings, Settings
from newsletter.sources.http import Validators, fetch, make_client


def download(urls: list[str], settings: FetchSettings) -> dict[str, bytes | str]:
    """Images fetched with the sources' client (timeouts, size cap, bounded redirects,
    ``fetch.concurrency`` at a time): each address's bytes, or why it failed (French)."""

    async def one(client: httpx.AsyncClient, url: str) -> bytes | str:
        try:
            fetched = await fetch(client, url, Validators(), settings)
        except SourceError as exc:
            return exc.message
        return fetched.body or "réponse vide"

    async def every() -> list[bytes | str]:
        async with make_client(settings) as client:
            return await asyncio.gather(*(one(client, url) for url in urls))

    return dict(zip(urls, asyncio.run(every()), strict=True)) if urls else {}


class Illustrations:
    def __init__(self, settings: Settings, database: Database, items: Items) -> None:
        self.settings = settings
        self.database = database
        self.items = items

    def set_item_image(self, actor: Actor, item_id: int, data: bytes, alt: str) -> Image:
        """An editor's upload becomes the item's image (the previous one is replaced)."""
        self._check_item(actor, item_id)
        alt = checked_alt(alt)  # before the (slower) decoding: the editor fixes one thing
        prepared = prepare(data, WIDTHS["item"])
        with self.database.session() as session:
            store = ImageStore(session)
            image = store.add(prepared, alt, "item", author=actor.label)
            store.show_with(item_id, image)
            AuditStore(session).record(actor.label, "item_image", user_id=actor.user_id,
                                       item_id=item_id, detail="image déposée")  # fmt: skip
            return image

    def describe_item_image(self, actor: Actor, item_id: int, alt: str) -> None:
        self._check_item(actor, item_id)
        with self.database.session() as session:
            store = ImageStore(session)
            image = store.of_items([item_id]).get(item_id)
            if image is None:
                raise InputError("cet élément n’a pas d’image", "déposez d’abord une image")
            store.describe(image, alt)
            AuditStore(session).record(actor.label, "item_image", user_id=actor.user_id,
                                       item_id=item_id, detail="texte de remplacement")  # fmt: skip

    def remove_item_image(self, actor: Actor, item_id: int) -> None:
        self._check_item(actor, item_id)
        with self.database.session() as session:
            ImageStore(session).show_with(item_id, None)
            AuditStore(session).record(actor.label, "item_image", user_id=actor.user_id,
                                       item_id=item_id, detail="image retirée")  # fmt: skip

    def image_of(self, item_id: int) -> ImageView | None:
        with self.database.session() as session:
            image = ImageStore(session).of_items([item_id]).get(item_id)
            return image_view(image, self.settings.organisation.public_url) if image else None

    def set_logo(self, actor: Actor, data: bytes, alt: str) -> Image:
        """The masthead's logo, for every newsletter (editors and administrators)."""
        check_logo(actor)
        alt = checked_alt(alt)
        prepared = prepare(data, WIDTHS["logo"])
        with self.database.session() as session:
            image = ImageStore(session).add(prepared, alt, "logo", author=actor.label)
            AuditStore(session).record(actor.label, "logo", user_id=actor.user_id,
                                       detail="logo déposé")  # fmt: skip
            return image

    def logo(self) -> ImageView | None:
        with self.database.session() as session:
            image = ImageStore(session).logo()
            return image_view(image, self.settings.organisation.public_url) if image else None

    def after_gathering(self, limit: int = 200) -> str:
        """Download what the settings and the feeds name: the logo of
        ``organisation.logo_url`` and the items' pictures, each address once; a French line
        saying what happened ("" when there was nothing to do)."""
        logo_url = self.settings.organisation.logo_url
        with self.database.session() as session:
            store = ImageStore(session)
            want_logo = bool(logo_url) and not store.by_origins([logo_url], "logo")
            pending = [(row.item_id, row.origin, row.alt) for row in store.pending(limit)]
            urls = {url for _, url, _ in pending}
            known = store.by_origins(urls, "item")
            to_fetch = sorted(urls - known.keys())
        fetched = download(([logo_url] if want_logo else []) + to_fetch, self.settings.fetch)
        lines = []
        if want_logo:
            lines.append(self._store_logo(logo_url, fetched[logo_url]))
        done, failed = 0, 0
        with self.database.session() as session:
            store = ImageStore(session)
            made: dict[str, Image] = {}
            for item_id, url, alt in pending:
                try:
                    image = known.get(url) or made.get(url) or self._store_item_image(
                        store, url, alt, fetched[url])  # fmt: skip
                except InputError as exc:
                    store.failed(item_id, str(exc))
                    failed += 1
                    continue
                made[url] = image
                store.fulfil(item_id, image)
                done += 1
        if done or failed:
            lines.append(f"{done} image(s) d’élément enregistrée(s), {failed} en échec")
        return " ; ".join(lines)

    def _store_item_image(self, store: ImageStore, url: str, alt: str,
                          body: bytes | str) -> Image:  # fmt: skip
        if isinstance(body, str):
            raise InputError(body)
        return store.add(prepare(body, WIDTHS["item"]), alt, "item", url, author="flux")

    def _store_logo(self, url: str, body: bytes | str) -> str:
        try:
            if isinstance(body, str):
                raise InputError(body)
            prepared = prepare(body, WIDTHS["logo"])
        except InputError as exc:
            return f"logo non téléchargé ({exc})"
        with self.database.session() as session:
            ImageStore(session).add(prepared, self.settings.organisation.name, "logo", url,
                                    author="configuration")  # fmt: skip
        return "logo téléchargé"

    def _check_item(self, actor: Actor, item_id: int) -> None:
        if not self.items.may_correct(actor, item_id):
            raise PermissionDenied("vous ne pouvez pas modifier cet élément",
                                   "proposez une correction à la rédaction")  # fmt: skip
