"""The back office's services on both databases: who may do what to which subscriber
(role × action × owner), the audit trail of every action, the editors' search, list figures,
reactivation, segments and exports."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from newsletter.accounts.models import User
from newsletter.accounts.permissions import Actor
from newsletter.app import App
from newsletter.audit.models import AuditEntry
from newsletter.db import Database, utcnow
from newsletter.editions.models import Edition
from newsletter.errors import InputError, PermissionDenied
from newsletter.secrets import Secrets
from subscribers.audience import count_audience
from subscribers.consent import Consent
from subscribers.details import Details
from subscribers.directory import Filters
from subscribers.models import BounceEvent, Subscriber

ACTIONS = ("view", "edit", "unsubscribe", "forget", "reactivate")
OWNERS = {"lettre": ("lettre",), "reaap": ("reaap",), "both": ("lettre", "reaap"),
          "reseaux": ("reseaux",)}  # fmt: skip
# Who may do what to whom: the coordinator of the Réaap sees the Réaap's people (and the
# combined letter's, when their account has it), erases or reactivates only those on none
# but their lists.
ALLOWED = {
    "editor": {(action, owner) for action in ACTIONS for owner in OWNERS},
    "reaap": {("view", "reaap"), ("edit", "reaap"), ("unsubscribe", "reaap"),
              ("forget", "reaap"), ("reactivate", "reaap"),
              ("view", "both"), ("edit", "both"), ("unsubscribe", "both")},
    "reaap+reseaux": {("view", "reaap"), ("edit", "reaap"), ("unsubscribe", "reaap"),
                      ("forget", "reaap"), ("reactivate", "reaap"),
                      ("view", "both"), ("edit", "both"), ("unsubscribe", "both"),
                      ("view", "reseaux"), ("edit", "reseaux"), ("unsubscribe", "reseaux"),
                      ("forget", "reseaux"), ("reactivate", "reseaux")},
}  # fmt: skip
ACCOUNTS = {"editor": ("editor", ()), "reaap": ("coordinator", ("reaap",)),
            "reaap+reseaux": ("coordinator", ("reaap", "reseaux"))}  # fmt: skip


@pytest.fixture
def app(
    database: Database, make_settings: Callable[..., Any], app_secrets: Secrets,
    project_config: dict[str, Any],
) -> App:  # fmt: skip
    """The application with the combined network letter's list declared too."""
    subscribers = dict(project_config["subscribers"])
    reseaux = {"label": "Parentalités", "description": "Les deux réseaux"}
    subscribers["lists"] = {**subscribers["lists"], "reseaux": reseaux}
    return App(make_settings(subscribers=subscribers), database, app_secrets)


def actor_of(app: App, who: str) -> Actor:
    role, newsletters = ACCOUNTS[who]
    user = User(id=hash(who) % 1000, email=f"{who}@exemple.fr", display_name=who, role=role,
                newsletters=list(newsletters))  # fmt: skip
    return app.actor(user)


counter = itertools.count()


def person(app: App, lists: tuple[str, ...], status: str = "active", **details: Any) -> int:
    """A person subscribed by an editor to ``lists``; their id."""
    email = f"personne{next(counter)}@ville-exemple.fr"
    with app.database.session() as session:
        store = app.subscriber_store(session)
        found = store.admin_add(email, Details(**details), lists, Consent("admin", "2026-01", "t"))
        if status != "active":
            store.set_status(found, status, utcnow())
        return found.id


def act(app: App, actor: Actor, action: str, subscriber_id: int) -> None:
    people = app.subscribers
    if action == "view":
        people.person(actor, subscriber_id)
    elif action == "edit":
        people.edit(actor, subscriber_id, Details(last_name="Nouveau"))
    elif action == "unsubscribe":
        people.unsubscribe(actor, subscriber_id, None)
    elif action == "forget":
        people.forget(actor, subscriber_id)
    else:
        people.reactivate(actor, subscriber_id, "boîte rouverte, vu au téléphone")


@pytest.mark.parametrize("who", list(ACCOUNTS))
def test_who_may_do_what_to_whom(app: App, who: str) -> None:
    """Every (role, action, owner) is allowed or refused as ALLOWED says; a refusal
    changes nothing and records nothing."""
    actor = actor_of(app, who)
    for action, owner in itertools.product(ACTIONS, OWNERS):
        status = "bounced" if action == "reactivate" else "active"
        subscriber_id = person(app, OWNERS[owner], status)
        before = _entries(app, subscriber_id)
        if (action, owner) in ALLOWED[who]:
            act(app, actor, action, subscriber_id)
            if action != "view":
                assert len(_entries(app, subscriber_id)) > len(before), (action, owner)
        else:
            with pytest.raises(PermissionDenied):
                act(app, actor, action, subscriber_id)
            assert _entries(app, subscriber_id) == before, (action, owner)
            with app.database.session() as session:
                stored = session.get(Subscriber, subscriber_id)
                assert stored is not None and stored.last_name == "" and stored.status == status


