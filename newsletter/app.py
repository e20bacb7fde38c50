"""All wiring in one place: settings → database → stores. CLI, web and scheduler call it."""

from __future__ import annotations

from dataclasses import dataclass

from newsletter.db import Database, resolve_url
from newsletter.rendering.renderer import Renderer
from newsletter.settings import Settings


@dataclass
class App:
    settings: Settings
    database: Database
    renderer: Renderer

    def close(self) -> None:
        self.database.dispose()


def build(settings: Settings) -> App:
    url = resolve_url(settings.database.url, settings.base_dir)
    renderer = Renderer(settings.base_dir / settings.rendering.templates, settings.rendering)
    return App(
        settings=settings, database=Database(url, echo=settings.database.echo), renderer=renderer
    )
