"""What every command shares: the settings and the wired application, built on demand.

Nothing heavy is imported until a command asks for it: ``newsletter --help`` loads Click and
the command modules only (see benchmarks/bench_cli.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, ProgressColumn

    from newsletter.accounts.permissions import Actor
    from newsletter.app import App
    from newsletter.settings import Settings


@dataclass
class Context:
    config_path: str | None
    verbose: bool = False
    user_email: str | None = None  # --user: an editor's account the command acts for
    environ: Mapping[str, str] | None = None  # None: the process's environment
    _settings: Settings | None = None
    _app: App | None = None
    _console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            from rich.console import Console

            self._console = Console()
        return self._console

    def progress(self, *columns: ProgressColumn, transient: bool = True) -> Progress:
        """A progress display (by default: what is done, a bar, done of total, time taken).
        Redrawn ten times a second on a terminal only: in a log (cron, the scheduler's
        sends) its last state is written once at the end, with no thread drawing it."""
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        if not columns:
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn())  # fmt: skip
        return Progress(*columns, console=self.console, transient=transient,
                        auto_refresh=self.console.is_terminal)  # fmt: skip

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from newsletter.settings import load_settings

            self._settings = load_settings(self.config_path)
        return self._settings

    @property
    def app(self) -> App:
        """The application on a database whose schema is up to date."""
        if self._app is None:
            from newsletter.app import build

            self._app = build(self.settings, self.environ)
        return self._app

    def actor(self) -> Actor:
        """Who the command acts as: the account of ``--user``, else the operator (who
        acts as an editor on every newsletter)."""
        from newsletter.accounts.permissions import OPERATOR

        if not self.user_email:
            return OPERATOR
        from newsletter.accounts.store import AccountStore

        app = self.ready_app()
        with app.database.session() as session:
            return app.actor(AccountStore(session).by_email(self.user_email))

    @contextmanager
    def reader(self) -> Iterator[Any]:
        """A DB-API connection to read with, on a database whose schema is current: a plain
        SQLite file through the standard library (no SQLAlchemy to import, so that the
        command answers at once), any other database through the application's engine."""
        from newsletter.direct import sqlite_file, sqlite_reader

        found = sqlite_file(self.settings.database.url, self.settings.base_dir)
        if found is not None:
            with sqlite_reader(*found) as connection:
                yield connection
            return
        with self.ready_app().database.session() as session:
            yield session.connection().connection

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
