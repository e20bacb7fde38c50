"""The scheduler sends: an automatic edition goes out once at its time; a send killed
mid-way is resumed by the next `send_due` run with no one missed."""

from __future__ import annotations

import logging
import os
import signal
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from jobs import send_due
from newsletter import leases
from newsletter.app import App
from newsletter.editions.store import EditionStore
from newsletter.leases import new_holder
from newsletter.services.sending import status
from newsletter.settings import Settings
from tests.dispatching import (
    IN_FLIGHT,
    address,
    configured,
    crashable,
    populate,
    start_send,
    wait_until,
)
from tests.smtp_server import SmtpTestServer
from tests.web.conftest import ON_SQLITE

__all__ = ["crashable"]  # a fixture


def received(server: SmtpTestServer) -> Counter[str]:
    return Counter(rcpt for message in server.messages for rcpt in message.recipients)


def test_automatic_edition_goes_out_once_at_its_time(
    app: App,
    make_settings: Callable[..., Settings],
    smtp_server: SmtpTestServer,
    project_config: dict[str, object],
    tmp_path: Path,
) -> None:
    """Before its time nothing goes; at its time the draft is approved and sent; later
    runs send nothing more."""
    newsletters = project_config["newsletters"]
    assert isinstance(newsletters, dict)
    automatic = newsletters | {"lettre": newsletters["lettre"] | {"automatic": True}}
    settings = configured(make_settings, smtp_server.port).model_copy(
        update={"newsletters": make_settings(newsletters=automatic).newsletters}
    )
    wired = App(settings, app.database, app.secrets, app.environ)
    edition_id = populate(wired, tmp_path, 12, approve=False)
    with wired.database.session() as session:
        send_at = EditionStore(session).get(edition_id).send_at
    assert send_due.run(wired, send_at - timedelta(minutes=1)) == "rien à envoyer"
    assert smtp_server.messages == []
    send_due.run(wired, send_at + timedelta(minutes=1))
    send_due.run(wired, send_at + timedelta(minutes=2))
    assert set(received(smtp_server).values()) == {1} and len(received(smtp_server)) == 12
    edition, counts = status(wired.database, edition_id)
    assert edition.state == "sent" and counts["sent"] == 12


def test_interrupted_send_is_resumed_by_the_scheduler(
    app: App,
    crashable: tuple[Path, int, dict[str, str]],
    smtp_server: SmtpTestServer,
    make_settings: Callable[..., Settings],
) -> None:
    """A send killed -9 half-way is finished by `send_due`; nobody is missed."""
    _, edition_id, env = crashable
    sender = start_send(edition_id, env)
    wait_until(lambda: len(smtp_server.messages) >= 100 or sender.poll() is not None, 60)
    os.killpg(sender.pid, signal.SIGKILL)
    sender.wait(10)
    wired = App(configured(make_settings, smtp_server.port), app.database, app.secrets,
                app.environ)  # fmt: skip
    with wired.database.session() as session:
        send_at = EditionStore(session).get(edition_id).send_at
    send_due.run(wired, send_at + timedelta(minutes=5))
    counts = received(smtp_server)
    assert set(counts) == {address(n) for n in range(300)}
    assert sum(c - 1 for c in counts.values()) <= IN_FLIGHT
    assert status(wired.database, edition_id)[0].state == "sent"


@ON_SQLITE
def test_edition_sent_elsewhere_is_an_informational_skip(
    app: App,
    make_settings: Callable[..., Settings],
    smtp_server: SmtpTestServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """While another process (a CLI send) holds the edition, `send_due` says it skips it,
    sends nothing and logs no error nor traceback; once it is free, the next run sends."""
    wired = App(configured(make_settings, smtp_server.port), app.database, app.secrets,
                app.environ)  # fmt: skip
    edition_id = populate(wired, tmp_path, 5)
    with wired.database.session() as session:
        edition = EditionStore(session).get(edition_id)
        send_at = max(edition.send_at, edition.approved_at or edition.send_at)
    other = new_holder()
    assert leases.acquire(wired.database, f"edition:{edition_id}", other, ttl=60)
    with caplog.at_level(logging.INFO):
        outcome = send_due.run(wired, send_at + timedelta(minutes=1))
    assert f"édition {edition_id} ignorée" in outcome and "déjà en cours d’envoi" in outcome
    assert smtp_server.messages == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info] == []
    leases.release(wired.database, f"edition:{edition_id}", other)
    send_due.run(wired, send_at + timedelta(minutes=2))
    assert len(received(smtp_server)) == 5
