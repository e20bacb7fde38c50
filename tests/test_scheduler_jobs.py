"""The scheduler's jobs on a real database (SQLite and PostgreSQL), with the clock given:
drafts N days ahead with the editors' email, automatic approval, holds after downtime,
bounces read from a Maildir, the daily purge."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from jobs import assemble_drafts, process_bounces, purge, send_due
from newsletter.accounts.permissions import OPERATOR
from newsletter.app import App
from newsletter.content.store import ItemStore
from newsletter.db import Database
from newsletter.editions.assembly import assemble
from newsletter.editions.models import Edition
from newsletter.editions.store import EditionStore
from newsletter.secrets import Secrets
from newsletter.sources.editorial import parse_record, save_editorial
from subscribers.addresses import parse_address
from subscribers.consent import Consent
from subscribers.details import Details
from tests.conftest import merged
from tests.smtp_server import SmtpTestServer

LETTRE_AT = datetime(2027, 1, 5, 8, 0, tzinfo=UTC)  # Tuesday 5 January 2027, 09:00 in Paris
DRAFT_AT = LETTRE_AT - timedelta(days=7)
EDITORS = ["Rédaction <redaction@professionbanlieue.org>", "direction@professionbanlieue.org"]
BOUNCES = Path(__file__).parent / "data" / "bounces"

MakeApp = Callable[..., App]


@pytest.fixture
def make_app(
    database: Database, make_settings: Any, project_config: dict[str, Any], app_secrets: Secrets
) -> MakeApp:
    """The application with some settings changed (nested tables merged into the project's)."""

    def make(**overrides: Any) -> App:
        sections = {key: merged(project_config.get(key, {}), value)
                    for key, value in overrides.items()}  # fmt: skip
        return App(make_settings(**sections), database, app_secrets)

    return make


@pytest.fixture
def app(make_app: MakeApp) -> App:
    """The Lettre with two editors, the Réaap's letter automatic."""
    return make_app(newsletters={"lettre": {"editors": EDITORS}, "reaap": {"automatic": True}})


def outbox(app: App, title: str = "La Lettre de Profession Banlieue") -> list[EmailMessage]:
    """The notices about one newsletter written by the Maildir transport."""
    folder = app.settings.base_dir / app.settings.transport.maildir_path / "new"
    files = sorted(folder.iterdir()) if folder.exists() else []
    parsed = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files]
    return [m for m in parsed if isinstance(m, EmailMessage) and f"{title} n°" in m["Subject"]]


def lettre(outcome: str) -> str:
    """What a job's outcome says about the Lettre ("" if nothing)."""
    return next((part for part in outcome.split(" ; ") if part.startswith("lettre : ")), "")


def editions(app: App, newsletter: str) -> list[Edition]:
    with app.database.session() as session:
        return EditionStore(session).listing(newsletter)


def draft(app: App, newsletter: str, send_at: datetime, state: str = "draft") -> int:
    """An edition assembled by hand for that send, in that state."""
    zone = app.settings.organisation.timezone
    with app.database.session() as session:
        store = EditionStore(session)
        day = send_at.astimezone(ZoneInfo(zone)).date()
        made = assemble(store, newsletter, app.settings.newsletter(newsletter), zone, day=day,
                        now=send_at - timedelta(days=8))  # fmt: skip
        assert made.send_at == send_at
        if state == "approved":
            view = app.publishing.live_view(session, made)
            store.approve(made, view, "tests", send_at - timedelta(days=1))
        return made.id


def get(app: App, edition_id: int) -> Edition:
    with app.database.session() as session:
        return EditionStore(session).get(edition_id)


# -- assemble_drafts ------------------------------------------------------------------------


