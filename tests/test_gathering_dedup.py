"""Dedup that never loses an item: GUIDs per source, merges only on strong evidence, each
merge explained and reversible (store, `newsletter items show|split`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsletter.cli import cli
from newsletter.content.store import ItemStore
from newsletter.db import Database
from newsletter.errors import InputError
from newsletter.settings import Settings
from tests.gathering import ICS_TYPE, calendar, item, partners, rss

SOON = (datetime.now(UTC) + timedelta(days=20)).strftime("%Y%m%d")


def event(uid: str, title: str, place: str, organiser: str = "", at: str = "180000") -> str:
    return f"""UID:{uid}
SUMMARY:{title}
DTSTART;TZID=Europe/Paris:{SOON}T{at}
DTEND;TZID=Europe/Paris:{SOON}T200000
LOCATION:{place}
ORGANIZER;CN={organiser or "Centre social"}:mailto:contact@exemple.fr"""


def test_same_guid_in_two_sources_gives_two_items(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    """Two partners both numbering their items "1" get two items, and a second gathering
    neither duplicates nor mixes them."""
    with partners(database, make_settings) as sources:
        sources.publish("a", rss(item("Atelier cuisine", "1", "https://a.exemple.fr/1")))
        sources.publish("b", rss(item("Permanence juridique", "1", "https://b.exemple.fr/1")))
        first = sources.gather()
        sources.publish("b", rss(item("Permanence juridique (lundi)", "1",
                                      "https://b.exemple.fr/1")))  # fmt: skip
        again = sources.gather()
        stored = sources.items()
    assert first["a"].saved.new == first["b"].saved.new == 1
    assert again["b"].saved.updated == 1 and again["a"].not_modified
    assert [i.title for i in stored] == ["Atelier cuisine", "Permanence juridique (lundi)"]
    assert all(len(i.sources) == 1 for i in stored)


def test_same_title_and_day_elsewhere_is_another_event(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    """ "Assemblée générale" in Bobigny and in Saint-Denis at the same time are two items;
    the same event announced with a fuller address is merged, and says why."""
    with partners(database, make_settings) as sources:
        sources.publish("bobigny", calendar(event("ag-1@bobigny", "Assemblée générale",
                                                  "Bobigny"),
                                            event("forum@bobigny", "Forum des parents",
                                                  "Salle Pablo Neruda, Bobigny"),
                                            event("ag-2@bobigny", "Assemblée générale",
                                                  "Bobigny", at="100000")),
                        ICS_TYPE, type="ical")  # fmt: skip
        sources.publish("saint-denis", calendar(event("1", "Assemblée générale", "Saint-Denis"),
                                                event("2", "Forum des parents", "Bobigny")),
                        ICS_TYPE, type="ical")  # fmt: skip
        reports = sources.gather()
        stored = sources.items()
    assert reports["saint-denis"].saved.new == 1 and reports["saint-denis"].saved.merged == 1
    assemblies = [i for i in stored if i.title == "Assemblée générale"]
    assert sorted(i.place for i in assemblies) == ["Bobigny", "Bobigny", "Saint-Denis"]
    assert all(len(i.sources) == 1 for i in assemblies)
    (forum,) = [i for i in stored if i.title == "Forum des parents"]
    assert forum.place == "Salle Pablo Neruda, Bobigny"
    assert forum.sources[1].merge_reason == (
        "même titre et même début, lieu et organisateur compatibles"
    )


def test_a_shared_page_is_not_evidence_within_one_source(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    """Entries of one feed that all link to the partner's agenda page, or to its home page,
    stay distinct items; across sources, the same article page merges."""
    agenda = "https://partenaire.exemple.fr/agenda"
    with partners(database, make_settings) as sources:
        sources.publish(
            "a",
            rss(
                item("Café des parents", "c1", agenda),
                item("Sortie au musée", "c2", agenda),
                item("Fête de quartier", "c3", "https://a.exemple.fr/"),
            ),
        )
        sources.publish("b", rss(item("Fête du quartier", "f1", "https://a.exemple.fr/"),
                                 item("Le café des parents revient", "f2",
                                      f"{agenda}?utm_source=lettre#haut")))  # fmt: skip
        reports = sources.gather()
        stored = sources.items()
    assert reports["a"].saved.new == 3
    assert reports["b"].saved.new == 1 and reports["b"].saved.merged == 1
    merged = [i for i in stored if len(i.sources) == 2]
    assert [i.title for i in merged] == ["Café des parents"]
    assert merged[0].sources[1].merge_reason == f"même adresse ({agenda})"
    assert merged[0].sources[1].url == f"{agenda}?utm_source=lettre#haut"


def test_an_entry_without_guid_link_or_date_keeps_its_identity(
    database: Database, make_settings: Callable[..., Settings]
) -> None:
    """An entry with neither GUID, link nor date is identified by what it says: fetched
    again (even changed, or marked "ANNULÉ :"), it is the same item, updated."""
    with partners(database, make_settings) as sources:
        sources.publish("a", rss(item("Fermeture estivale", body="Du 1er au 15 août.")))
        sources.gather()
        sources.publish("a", rss(item("Fermeture estivale", body="Du 1er au 20 août.")))
        changed = sources.gather()["a"]
        sources.publish("a", rss(item("ANNULÉ : Fermeture estivale", body="Du 1er au 20 août.")))
        cancelled = sources.gather()["a"]
        stored = sources.items()
    assert changed.saved.updated == 1 and cancelled.saved.updated == 1
    assert len(stored) == 1 and stored[0].cancelled and "20 août" in stored[0].summary


def test_merges_are_shown_and_split(
    database: Database, make_settings: Callable[..., Settings],
    write_config: Callable[..., Path],
) -> None:  # fmt: skip
    """A merged announcement never changes the item, but what it says is kept: `items show`
    says why it was merged; `items split` makes it an item of its own, as its source last
    described it; that source's later updates go to that item, never back to the first."""
    page = "https://crpv.exemple.fr/agenda/rencontre-jeunesse"
    config = write_config(database={"url": database.url})

    def crpv(title: str) -> bytes:
        return rss(item(title, "crpv-9", page, "Wed, 05 Mar 2025 10:00:00 +0100", "Leur annonce."))

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--config", str(config), *args],
                                    env={"COLUMNS": "200"})  # fmt: skip
        assert result.exit_code == 0, result.output
        return result.output

    with partners(database, make_settings) as sources:
        sources.publish(
            "pb",
            rss(
                item(
                    "Rencontre jeunesse",
                    "pb-1",
                    page,
                    "Tue, 04 Mar 2025 09:00:00 +0100",
                    "Notre rencontre.",
                )
            ),
        )
        sources.publish("crpv", crpv("Rencontres jeunesse du réseau"))
        sources.gather()
        sources.publish("crpv", crpv("Rencontres jeunesse du réseau (nouveau lieu)"))
        assert sources.gather()["crpv"].saved.updated == 0
        (merged,) = sources.items()
        shown = run("items", "show", str(merged.id))
        assert f"crpv (crpv-9) — fusionnée : même adresse ({page})" in shown
        assert "pb (pb-1) — référence" in shown
        assert f"nouveaux éléments n° {merged.id + 1}" in run("items", "split", str(merged.id))
        _, split_off = sources.items()
        sources.publish("crpv", crpv("Rencontres jeunesse (complet)"))
        again = sources.gather()
        first, updated = sources.items()
    assert merged.title == "Rencontre jeunesse" and merged.revision == 1
    assert split_off.title == "Rencontres jeunesse du réseau (nouveau lieu)"
    assert (split_off.summary, split_off.url) == ("Leur annonce.", page)
    assert split_off.published_at == datetime(2025, 3, 5, 9, tzinfo=UTC)
    assert [s.guid for s in split_off.sources] == ["crpv-9"]
    assert again["crpv"].saved.updated == 1 and again["crpv"].saved.merged == 0
    assert (first.title, [s.guid for s in first.sources]) == ("Rencontre jeunesse", ["pb-1"])
    assert updated.title == "Rencontres jeunesse (complet)"
    with database.session() as session, pytest.raises(InputError, match="ne réunit pas"):
        ItemStore(session).split(first.id)
