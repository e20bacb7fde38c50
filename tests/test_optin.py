"""Double opt-in end to end against a real SMTP server: one email, a link, consent, limits."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
import sqlalchemy as sa

from newsletter.app import App
from newsletter.errors import MailError
from newsletter.settings import Settings
from subscribers.audience import count_audience
from subscribers.details import Details
from subscribers.models import ConsentRecord
from subscribers.optin import Request
from subscribers.tokens import InvalidToken
from tests.dispatching import relay
from tests.smtp_server import SmtpTestServer, free_port

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
MARIE = Request(
    "Marie.Dupont@Ville-Bobigny.fr",
    ["lettre", "reaap"],
    Details(first_name="Marie", last_name="Dupont", profile="elu", commune="Bobigny",
            department="93", themes=("education",)),
)  # fmt: skip


class Sink:
    """What the tests read of the server: parsed messages and their envelopes."""

    def __init__(self, server: SmtpTestServer) -> None:
        self.server = server

    @property
    def messages(self) -> list[EmailMessage]:
        return [received.parsed() for received in self.server.messages]

    @property
    def envelopes(self) -> list[tuple[str, list[str]]]:
        return [(m.sender, list(m.recipients)) for m in self.server.messages]


@pytest.fixture
def sink_app(
    app: App, make_settings: Callable[..., Settings], smtp_server: SmtpTestServer
) -> Iterator[tuple[App, Sink]]:
    settings = make_settings(transport=relay(smtp_server.port))
    yield App(settings, app.database, app.secrets), Sink(smtp_server)


def link_token(message: EmailMessage) -> str:
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    found = re.search(r"/abonnement/confirmer/(\S+)", body)
    assert found, body
    return found.group(1)


def test_request_sends_one_email_and_confirming_activates_all_lists(
    sink_app: tuple[App, Sink],
) -> None:
    """One confirmation covers every chosen list; the link activates them and records consent."""
    app, sink = sink_app
    with app.database.session() as session:
        assert app.optin(session).request(MARIE, NOW) is True
    assert len(sink.messages) == 1
    message = sink.messages[0]
    assert message["To"] == "Marie.Dupont@ville-bobigny.fr"
    assert sink.envelopes[0][1] == ["Marie.Dupont@ville-bobigny.fr"]
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "La Lettre de Profession Banlieue" in body and "Lettre du Réaap" in body
    with app.database.session() as session:
        assert count_audience(session, "lettre") == 0  # pending people receive nothing
        token = link_token(message)
        activated = app.optin(session).confirm(token, "203.0.113.7", NOW + timedelta(hours=1))
    assert activated == ["lettre", "reaap"]
    with app.database.session() as session:
        assert count_audience(session, "lettre") == count_audience(session, "reaap") == 1
        consents = session.scalars(sa.select(ConsentRecord).order_by(ConsentRecord.list_key))
        rows = [(c.list_key, c.how, c.wording, c.source, c.ip) for c in consents]
    assert rows == [
        ("lettre", "form", "2026-01", "formulaire du site", "203.0.113.7"),
        ("reaap", "form", "2026-01", "formulaire du site", "203.0.113.7"),
    ]


def test_repeated_requests_are_rate_limited(sink_app: tuple[App, Sink]) -> None:
    """At most three confirmation emails per address in 24 hours, whatever the requests."""
    app, sink = sink_app
    for minutes in range(6):
        with app.database.session() as session:
            app.optin(session).request(MARIE, NOW + timedelta(minutes=minutes))
    assert len(sink.messages) == 3
    with app.database.session() as session:
        assert app.optin(session).request(MARIE, NOW + timedelta(hours=25)) is True
    assert len(sink.messages) == 4


def test_request_never_changes_a_known_person(sink_app: tuple[App, Sink]) -> None:
    """A form request for an existing address changes nothing stored about that person."""
    app, _ = sink_app
    with app.database.session() as session:
        app.optin(session).request(MARIE, NOW)
    intruder = Request("marie.dupont@ville-bobigny.fr", ["clas"], Details(last_name="Piraté"))
    with app.database.session() as session:
        app.optin(session).request(intruder, NOW)
        marie = app.subscriber_store(session).get("marie.dupont@ville-bobigny.fr")
        assert marie.last_name == "Dupont"


def test_confirmation_token_is_refused_when_expired(sink_app: tuple[App, Sink]) -> None:
    """A confirmation link older than subscribers.confirm_token_days is refused."""
    app, sink = sink_app
    with app.database.session() as session:
        app.optin(session).request(MARIE, NOW)
    token = link_token(sink.messages[0])
    with app.database.session() as session, pytest.raises(InvalidToken):
        app.optin(session).confirm(token, now=NOW + timedelta(days=7, minutes=1))
    with app.database.session() as session:
        assert app.optin(session).confirm(token, now=NOW + timedelta(days=6)) == ["lettre", "reaap"]


def test_mailer_reports_an_unreachable_server(
    app: App, make_settings: Callable[..., Settings]
) -> None:
    """The mailer turns a refused connection into one clear error."""
    settings = make_settings(transport=relay(free_port(), timeout=2))
    message = EmailMessage()
    message["To"] = "a@exemple.fr"
    with pytest.raises(MailError) as caught:
        App(settings, app.database, app.secrets).mailer().send(message)
    assert "envoi impossible" in caught.value.message


def test_parallel_requests_for_one_mailbox_send_at_most_the_limit(
    sink_app: tuple[App, Sink],
) -> None:
    """20 requests at once for one address and its « +tag » and case variants, each in its
    own transaction: no error (the review saw an IntegrityError), and 3 emails in all —
    the count is taken atomically before anything else."""
    app, sink = sink_app
    start = threading.Barrier(20)
    errors: list[BaseException] = []

    def ask(number: int) -> None:
        email = ["Marie.Dupont@Ville-Bobigny.fr", f"marie.dupont+{number}@ville-bobigny.fr"][
            number % 2
        ]
        start.wait()
        try:
            with app.database.session() as session:
                app.optin(session).request(Request(email, ["lettre"]), NOW)
        except BaseException as exc:  # any failure fails the test
            errors.append(exc)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == [] and len(sink.messages) == 3
