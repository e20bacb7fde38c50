"""Crash safety: a send killed with SIGKILL and restarted misses nobody, and resends at most
the messages that were in flight; senders on PostgreSQL share the rows without overlap."""

from __future__ import annotations

import os
import signal
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from newsletter.app import App
from newsletter.services.sending import status
from newsletter.settings import Settings
from tests.dispatching import IN_FLIGHT, RECIPIENTS, address, crashable, start_send, wait_until
from tests.smtp_server import SmtpTestServer

__all__ = ["crashable"]  # a fixture


def test_sigkill_at_several_points_loses_no_one(
    app: App, crashable: tuple[Path, int, dict[str, str]], smtp_server: SmtpTestServer
) -> None:
    """Killed -9 after 40, 130 and 220 messages then restarted, every recipient has their
    message; only messages in flight at each kill may arrive twice."""
    _, edition_id, env = crashable
    kills = (40, 130, 220)
    for point in kills:
        sender = start_send(edition_id, env)

        def reached(point: int = point, sender: subprocess.Popen[bytes] = sender) -> bool:
            return len(smtp_server.messages) >= point or sender.poll() is not None

        wait_until(reached, 60)
        assert sender.poll() is None, sender.stderr.read() if sender.stderr else ""
        os.killpg(sender.pid, signal.SIGKILL)
        sender.wait(10)
    final = start_send(edition_id, env)
    assert final.wait(120) == 0, final.stderr.read() if final.stderr else ""
    received = Counter(rcpt for message in smtp_server.messages for rcpt in message.recipients)
    assert set(received) == {address(n) for n in range(RECIPIENTS)}
    twice = sum(count - 1 for count in received.values())
    assert twice <= len(kills) * IN_FLIGHT
    assert max(received.values()) <= 1 + len(kills)
    edition, counts = status(app.database, edition_id)
    assert edition.state == "sent" and counts["sent"] == RECIPIENTS


def test_senders_on_postgresql_share_the_work(
    app: App,
    crashable: tuple[Path, int, dict[str, str]],
    smtp_server: SmtpTestServer,
    make_settings: Callable[..., Settings],
) -> None:
    """Two senders at once: SKIP LOCKED shares rows on PostgreSQL; SQLite admits only one.
    Either way every recipient gets exactly one message."""
    _, edition_id, env = crashable
    first, second = start_send(edition_id, env), start_send(edition_id, env)
    codes = (first.wait(120), second.wait(120))
    received = Counter(rcpt for message in smtp_server.messages for rcpt in message.recipients)
    assert set(received) == {address(n) for n in range(RECIPIENTS)}
    assert set(received.values()) == {1}
    if app.database.dialect == "postgresql":
        assert codes == (0, 0)
    else:
        assert sorted(codes) == [0, 1]  # the second one was refused by the lease
