"""Editions as editors write them, on SQLite and PostgreSQL: texts kept as typed, an
edition's own title, summary and link for an item (frozen at approval), special issues,
« rubrique automatique », and rubriques limited to territories."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from newsletter.content.models import Item
from newsletter.content.territories import territories_of
from newsletter.db import Database
from newsletter.editions.assembly import assemble, assemble_special, choose_territories
from newsletter.editions.notices import draft_notice
from newsletter.editions.snapshots import differences, thaw
from newsletter.editions.store import EditionStore
from newsletter.editions.summary import summarise
from newsletter.editions.views import edition_view
from newsletter.errors import InputError
from newsletter.settings import NewsletterSettings, OrganisationSettings
from newsletter.sources.models import Source
from newsletter.vocabulary import ELSEWHERE, ONLINE, REGION
from tests.test_editions_assembly import (
    FIRST,
    LETTRE,
    SEND,
    ZONE,
    add,
    approve,
    event,
    make,
    titles,
)
from tests.test_editions_assembly import send as send_edition

AGENDA = NewsletterSettings(
    **LETTRE.model_dump(exclude={"sections"}),
    sections=[
        {"key": "edito", "title": "Édito", "text": "edito"},
        {"key": "fiches", "title": "Fiches", "kinds": ["fiche"]},
        {"key": "ici", "title": "Rendez-vous", "kinds": ["agenda"],
         "territories": ["seine-saint-denis", "ile de france", "en ligne"]},
        {"key": "ailleurs", "title": "Ailleurs en France", "kinds": ["agenda"],
         "territories": ["Ailleurs en France"]},
        {"key": "mouvements", "title": "Mouvements", "text": "mouvements", "kinds": ["mouvement"]},
    ],
)  # fmt: skip


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    with database.session() as opened:
        opened.add(Source(key="pb", name="Profession Banlieue", url="http://x/pb"))
        opened.add(Source(key="partenaires", name="Partenaires", url="http://x/p"))
        opened.flush()
        yield opened


def view_of(store: EditionStore, edition_id: int, newsletter: NewsletterSettings = LETTRE) -> str:
    """The live view's fiches: title | excerpt | link, one line each."""
    edition = store.get(edition_id)
    view = edition_view(edition, newsletter, OrganisationSettings(), store.credits(edition))
    return "\n".join(f"{i.title} | {i.excerpt} | {i.url}"
                     for s in view.sections for i in s.items)  # fmt: skip


def test_texts_are_kept_as_typed_and_rendered_sanitised(session: Session) -> None:
    """The édito is stored as the editor typed it; the view renders it through the
    allow-list (Markdown understood, script dropped)."""
    store = EditionStore(session)
    edition = make(store)
    typed = "Chers lecteurs,\r\n\r\nLes **Rencontres** <script>alert(1)</script> !\r\n"
    assert store.set_texts(edition, edito=typed)
    assert edition.edito == "Chers lecteurs,\n\nLes **Rencontres** <script>alert(1)</script> !"
    assert not store.set_texts(edition, edito=typed)  # the same text again: no change
    view = edition_view(edition, LETTRE, OrganisationSettings(), {})
    html = str(view.sections[0].text_html)
    assert "<strong>Rencontres</strong>" in html and "<script" not in html
    assert html.startswith("<p>Chers lecteurs,</p>")