def test_draft_appears_n_days_before_and_each_editor_is_told_once(app: App) -> None:
    """Seven days before the Lettre's 9:00 send its draft is assembled and each editor gets
    one email with the preview link; later runs assemble and send nothing more."""
    assert lettre(assemble_drafts.run(app, DRAFT_AT - timedelta(minutes=1))) == ""
    assert editions(app, "lettre") == [] and outbox(app) == []

    outcome = assemble_drafts.run(app, DRAFT_AT + timedelta(minutes=1))
    [made] = editions(app, "lettre")
    assert lettre(outcome) == (
        f"lettre : brouillon n° 87 assemblé (id {made.id}), 2 éditeur(s) prévenu(s)"
    )
    assert (made.state, made.number, made.send_at) == ("draft", 87, LETTRE_AT)
    assert made.editors_notified_at == DRAFT_AT + timedelta(minutes=1)
    messages = outbox(app)
    assert sorted(message["Delivered-To"] for message in messages) == [
        "direction@professionbanlieue.org", "redaction@professionbanlieue.org",
    ]  # fmt: skip
    for message in messages:
        assert message["Subject"] == (
            "Brouillon prêt : La Lettre de Profession Banlieue n° 87 — "
            "à relire avant le mardi 5 janvier 2027"
        )
        assert message["From"].addresses[0].addr_spec == "lettre@professionbanlieue.org"
        body = message.get_body().get_content().replace("\r\n", "\n")
        assert f"https://lettre.professionbanlieue.org/editeurs/editions/{made.id}\n" in body
        assert "Envoi prévu le mardi 5 janvier 2027 à 9 h." in body
        assert "Elle ne partira qu’une fois approuvée" in body
        assert "- À écrire : l’édito et les mouvements." in body
        assert "newsletter " not in body and "`" not in body  # no command line for editors
        assert body.count("https://") == 1  # one link

    for later in (timedelta(hours=1), timedelta(days=3)):
        assert lettre(assemble_drafts.run(app, DRAFT_AT + later)) == ""
    assert len(outbox(app)) == 2 and len(editions(app, "lettre")) == 1


def test_edition_prepared_by_hand_is_not_duplicated(app: App) -> None:
    """An edition the editors assembled for another day blocks a second one; its editors are
    told when its own N days have come."""
    wednesday = LETTRE_AT + timedelta(days=1)
    made = draft(app, "lettre", wednesday)
    assert lettre(assemble_drafts.run(app, DRAFT_AT + timedelta(minutes=1))) == ""
    outcome = assemble_drafts.run(app, wednesday - timedelta(days=7))
    assert lettre(outcome) == f"lettre : brouillon n° 87 (id {made}), 2 éditeur(s) prévenu(s)"
    assert [edition.id for edition in editions(app, "lettre")] == [made]
    assert "avant le mercredi 6 janvier 2027" in outbox(app)[0]["Subject"]


@pytest.mark.parametrize("state", ["sent", "cancelled"])
def test_sent_date_is_not_assembled_again(app: App, state: str) -> None:
    """A date whose edition went out (early) or was cancelled gets no new draft."""
    made = draft(app, "lettre", LETTRE_AT)
    with app.database.session() as session:
        EditionStore(session).get(made).state = state
    assert lettre(assemble_drafts.run(app, DRAFT_AT + timedelta(hours=1))) == ""
    assert len(editions(app, "lettre")) == 1


def test_editors_notice_goes_through_smtp(make_app: MakeApp, smtp_server: SmtpTestServer) -> None:
    """With the SMTP transport the notice reaches a real server, from the bounce address."""
    relay = {"kind": "smtp", "smtp": {"host": smtp_server.host, "port": smtp_server.port,
                                      "security": "none"}}  # fmt: skip
    app = make_app(transport=relay, newsletters={"lettre": {"editors": EDITORS}})
    assemble_drafts.run(app, DRAFT_AT)
    received = smtp_server.messages
    assert sorted(r for message in received for r in message.recipients) == [
        "direction@professionbanlieue.org", "redaction@professionbanlieue.org",
    ]  # fmt: skip
    assert {message.sender for message in received} == {"bounces@lettre.professionbanlieue.org"}
    assert received[0].parsed()["Subject"].startswith("Brouillon prêt : La Lettre")