def _entries(app: App, subscriber_id: int) -> list[tuple[str, str]]:
    with app.database.session() as session:
        rows = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.subscriber_id == subscriber_id)
        )
        return [(entry.action, entry.detail) for entry in rows]


def test_a_coordinator_sees_their_lists_only(app: App) -> None:
    """A coordinator's search, person page, access data and « unsubscribe from all »
    cover their lists only: the Lettre's people and memberships stay out of sight and
    untouched."""
    coordinator, editor = actor_of(app, "reaap"), app.subscribers
    lettre_only = person(app, ("lettre",), last_name="Lettré")
    both = person(app, ("lettre", "reaap"), last_name="Lettré")
    editor.unsubscribe(actor_of(app, "editor"), both, "lettre")  # an entry about the Lettre
    found = editor.search(coordinator, Filters(q="lettre"))
    assert [p.id for p in found.people] == [both] and found.total == 1
    with pytest.raises(PermissionDenied):
        editor.search(coordinator, Filters(list_key="lettre"))
    page = editor.person(coordinator, both)
    assert [s.list_key for s in page.subscriptions] == ["reaap"]
    assert {c.list_key for c in page.consents} == {"reaap"}
    assert all(entry.list_key in (None, "reaap") for entry in page.history)
    data = editor.access(coordinator, both)
    assert [s["liste"] for s in data["abonnements"]] == ["reaap"]
    assert editor.unsubscribe(coordinator, both, None) == ["reaap"]
    with app.database.session() as session:
        statuses = {s.list_key: s.status for s in session.get(Subscriber, both).subscriptions}
    assert statuses == {"lettre": "unsubscribed", "reaap": "unsubscribed"}
    assert editor.search(coordinator, Filters()).total == 1
    assert lettre_only not in [p.id for p in editor.search(coordinator, Filters()).people]


def test_every_action_is_audited_without_personal_data(app: App) -> None:
    """Add, edit, unsubscribe, reactivate, erase and import each leave an entry naming the
    person by id only (and the list), never their address or name."""
    editor = actor_of(app, "editor")
    added = app.subscribers.add(editor, "Aicha.Benali@Ville-Bobigny.fr",
                                Details(first_name="Aïcha", last_name="Benali"), ["lettre"],
                                "appel du 3 décembre")  # fmt: skip
    subscriber_id = added.subscriber_id
    assert subscriber_id is not None and not added.invited
    app.subscribers.edit(editor, subscriber_id, Details(first_name="Aïcha", last_name="Benali",
                                                        commune="Bobigny"))  # fmt: skip
    app.subscribers.unsubscribe(editor, subscriber_id, "lettre")
    with app.database.session() as session:
        app.subscriber_store(session).set_status(session.get(Subscriber, subscriber_id),
                                                 "bounced", utcnow())  # fmt: skip
    app.subscribers.reactivate(editor, subscriber_id, "adresse corrigée par le service")
    data = b"courriel;nom\r\nnadia.haddad@cs-pantin.fr;Haddad\r\n"
    app.imports.run(editor, data, "reaap", "annuaire 2026")
    app.subscribers.forget(editor, subscriber_id)
    with app.database.session() as session:
        entries = list(session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))
    assert [(e.action, e.list_key) for e in entries] == [
        ("subscriber_add", "lettre"), ("subscriber_edit", None), ("unsubscribe", "lettre"),
        ("reactivate", None), ("import", "reaap"), ("forget", None),
    ]  # fmt: skip
    assert all(e.subscriber_id == subscriber_id for e in entries if e.action != "import")
    assert entries[1].detail == "commune"
    text = " ".join(f"{e.detail} {e.actor}" for e in entries).lower()
    for personal in ("aicha", "aïcha", "benali", "bobigny", "nadia", "haddad"):
        assert personal not in text


