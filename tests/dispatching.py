"""Building blocks for the dispatch tests: an approved edition and a realistic audience."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from newsletter.app import App
from newsletter.content.store import ItemStore
from newsletter.dispatch.sender import in_flight_limit
from newsletter.editions.assembly import assemble
from newsletter.editions.store import EditionStore
from newsletter.secrets import ENV_PEPPER, ENV_SECRET_KEYS, Secrets
from newsletter.settings import Settings, load_settings
from newsletter.sources.editorial import import_file
from subscribers.consent import Consent
from subscribers.importing import import_csv
from tests.commands import Command, start
from tests.smtp_server import SmtpTestServer

SEND_DAY = date(2026, 12, 1)
ITEMS = """type;titre;résumé;lien;date;thèmes;réseaux
fiche;Des jardins partagés à Sevran;Les habitants cultivent ensemble.;https://pb.fr/f/1;\
2026-11-20;participation;
fiche;Aide aux devoirs à Bobigny;Un Clas au centre social.;https://pb.fr/f/2;2026-11-21;\
education;clas
actualite;Un guide de la laïcité;Publié par la préfecture.;https://pb.fr/a/1;2026-11-22;egalite;
"""
THEMES = ((), ("education",), ("participation", "egalite"))


def relay(port: int, timeout: float = 5) -> dict[str, Any]:
    """Transport settings handing messages to a local SMTP server."""
    smtp = {"host": "127.0.0.1", "port": port, "security": "none", "timeout": timeout}
    return {"kind": "smtp", "smtp": smtp}


def fast_dispatch(**changes: Any) -> dict[str, Any]:
    """Dispatch settings for tests: no rate limit, quick retries."""
    base = {"processes": 2, "concurrency": 4, "rate_per_second": 0, "rate_per_hour": 0,
            "batch_size": 50, "max_attempts": 4, "retry_base_seconds": 0.2,
            "retry_max_seconds": 0.5, "error_window": 50, "error_rate_threshold": 0.5}  # fmt: skip
    return base | changes


def address(number: int) -> str:
    return f"personne{number:04d}@ville-exemple.fr"


def populate(app: App, tmp: Path, recipients: int, approve: bool = True) -> int:
    """Items, an audience on the `lettre` list, and an edition carrying the items (approved
    unless told otherwise); its id. The audience comes in as an office file would (one
    import, 0.17 s for 300 people, where adding them one by one took 1.1 s)."""
    csv = tmp / "items.csv"
    csv.write_text(ITEMS, encoding="utf-8")
    _, errors = import_file(app.database, app.settings, csv, "tests")
    assert errors == []
    people = ["courriel;prénom;nom;format;thèmes"] + [
        f"{address(n)};Camille;Martin {n};{'texte' if n % 10 == 9 else 'html'};"
        f"{'|'.join(THEMES[n % 3])}"
        for n in range(recipients)
    ]
    with app.database.session() as session:
        report = import_csv(app.subscriber_store(session), "\n".join(people).encode(), "lettre",
                            Consent("import", "2026-01", "tests"),
                            app.settings.classification.themes)  # fmt: skip
    assert report.subscribed == recipients, report.lines()
    return lettre(app, SEND_DAY, approve)


def lettre(app: App, day: date, approve: bool = True) -> int:
    """An edition of the Lettre for ``day`` carrying the items (approved unless told
    otherwise); its id."""
    with app.database.session() as session:
        editions = EditionStore(session)
        newsletter = app.settings.newsletter("lettre")
        made = assemble(editions, "lettre", newsletter, "Europe/Paris", day=day)
        for item in ItemStore(session).search(limit=10):  # the rubriques take other sources
            section = "fiches" if item.kind == "fiche" else "actualites"
            editions.add_item(made, item.id, newsletter, section)
        if approve:
            editions.approve(made, app.publishing.live_view(session, made), "tests")
        return made.id


def configured(make_settings: Callable[..., Settings], port: int, **dispatch: Any) -> Settings:
    return make_settings(transport=relay(port), dispatch=fast_dispatch(**dispatch))


NEWSLETTER = Path(sys.executable).with_name("newsletter")
RECIPIENTS = 300
PROCESSES, CONNECTIONS = 2, 2
IN_FLIGHT = in_flight_limit(PROCESSES, CONNECTIONS)  # claimed rows at most, per sender


@dataclass(frozen=True)
class Wired:
    """A configuration file on the test database, the app built from it (sends it starts
    in the background read that file) and the environment of `newsletter` subprocesses."""

    config: Path
    app: App
    env: dict[str, str]


def wired_config(app: App, db_url: str, write_config: Callable[..., Path], port: int,
                 sections: dict[str, Any] | None = None, **dispatch: Any) -> Wired:  # fmt: skip
    """A configuration sending to ``port`` with these dispatch settings (and other
    sections) on the test database, written to a file."""
    config = write_config(database={"url": db_url}, transport=relay(port),
                          dispatch=fast_dispatch(**dispatch), **(sections or {}))  # fmt: skip
    secrets: Secrets = app.secrets
    env = {"PATH": os.environ["PATH"], "NEWSLETTER_CONFIG": str(config),
           ENV_SECRET_KEYS: ",".join(secrets.raw_keys), ENV_PEPPER: secrets.raw_pepper}  # fmt: skip
    if "PYTHONPATH" in os.environ:  # subprocesses must run the code under test, not the install
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    wired = App(load_settings(config), app.database, app.secrets, {**os.environ, **env})
    return Wired(config, wired, env)


@pytest.fixture
def wire(
    app: App, db_url: str, write_config: Callable[..., Path], smtp_server: SmtpTestServer
) -> Callable[..., Wired]:
    """``wired_config`` sending to the test SMTP server unless told another ``port``."""

    def make(port: int | None = None, sections: dict[str, Any] | None = None,
             **dispatch: Any) -> Wired:  # fmt: skip
        return wired_config(app, db_url, write_config, port or smtp_server.port, sections,
                            **dispatch)  # fmt: skip

    return make


@pytest.fixture
def crashable(
    app: App,
    db_url: str,
    write_config: Callable[..., Path],
    smtp_server: SmtpTestServer,
    tmp_path: Path,
) -> tuple[Path, int, dict[str, str]]:
    """A config file on the test database, an approved edition, the sender's environment."""
    wired = wired_config(app, db_url, write_config, smtp_server.port, processes=PROCESSES,
                         concurrency=PROCESSES * CONNECTIONS, rate_per_second=250,
                         lease_seconds=5)  # fmt: skip
    edition_id = populate(wired.app, tmp_path, RECIPIENTS)
    return wired.config, edition_id, wired.env


def start_send(edition_id: int, env: dict[str, str]) -> Command:
    """`newsletter edition send ID --resume --yes` in a process of its own session."""
    return start(["edition", "send", str(edition_id), "--resume", "--yes"], env)