# -- send_due -------------------------------------------------------------------------------


REAAP_AT = datetime(2027, 1, 14, 9, 0, tzinfo=UTC)  # Thursday 14 January 2027, 10:00 in Paris


def stock(app: App) -> None:
    """Items for the Réaap's rubriques and one subscriber: an edition worth sending."""
    settings = app.settings
    records = [{"kind": kind, "title": f"{kind.capitalize()} du réseau", "networks": "reaap",
                "published_at": "2027-01-02"} for kind in ("actualite", "fiche")]  # fmt: skip
    entries = [parse_record(record, settings.classification, settings.fetch.timezone)
               for record in records]  # fmt: skip
    with app.database.session() as session:
        save_editorial(session, settings, entries, "tests")
        app.subscriber_store(session).admin_add(
            "parent@exemple.fr", Details(), ["reaap"], Consent("admin", "2026-01", "tests")
        )


def test_automatic_draft_is_approved_at_its_time(app: App) -> None:
    """At its time, the draft of an automatic newsletter is approved (then handed to the
    send); a draft of a newsletter that waits for approval is left alone."""
    stock(app)
    reaap = draft(app, "reaap", REAAP_AT)
    lettre = draft(app, "lettre", LETTRE_AT)
    assert send_due.settle(app, REAAP_AT - timedelta(minutes=1)) == []
    assert get(app, reaap).state == "draft"

    now = REAAP_AT + timedelta(seconds=30)
    [decision] = send_due.settle(app, now)
    assert (decision.edition_id, decision.action) == (reaap, "approve_and_send")
    approved = get(app, reaap)
    assert (approved.state, approved.approved_at, approved.held_reason) == ("approved", now, "")
    assert get(app, lettre).state == "draft"


def test_after_long_downtime_nothing_is_sent_and_the_edition_is_flagged(app: App) -> None:
    """Back 14 hours after the planned time, the scheduler sends nothing: the approved
    Lettre and the automatic Réaap draft are held with the reason editors will read."""
    lettre = draft(app, "lettre", LETTRE_AT, state="approved")
    reaap = draft(app, "reaap", LETTRE_AT + timedelta(hours=1))
    back = LETTRE_AT + timedelta(hours=14, minutes=5)
    outcome = send_due.run(app, back)  # a send would be attempted here if one were decided
    assert outcome == f"édition {lettre} suspendue ; édition {reaap} suspendue"
    held = get(app, lettre)
    assert (held.state, held.sent_at) == ("approved", None)
    assert held.held_reason == (
        "envoi suspendu : l’heure prévue (mardi 5 janvier 2027 à 9 h) est dépassée de 14 h ; "
        "à confirmer par un éditeur"
    )
    assert get(app, reaap).state == "draft" and "dépassée de 13 h" in get(app, reaap).held_reason
    assert send_due.run(app, back + timedelta(minutes=1)) == "rien à envoyer"
    assert get(app, lettre).held_reason == held.held_reason


def test_approving_a_held_draft_releases_it(app: App) -> None:
    """An editor's approval lifts the hold: the next minute the edition is due again."""
    stock(app)
    reaap = draft(app, "reaap", REAAP_AT)
    assert send_due.run(app, REAAP_AT + timedelta(days=2)) == f"édition {reaap} suspendue"
    approved_at = REAAP_AT + timedelta(days=2, hours=1)
    app.editing.approve(OPERATOR, reaap, approved_at)
    [decision] = send_due.settle(app, approved_at + timedelta(minutes=1))
    assert (decision.edition_id, decision.action) == (reaap, "send")
    assert get(app, reaap).held_reason == ""


def test_an_empty_automatic_edition_is_held_not_sent(app: App) -> None:
    """At its time, an automatic edition with nothing in it, or nobody to send it to, is
    approved but held with the reason, never sent."""
    reaap = draft(app, "reaap", REAAP_AT)
    [decision] = send_due.settle(app, REAAP_AT + timedelta(seconds=30))
    assert (decision.edition_id, decision.action) == (reaap, "hold")
    reason = get(app, reaap).held_reason
    assert "l’édition est vide" in reason and "aucun destinataire" in reason