def test_adding_without_a_source_invites(app: App, smtp_server: Any, make_settings: Any) -> None:
    """Without a stated consent source an editor's addition is an invitation: the person
    stays pending and gets the confirmation email; an excluded address is refused both
    ways."""
    from tests.dispatching import relay

    app.settings = make_settings(transport=relay(smtp_server.port),
                                 subscribers=app.settings.subscribers.model_dump())  # fmt: skip
    editor = actor_of(app, "editor")
    added = app.subscribers.add(editor, "leila@cs-stains.fr", Details(), ["reaap"], "")
    assert added.invited and added.subscriber_id is not None
    with app.database.session() as session:
        stored = session.get(Subscriber, added.subscriber_id)
        assert [(s.list_key, s.status) for s in stored.subscriptions] == [("reaap", "pending")]
    assert [str(m.parsed()["To"]) for m in smtp_server.messages] == ["leila@cs-stains.fr"]
    app.subscribers.unsubscribe(editor, added.subscriber_id, None)
    for source in ("", "téléphone"):
        with pytest.raises(InputError, match="liste d'exclusion"):
            app.subscribers.add(editor, "leila@cs-stains.fr", Details(), ["reaap"], source)
    assert len(smtp_server.messages) == 1


def test_search_ignores_case_and_accents(app: App) -> None:
    """Typed words match address, names, organisation or commune whatever the case and
    accents; every word must match; filters narrow; the total counts all pages."""
    editor = actor_of(app, "editor")
    marie = person(app, ("lettre",), first_name="Marie-Hélène", last_name="Lefèvre",
                   organisation="Mairie d'Épinay-sur-Seine", commune="Épinay-sur-Seine",
                   department="93", profile="elu", themes=("education",),
                   format="text")  # fmt: skip
    person(app, ("lettre",), first_name="Marc", last_name="Lefebvre", commune="Bobigny",
           department="93", profile="professionnel")  # fmt: skip
    search = app.subscribers.search
    for typed in ("lefevre", "LEFÈVRE", "helene", "epinay sur", "Épinay-sur-Seine",
                  "mairie epinay", "ville-exemple.fr"):  # fmt: skip
        assert marie in [p.id for p in search(editor, Filters(q=typed)).people], typed
    assert search(editor, Filters(q="lefevre bobigny")).total == 0
    assert search(editor, Filters(q="100%")).total == 0
    for name, value in {"profile": "elu", "theme": "education", "format": "text"}.items():
        assert [p.id for p in search(editor, Filters(q="lef", **{name: value})).people] == [marie]
    both = Filters(q="lef", territory="93", list_key="lettre", subscription="active",
                   status="active")  # fmt: skip
    assert search(editor, both).total == 2
    assert search(editor, Filters(territory="epinay sur seine")).total == 1
    for _ in range(60):
        person(app, ("clas",), last_name="Nombreux")
    page_two = search(editor, Filters(q="nombreux"), page=2)
    assert page_two.total == 60 and len(page_two.people) == 10


def test_reactivation_lifts_only_the_bounce(app: App) -> None:
    """Reactivating a bounced address makes it a recipient again (status, score, its
    bounce suppression), needs a reason, and keeps an unsubscription the person asked."""
    editor = actor_of(app, "editor")
    subscriber_id = person(app, ("lettre", "reaap"))
    app.subscribers.unsubscribe(editor, subscriber_id, "reaap")
    with app.database.session() as session:
        found = session.get(Subscriber, subscriber_id)
        found.bounce_score = 3.2
        app.subscriber_store(session).set_status(found, "bounced", utcnow())
        assert count_audience(session, "lettre") == 0
    with pytest.raises(InputError, match="motif"):
        app.subscribers.reactivate(editor, subscriber_id, "  ")
    app.subscribers.reactivate(editor, subscriber_id, "la boîte a été rouverte")
    with app.database.session() as session:
        assert count_audience(session, "lettre") == 1 and count_audience(session, "reaap") == 0
        assert session.get(Subscriber, subscriber_id).bounce_score == 0
    with pytest.raises(InputError, match="déjà active"):
        app.subscribers.reactivate(editor, subscriber_id, "encore")


