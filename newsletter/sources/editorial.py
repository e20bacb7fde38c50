"""Editorial input: fiches, mouvements, publications, ressources and rendez-vous typed in by
editors, imported from CSV or JSON. A file with any bad row imports nothing; every bad row
is reported with its line number."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from newsletter.content.authors import check_authors, sign
from newsletter.content.classify import Classifier
from newsletter.content.entries import Entry, stable_id
from newsletter.content.prepare import prepare
from newsletter.content.rules import check_dates, check_keys, check_kind
from newsletter.content.sanitise import clean_html, clean_text, text_to_html, web_link
from newsletter.content.store import ItemStore, SaveOutcome
from newsletter.db import Database
from newsletter.errors import InputError
from newsletter.settings import ClassificationSettings, Settings
from newsletter.sources.dates import parse_french_date
from newsletter.sources.store import SourceStore
from newsletter.tabular import Row, read_table
from newsletter.text import words
from newsletter.vocabulary import ITEM_KINDS

EDITORIAL_SOURCE = "editorial"
COLUMNS: dict[str, tuple[str, ...]] = {
    "guid": ("id", "identifiant", "guid", "reference"),
    "kind": ("type", "kind", "rubrique", "genre"),
    "title": ("titre", "title", "intitule"),
    "summary": ("resume", "summary", "texte", "description", "chapo"),
    "url": ("lien", "url", "link", "adresse web"),
    "published_at": ("date", "publie le", "published", "published at", "date de publication"),
    "starts_at": ("debut", "start", "date de debut", "starts at"),
    "ends_at": ("fin", "end", "date de fin", "ends at"),
    "place": ("lieu", "place", "location"),
    "organiser": ("organisateur", "organiser", "organisateurs", "structure"),
    "registration_url": ("inscription", "registration", "lien d inscription"),
    "cancelled": ("annule", "cancelled", "canceled"),
    "themes": ("themes", "theme"),
    "networks": ("reseaux", "reseau", "networks", "network"),
    "territory": ("territoire", "territory", "commune"),
}
ALIASES = {words(alias): column for column, names in COLUMNS.items() for alias in names}
TRUE = {"oui", "o", "yes", "y", "vrai", "true", "1", "x"}
MAX_GUID = 500
# Dates outside these years are typing mistakes (and some cannot be stored in UTC).
YEARS = range(1900, 2201)


@dataclass
class ImportReport:
    entries: list[Entry] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # each entry's line in the file
    errors: list[str] = field(default_factory=list)


def read_file(path: Path) -> list[Row]:
    """Rows of a CSV or JSON file (a list of objects, or ``{"items": [...]}``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"fichier illisible : {path} ({exc.strerror})") from None
    if path.suffix.lower() != ".json":
        return list(read_table(data, ALIASES).rows)
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"JSON invalide : {exc}", "vérifiez la syntaxe du fichier") from None
    records = document.get("items") if isinstance(document, dict) else document
    if not isinstance(records, list):
        raise InputError("JSON inattendu", 'attendu : une liste d\'objets ou {"items": [...]}')
    return [Row(number, _json_values(record)) for number, record in enumerate(records, 1)]


def _json_values(record: Any) -> dict[str, str]:
    if not isinstance(record, dict):
        return {}
    values = {}
    for key, value in record.items():
        column = ALIASES.get(words(str(key)))
        if column is not None and value is not None:
            values[column] = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return values


def parse_rows(
    rows: Iterable[Row], classification: ClassificationSettings, timezone: str
) -> ImportReport:
    """Turn rows into entries; collect one French error line per bad row."""
    report = ImportReport()
    for row in rows:
        try:
            report.entries.append(parse_record(row.values, classification, timezone))
            report.lines.append(row.line)
        except InputError as exc:
            report.errors.append(f"ligne {row.line} : {exc.message}")
    return report


