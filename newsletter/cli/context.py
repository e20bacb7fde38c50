"""What every command shares: the settings and the wired application, built on demand."""

from __future__ import annotations

from collections.abc import Mapping
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
    environ: Mapping[str, str] | None = None  # None: the process's environment
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
            self._app = build(self.settings, self.environ)
        return self._app

    def ready_app(self) -> App:
        self.app.database.require_schema()
        return self.app

    def switch(self, settings: Settings, environ: Mapping[str, str]) -> None:
        """Go on with other settings and environment (the demo's own)."""
        self.close()
        self._settings, self.environ = settings, environ

    def close(self) -> None:
        if self._app is not None:
            self._app.close()
            self._app = None


pass_context = click.make_pass_decorator(Context)
