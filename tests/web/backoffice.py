"""What the back-office web tests share: an audience of sample people on the Lettre and
the Réaap, bounces, accounts, and an office-style file to import."""

from __future__ import annotations

from datetime import timedelta

from newsletter.accounts.permissions import OPERATOR
from newsletter.app import App
from newsletter.db import utcnow
from newsletter.demo.people import Person, csv_text, people, row
from subscribers.bounces import EFFECTS
from subscribers.models import BounceEvent
from tests.web.conftest import add_user

LETTRE, REAAP = 40, 15  # the first REAAP people are on both lists
EDITOR, COORDINATOR = "redaction@exemple.fr", "coord.reaap@exemple.fr"


def audience(app: App) -> list[Person]:
    """Sample people imported into the Lettre, the first ones into the Réaap too (two of
    them bounced, one soft bounce); an editor and a Réaap coordinator."""
    everyone = people(LETTRE + 30, seed=15)
    for list_key, size in (("lettre", LETTRE), ("reaap", REAAP)):
        data = csv_text(row(person) for person in everyone[:size]).encode()
        app.imports.run(OPERATOR, data, list_key, "annuaire 2025")
    now = utcnow()
    with app.database.session() as session:
        store = app.subscriber_store(session)
        for person, kind in ((everyone[1], "hard"), (everyone[2], "hard"), (everyone[7], "soft")):
            found = store.get(person.email)
            effect = EFFECTS["bounced"] if kind == "hard" else "score 1,00"
            session.add(BounceEvent(subscriber_id=found.id, kind=kind, status_code="5.1.1",
                                    diagnostic=f"550 5.1.1 <{person.email}>: User unknown",
                                    received_at=now - timedelta(days=2),
                                    score=float(kind == "soft"), effect=effect))  # fmt: skip
            if kind == "hard":
                store.set_status(found, "bounced", now)
    add_user(app, EDITOR, "editor", name="Rédaction")
    add_user(app, COORDINATOR, "coordinator", ("reaap",), name="Coordination Réaap")
    return everyone


def office_file(newcomers: list[Person]) -> bytes:
    """A file as an office saves it (Windows-1252, ;): the address column under a title
    no reader knows, one bad address, one duplicate."""
    lines = [row(person) for person in newcomers]
    lines.insert(2, row(newcomers[0], email="pas-une-adresse"))
    lines.append(row(newcomers[1], email=newcomers[1].email.upper()))
    text = csv_text(lines).replace("Adresse électronique", "Courriel professionnel (pro)")
    return text.encode("cp1252")