def parse_record(
    values: dict[str, str], classification: ClassificationSettings, timezone: str
) -> Entry:
    """One item typed by an editor (a file row, the web form, the API), validated and
    sanitised; keys are the canonical column names of ``COLUMNS``."""
    zone = ZoneInfo(timezone)
    values = {column: text.replace("\x00", "") for column, text in values.items()}
    kind = words(values.get("kind", "")).replace(" ", "_")
    if kind not in ITEM_KINDS:
        check_kind(clean_text(values.get("kind", ""), 40))
    title = clean_text(values.get("title", ""))
    if not title:
        raise InputError("titre manquant")
    starts_at = parse_date(values.get("starts_at", ""), zone, "starts_at")
    ends_at = parse_date(values.get("ends_at", ""), zone, "ends_at")
    check_dates(kind, starts_at, ends_at)
    published = parse_date(values.get("published_at", ""), zone, "published_at")
    url = _http_url(values.get("url", ""), "lien")
    summary = values.get("summary", "")
    guid = values.get("guid", "").strip() or stable_id(kind, title, starts_at or "")
    if len(guid) > MAX_GUID:
        raise InputError(f"identifiant trop long ({MAX_GUID} caractères au plus)")
    return Entry(
        source_key=EDITORIAL_SOURCE,
        guid=f"{EDITORIAL_SOURCE}:{guid}",
        title=title,
        kind=kind,
        published_at=published,  # none: dated when first stored
        url=url,
        summary=clean_html(summary if "<" in summary else text_to_html(summary), url),
        themes=parse_keys(values.get("themes", ""), classification.themes, "thème"),
        networks=parse_keys(values.get("networks", ""), classification.networks, "réseau"),
        territory=clean_text(values.get("territory", ""), 200),
        starts_at=starts_at,
        ends_at=ends_at,
        place=clean_text(values.get("place", "")),
        organiser=clean_text(values.get("organiser", ""), 300),
        registration_url=_http_url(values.get("registration_url", ""), "lien d'inscription"),
        cancelled=words(values.get("cancelled", "")) in TRUE,
    )


def _http_url(text: str, label: str) -> str:
    """An absolute http(s) address without spaces (the rule of ``web_link``, which feeds
    follow too), or an empty string; anything else is refused."""
    text = text.strip()
    link = web_link(text) if not any(char.isspace() for char in text) else None
    if link is None:
        shown = clean_text(text, 80)
        raise InputError(f"{label} « {shown} » : adresse http(s) invalide")
    return link


def parse_date(text: str, zone: ZoneInfo, column: str) -> datetime | None:
    """An ISO or French date; without a zone it is in ``zone``; empty gives None."""
    text = text.strip()
    if not text:
        return None
    try:
        value: datetime | None = datetime.fromisoformat(text)
    except ValueError:
        value = parse_french_date(text, str(zone))
    if value is None:
        raise InputError(f"date illisible « {text[:80]} » (colonne {column})")
    if value.year not in YEARS:
        raise InputError(f"date hors limites « {text} » (colonne {column})")
    return value if value.tzinfo else value.replace(tzinfo=zone)


def parse_keys(text: str, known: dict[str, Any], label: str) -> tuple[str, ...]:
    """Theme or network keys separated by commas or semicolons, each one known."""
    return check_keys(text.replace(";", ",").split(","), known, label)


def read_entries(settings: Settings, path: Path) -> ImportReport:
    """The entries of a CSV or JSON file, and one French line per bad row."""
    return parse_rows(read_file(path), settings.classification, settings.fetch.timezone)


def import_file(
    database: Database, settings: Settings, path: Path, author: str
) -> tuple[SaveOutcome | None, list[str]]:
    """Import a file in one transaction; with any bad row, nothing is written."""
    report = read_entries(settings, path)
    if report.errors:
        return None, report.errors
    with database.session() as session:
        return save_editorial(session, settings, report.entries, author), []


def save_editorial(
    session: Session, settings: Settings, entries: list[Entry], author: str
) -> SaveOutcome:
    """Prepare (classify, dedup keys) and store entries under the editorial source, typed
    by ``author``; an identity another author already used is refused (content.authors)."""
    classifier = Classifier.from_settings(settings.classification)
    prepared = prepare(entries, classifier, settings.fetch.timezone)
    source = SourceStore(session).ensure(EDITORIAL_SOURCE, "Saisie éditoriale")
    guids = [entry.guid for entry in prepared]
    check_authors(session, source.id, guids, author)
    outcome = ItemStore(session).save_entries(source.id, prepared)
    sign(session, source.id, guids, author)
    return outcome