def test_an_edition_says_its_own_title_summary_and_link(session: Session) -> None:
    """An override changes what this edition shows, never the item; approval freezes it;
    a later change shows as a difference, and abandoning it restores the approved one."""
    item = add(session, "Titre de la source", SEND - timedelta(days=2))
    store = EditionStore(session)
    edition = make(store)
    with pytest.raises(InputError, match="lien invalide"):
        store.set_override(edition, item.id, "x", "", "javascript:alert(1)")
    assert store.set_override(edition, item.id, "Titre pour la Lettre", "  Deux lignes\n à lire ",
                              "https://exemple.fr/autre")  # fmt: skip
    assert view_of(store, edition.id) == (
        "Titre pour la Lettre | Deux lignes à lire | https://exemple.fr/autre"
    )
    session.expire_all()
    source = session.get(Item, item.id)
    assert source is not None and source.title == "Titre de la source"
    assert source.url == "https://x.fr/Titre de la source"
    # Typing the item's own title or link back keeps nothing of the edition's.
    assert store.set_override(edition, item.id, "Titre de la source", "", source.url)
    entry = edition.entries[0]
    assert (entry.title, entry.summary, entry.url) == ("", "", "")

    store.set_override(edition, item.id, "Titre approuvé", "", "")
    approve(store, edition)
    frozen = thaw(edition.snapshot or {})
    assert [i.title for s in frozen.sections for i in s.items] == ["Titre approuvé"]
    store.set_override(edition, item.id, "Titre changé ensuite", "", "")
    assert edition.state == "draft"  # changed after approval: to approve again
    live = edition_view(edition, LETTRE, OrganisationSettings(), {})
    assert differences(frozen, live) == ["Fiches : « Titre changé ensuite » — titre modifié(s)"]
    store.restore_approved(edition)
    session.flush()
    assert (edition.state, edition.entries[0].title) == ("approved", "Titre approuvé")
    send_edition(store, edition)
    assert [i.title for s in thaw(edition.snapshot or {}).sections for i in s.items] == [
        "Titre approuvé"
    ]


def test_special_issue(session: Session) -> None:
    """A special issue takes the next number, its own subject and date, the chosen items
    each in its rubrique; it neither blocks the regular draft nor counts as announcing."""
    fiche = add(session, "une fiche", SEND - timedelta(days=2))
    rencontres = event(
        session, "les Rencontres", SEND + timedelta(days=20), place="93200 Saint-Denis"
    )
    store = EditionStore(session)
    now = SEND - timedelta(days=10)
    with pytest.raises(InputError, match="est passé"):
        assemble_special(store, "lettre", AGENDA, ZONE, "Invitation", date(2026, 10, 1),
                         [rencontres.id], now)  # fmt: skip
    publication = add(session, "une publication", SEND - timedelta(days=1), kind="publication")
    with pytest.raises(InputError, match="ne reçoit d’élément de type « Publication »"):
        assemble_special(store, "lettre", AGENDA, ZONE, "Invitation", date(2026, 10, 27),
                         [publication.id], now)  # fmt: skip
    special = assemble_special(store, "lettre", AGENDA, ZONE, "  Invitation aux  Rencontres ",
                               date(2026, 10, 27), [rencontres.id, fiche.id], now)  # fmt: skip
    assert (special.number, special.special, special.subject) == (
        87,
        True,
        "Invitation aux Rencontres",
    )
    assert special.period == "27 octobre 2026"
    assert titles(special) == {"fiches": ["une fiche"], "ici": ["les Rencontres"]}
    summary = summarise(special, AGENDA)
    assert summary.counts == "2 éléments en 2 rubriques"
    assert summary.warnings == ("à écrire : l’édito",)  # no empty rubrique, no mouvements
    send_edition(store, special)
    regular = make(store)  # not blocked, numbered after it, window and items unchanged
    assert regular.number == 88 and regular.id != special.id
    assert titles(regular) == {"fiches": ["une fiche"], "agenda": ["les Rencontres"]}


def test_rubrique_automatique(session: Session) -> None:
    """An added item goes to the first rubrique it fits, else to the first taking its kind;
    a kind no rubrique takes is explained in editors' words."""
    store = EditionStore(session)
    edition = make(store)
    partner = add(session, "actu partenaire", SEND - timedelta(days=300), kind="actualite",
                  source="partenaires")  # fmt: skip
    assert store.add_item(edition, partner.id, LETTRE, None).section == "partenaires"
    far = event(session, "à Dijon", SEND + timedelta(days=3), place="Dijon (21)")
    assert store.add_item(edition, far.id, AGENDA, None).section == "ailleurs"
    publication = add(session, "une publication", SEND - timedelta(days=1), kind="publication")
    with pytest.raises(InputError) as refused:
        store.add_item(edition, publication.id, AGENDA, None)
    assert refused.value.message == (
        "aucune rubrique de « La Lettre » ne reçoit d’élément de type « Publication »"
    )
    assert "--" not in str(refused.value) and "`" not in str(refused.value)
    with pytest.raises(InputError, match="« à Dijon » est déjà dans cette édition"):
        store.add_item(edition, far.id, AGENDA, None)