def test_a_scheduled_edition_changed_since_its_approval_is_held(app: App) -> None:
    """An approved edition whose item changed afterwards is not sent at its time: it is held
    saying what changed, until an editor approves again or abandons the changes."""
    stock(app)
    reaap = draft(app, "reaap", REAAP_AT)
    app.editing.approve(OPERATOR, reaap, REAAP_AT - timedelta(days=1))
    with app.database.session() as session:
        item = EditionStore(session).get(reaap).entries[0].item
        ItemStore(session).override(item.id, app.settings.classification, title="Titre corrigé")
    [decision] = send_due.settle(app, REAAP_AT + timedelta(seconds=30))
    assert decision.action == "hold"
    assert "modifiée depuis l’approbation" in get(app, reaap).held_reason
    assert "« Titre corrigé » — titre modifié(s)" in get(app, reaap).held_reason
    app.editing.discard(OPERATOR, reaap)
    [decision] = send_due.settle(app, REAAP_AT + timedelta(minutes=2))
    assert (decision.edition_id, decision.action) == (reaap, "send")


# -- process_bounces, purge -----------------------------------------------------------------


def test_bounces_are_read_once_from_the_maildir(make_app: MakeApp, tmp_path: Path) -> None:
    """A DSN delivered to the bounce Maildir marks its subscriber bounced and is moved to
    cur/; the next run reads nothing."""
    app = make_app(subscribers={"bounce_mailbox": "bounces"})
    with app.database.session() as session:
        store = app.subscriber_store(session)
        jean = store.admin_add("jean.martin@orange.fr", Details(profile="professionnel"),
                               ["lettre"], Consent("admin", "2026-01", "colloque"))  # fmt: skip
        verp = app.tokens().verp_address(jean)
    maildir = tmp_path / "bounces"
    for folder in ("new", "cur", "tmp"):
        (maildir / folder).mkdir(parents=True)
    raw = (BOUNCES / "orange_550_user_unknown.eml").read_text(encoding="utf-8")
    (maildir / "new" / "1700000000.dsn.host").write_text(
        raw.replace("bounces+VERP@lettre.professionbanlieue.org", verp), encoding="utf-8"
    )
    now = datetime(2027, 1, 5, 12, tzinfo=UTC)
    outcome = process_bounces.run(app, now)
    assert outcome.startswith("1 message(s) : 1 erreur(s) définitive(s)")
    assert outcome.endswith("1 abonné(s) reconnu(s).")
    with app.database.session() as session:
        assert app.subscriber_store(session).get("jean.martin@orange.fr").status == "bounced"
    assert [f.name for f in (maildir / "cur").iterdir()] == ["1700000000.dsn.host:2,S"]
    assert list((maildir / "new").iterdir()) == []
    assert process_bounces.run(app, now).startswith("0 message(s)")


def test_bounce_job_without_a_mailbox_says_so(app: App) -> None:
    """With no subscribers.bounce_mailbox the job does nothing and says why."""
    assert "subscribers.bounce_mailbox" in process_bounces.run(app, LETTRE_AT)


def test_purge_job_applies_retention(app: App) -> None:
    """The daily purge deletes a subscription left unconfirmed past pending_days."""
    long_ago = LETTRE_AT - timedelta(days=40)
    with app.database.session() as session:
        store = app.subscriber_store(session)
        person = store.create(parse_address("jamais@cs-bondy.fr"), Details(), long_ago)
        store.set_subscription(person, "lettre", "pending", "formulaire du site", long_ago)
    outcome = purge.run(app, LETTRE_AT)
    assert outcome.startswith("1 abonnement(s) non confirmé(s) supprimé(s), 1 personne(s)")
    with app.database.session() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM subscribers")) == 0
