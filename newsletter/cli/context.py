"""What every command shares: the settings and the wired application, built on demand."""

from __future__ import annotations

from dataclasses import dataclass, field

import click
from rich.console import Console

from newsletter.app import App, build
from newsletter.settings import Settings, load_settings


@dataclass
class Context:
    config_path: str | None
    verbose: bool = False
    console: Console = field(default_factory=Console)
    _settings: Settings | None = None
    _app: App | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    @property
    def app(self) -> App:
        """The application on a database whose schema is up to date."""
        if self._app is None:
            self._app = build(self.settings)
        return self._app

    def ready_app(self) -> App:
        self.app.database.require_schema()
        return self.app

    def close(self) -> None:
        if self._app is not None:
            self._app.close()


pass_context = click.make_pass_decorator(Context)