def test_territories_of_items() -> None:
    """Territories come from the source's territory and the place's postal code or
    department number; online events are « En ligne »; nothing known gives nothing."""
    assert territories_of("Seine-Saint-Denis", "") == {"Seine-Saint-Denis", REGION}
    assert territories_of("", "15 rue Catulienne, 93200 Saint-Denis") == {"Seine-Saint-Denis",
                                                                         REGION}  # fmt: skip
    assert territories_of("", "Gennevilliers (92)") == {"Hauts-de-Seine", REGION}
    assert territories_of("", "Maison Diocésaine, 21000 Dijon") == {ELSEWHERE}
    assert territories_of("", "Bordeaux (33)") == {ELSEWHERE}
    assert territories_of("", "En ligne (webconférence)") == {ONLINE}
    assert territories_of("", "Saint-Ouen-sur-Seine") == frozenset()


def test_rubriques_limited_to_territories(session: Session) -> None:
    """The agenda of a Seine-Saint-Denis readership keeps events of the department, the
    region and online; national ones go to « Ailleurs en France »; unknown places to none.
    An edition may choose other territories for a rubrique, whose items are chosen again."""
    for title, place in (("à Saint-Denis", "93200 Saint-Denis"), ("à Bordeaux", "Bordeaux (33)"),
                         ("en ligne", "En ligne"), ("à Nanterre", "Nanterre (92)"),
                         ("quelque part", "Salle des fêtes")):  # fmt: skip
        event(session, title, SEND + timedelta(days=5), place=place)
    store = EditionStore(session)
    edition = assemble(store, "lettre", AGENDA, ZONE, day=FIRST, now=SEND - timedelta(days=2))
    assert {key: sorted(found) for key, found in titles(edition).items()} == {
        "ici": ["en ligne", "à Nanterre", "à Saint-Denis"], "ailleurs": ["à Bordeaux"],
    }  # fmt: skip
    count = choose_territories(store, edition, AGENDA, ZONE, "ici", ["Seine-Saint-Denis"])
    assert count == 1 and edition.territories == {"ici": ["Seine-Saint-Denis"]}
    assert titles(edition)["ici"] == ["à Saint-Denis"]
    again = assemble(store, "lettre", AGENDA, ZONE, replace=True, now=SEND - timedelta(days=2))
    assert titles(again)["ici"] == ["à Saint-Denis"]  # redoing the draft keeps its choice
    with pytest.raises(InputError, match="territoire inconnu : Lyon"):
        choose_territories(store, edition, AGENDA, ZONE, "ici", ["Lyon"])
    choose_territories(store, edition, AGENDA, ZONE, "ici", [])  # back to config.toml's
    assert edition.territories == {} and len(titles(edition)["ici"]) == 3


def test_draft_notice_speaks_to_editors(session: Session) -> None:
    """The draft notice gives counts, warns of an empty edition or rubrique and of texts to
    write, and has one link and no command line."""
    store = EditionStore(session)
    empty = make(store)
    body = draft_notice(empty, LETTRE, "redaction@exemple.fr", "https://l.fr/editeurs/editions/1",
                        ZONE, SEND).get_content()  # fmt: skip
    assert "est prêt : aucun élément." in body
    assert "- Aucun élément : ajoutez-en, ou vérifiez que les sources ont été lues." in body
    assert "- À écrire : l’édito et les mouvements." in body
    assert body.count("https://") == 1 and "newsletter " not in body and "`" not in body
    add(session, "une fiche", SEND - timedelta(days=1))
    filled = make(store, replace=True)
    summary = summarise(filled, LETTRE)
    assert summary.counts == "1 élément en 1 rubrique"
    assert "rubrique « Rendez-vous » vide" in summary.warnings
    assert "rubrique « Édito » vide" not in summary.warnings  # texts are warned of apart