def test_list_figures_and_recent_bounces(app: App) -> None:
    """A list's page counts subscriptions by status, active people by profile and
    department, month by month; recent bounces are listed newest first, filtered by kind,
    and counted for the dashboard, a coordinator seeing their lists' only."""
    editor, coordinator = actor_of(app, "editor"), actor_of(app, "reaap")
    elu = person(app, ("reaap",), profile="elu", department="93", commune="Stains")
    other = person(app, ("lettre",), profile="etat", department="75")
    app.subscribers.unsubscribe(editor, person(app, ("reaap",)), "reaap")
    now = utcnow()
    with app.database.session() as session:
        for subscriber_id, kind, days in ((elu, "soft", 2), (other, "hard", 1), (elu, "hard", 40)):
            session.add(BounceEvent(subscriber_id=subscriber_id, kind=kind, status_code="5.1.1",
                                    diagnostic="User unknown", received_at=now - timedelta(days),
                                    score=1.0, effect="score 1,00"))  # fmt: skip
    page = app.overviews.list_page(editor, "reaap")
    assert page.figures.by_status == {"active": 1, "unsubscribed": 1}
    assert page.figures.by_profile == {"elu": 1} and page.figures.by_department == {"93": 1}
    assert page.figures.by_commune == [("Stains", 1)]
    assert [(m.joined, m.left) for m in page.figures.months] == [(2, 1)]
    rows, total = app.overviews.bounces(editor)
    assert total == 2 and [row.event.kind for row in rows] == ["hard", "soft"]
    assert app.overviews.bounces(editor, "soft")[1] == 1
    assert app.overviews.recent_counts(editor) == {"hard": 1, "soft": 1, "complaint": 0}
    assert app.overviews.recent_counts(coordinator) == {"hard": 0, "soft": 1, "complaint": 0}
    with pytest.raises(PermissionDenied):
        app.overviews.list_page(coordinator, "lettre")
    assert list(app.overviews.lists(coordinator)) == ["reaap"]


def test_segments_count_save_and_delete(app: App) -> None:
    """A rule's count is the audience's; a saved segment is named after its label, renamed,
    and may not be deleted while an edition still to go out uses it; coordinators may not
    touch segments; formats filter."""
    editor = actor_of(app, "editor")
    for details in ({"profile": "elu", "format": "text"}, {"profile": "elu"}, {}):
        person(app, ("lettre",), **details)
    rule = {"profiles": ["elu"], "formats": ["text"]}
    count = app.segmenting.count(editor, rule, "lettre")
    assert count.total == 1 and len(count.sample) == 1
    assert app.segmenting.count(editor, {"profiles": ["elu"]}).total == 2
    name = app.segmenting.save(editor, "Élus en texte seul", rule)
    assert name == "elus-en-texte-seul"
    assert app.segmenting.save(editor, "Élus en texte seul", rule) == "elus-en-texte-seul-2"
    app.segmenting.rename(editor, name, "Élus (texte)")
    assert app.segmenting.get(editor, name).label == "Élus (texte)"
    with app.database.session() as session:
        edition = Edition(newsletter="lettre", number=1, state="draft", send_at=utcnow(),
                          next_send_at=utcnow())  # fmt: skip
        session.add(edition)
        session.flush()
        edition_id = edition.id
    assert (
        app.segmenting.choose(editor, edition_id, name)
        == "Destinataires : segment « Élus (texte) »."
    )
    confirmation = app.editing.confirmation(edition_id)  # what a send would go to
    assert (confirmation.segment_label, confirmation.recipients) == ("Élus (texte)", 1)
    with pytest.raises(InputError, match="La Lettre de Profession Banlieue n° 1"):
        app.segmenting.delete(editor, name)
    app.segmenting.delete(editor, "elus-en-texte-seul-2")
    with pytest.raises(InputError, match=r"config\.toml"):
        app.segmenting.delete(editor, "elus-93")
    with pytest.raises(PermissionDenied):
        app.segmenting.count(actor_of(app, "reaap"), rule)
    with pytest.raises(InputError, match="format inconnu"):
        app.segmenting.count(editor, {"formats": ["pdf"]})


def test_exports_follow_the_same_rules(app: App) -> None:
    """A coordinator exports their list only, without other lists' memberships; the
    export is recorded; an editor exports a segment."""
    editor, coordinator = actor_of(app, "editor"), actor_of(app, "reaap")
    person(app, ("lettre", "reaap"), last_name="Double")
    person(app, ("lettre",), last_name="Lettre")
    buffer = io.StringIO()
    assert app.imports.export(coordinator, buffer, "reaap", None) == 1
    row = buffer.getvalue().splitlines()[1]
    assert "Double" in row and ";reaap;" in row and "lettre" not in row
    for list_key, segment in (("lettre", None), (None, None), ("reaap", "elus-93")):
        with pytest.raises((PermissionDenied, InputError)):
            app.imports.export(coordinator, io.StringIO(), list_key, segment)
    assert app.imports.export(editor, io.StringIO(), None, "elus-93") == 0
    with app.database.session() as session:
        actions = list(session.scalars(sa.select(AuditEntry.action)))
    assert actions == ["export", "export"]
