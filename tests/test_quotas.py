"""The confirmation quotas slide: a mailbox gets `confirmations_per_day` emails in any 24 h,
not that many on each side of midnight; the previous window weighs as much as the window
ending now still covers of it, and stops counting a window later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from newsletter.app import App
from subscribers.addresses import parse_address
from subscribers.models import MailQuota
from subscribers.quotas import Quotas

EVENING = datetime(2026, 11, 21, 23, 50, tzinfo=UTC)  # windows start at 00:00 UTC


def takes(app: App, mailbox: str, moment: datetime, times: int = 1) -> list[bool]:
    """Ask ``times`` confirmations for ``mailbox`` at ``moment``; which were allowed."""
    address = parse_address(mailbox)
    with app.database.session() as session:
        quotas = Quotas(session, app.settings.subscribers, app.secrets.pepper)
        return [quotas.take_mailbox(address, moment) for _ in range(times)]


def test_a_burst_across_midnight_counts_once(app: App) -> None:
    """Three before midnight (the daily limit): none just after it; the next evening the
    old window weighs a sixth (4 h of it still in the last 24 h): two more; two days on,
    nothing of it."""
    assert app.settings.subscribers.confirmations_per_day == 3
    for mailbox in ("a@exemple.fr", "b@exemple.fr", "c@exemple.fr"):
        assert takes(app, mailbox, EVENING, 3) == [True, True, True]
    assert takes(app, "a@exemple.fr", EVENING + timedelta(minutes=15)) == [False]
    next_evening = EVENING + timedelta(hours=20, minutes=10)  # 20:00: 1, 2, 3 + 3 × 1/6
    assert takes(app, "b@exemple.fr", next_evening, 3) == [True, True, False]
    assert takes(app, "c@exemple.fr", EVENING + timedelta(days=2), 3) == [True, True, True]


def test_the_hourly_quotas_slide_too(app: App) -> None:
    """Per client and in all, the hour slides the same way: the limit reached in the last
    minutes of an hour leaves no room in the first minutes of the next; another client
    still has its own."""
    limit = app.settings.subscribers.confirmations_per_client_hour
    late = datetime(2026, 11, 21, 10, 58, tzinfo=UTC)
    with app.database.session() as session:
        quotas = Quotas(session, app.settings.subscribers, app.secrets.pepper)
        allowed = [quotas.take_sending("198.51.100.7", late) for _ in range(limit)]
        assert all(allowed)
        assert quotas.take_sending("198.51.100.7", late + timedelta(minutes=5)) is False
        assert quotas.take_sending("198.51.100.8", late + timedelta(minutes=5)) is True


def test_a_request_refused_further_on_takes_no_room(app: App, make_settings: Any) -> None:
    """Refused by the quota of everyone, a request gives its client's count back: the
    client that asked nothing that went out has its whole hour left."""
    settings = make_settings(subscribers={**app.settings.subscribers.model_dump(),
                                          "confirmations_per_hour": 2})  # fmt: skip
    now = datetime(2026, 11, 21, 10, 30, tzinfo=UTC)
    with app.database.session() as session:
        quotas = Quotas(session, settings.subscribers, app.secrets.pepper)
        assert [quotas.take_sending("198.51.100.7", now) for _ in range(2)] == [True, True]
        assert quotas.take_sending("198.51.100.8", now) is False
        counts = dict(session.execute(sa.select(MailQuota.key, MailQuota.count)).all())
    assert counts == {"client:198.51.100.7": 2, "client:198.51.100.8": 0, "tous": 2}
