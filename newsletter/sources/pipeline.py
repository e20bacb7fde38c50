"""Gathering: fetch → parse → sanitise → classify → dedupe → store, one source at a time.

Sources are fetched concurrently; each one that fails is recorded and skipped while the
others go on. Storing happens source by source, each in its own transaction, so an
interruption never leaves a source half written; a database locked by another writer is
waited for, then retried, and if it stays locked only the source being stored fails.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from sqlalchemy.orm import Session

from newsletter.content.classify import Classifier
from newsletter.content.entries import Entry
from newsletter.content.prepare import prepare
from newsletter.content.store import ItemStore, SaveOutcome
from newsletter.db import Database
from newsletter.errors import DatabaseError, SourceError
from newsletter.images.store import ImageStore
from newsletter.settings import FetchSettings, Settings, SourceSettings
from newsletter.sources.feeds import parse_feed
from newsletter.sources.http import Fetched, Validators, fetch, make_client
from newsletter.sources.ical import Horizon, parse_ical
from newsletter.sources.parsed import Parsed
from newsletter.sources.store import SourceStore

log = logging.getLogger("lettre.sources")
SHOWN_WARNINGS = 8


@dataclass
class SourceReport:
    """What happened to one source during a gathering run."""

    key: str
    name: str
    seconds: float = 0.0
    not_modified: bool = False
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    saved: SaveOutcome = field(default_factory=SaveOutcome)

    @property
    def ok(self) -> bool:
        return not self.error


@dataclass
class Fetch:
    """The network and parsing half of a source's run (no database involved)."""

    settings: SourceSettings
    fetched: Fetched | None = None
    parsed: Parsed | None = None
    error: str = ""
    seconds: float = 0.0


Progress = Callable[[SourceReport], None]


def gather(
    settings: Settings,
    database: Database,
    on_source: Progress | None = None,
    only: Sequence[str] = (),
) -> list[SourceReport]:
    """Run every enabled source (or those named in ``only``) once; store what they bring."""
    declared = [s for s in settings.sources if s.enabled and (not only or s.key in only)]
    with database.session() as session:
        validators = {
            key: Validators(row.etag, row.last_modified)
            for key, row in SourceStore(session).sync(declared).items()
        }
    classifier = Classifier.from_settings(settings.classification)

    def store(done: Fetch) -> SourceReport:
        report = _store(done, database)
        if on_source:
            on_source(report)
        return report

    return asyncio.run(_run(declared, validators, settings.fetch, classifier, store))


async def _run(
    declared: Sequence[SourceSettings],
    validators: dict[str, Validators],
    config: FetchSettings,
    classifier: Classifier,
    store: Callable[[Fetch], SourceReport],
) -> list[SourceReport]:
    """Fetch concurrently, parse in worker processes, store as sources become ready."""
    workers = max(1, min(len(declared), os.cpu_count() or 1))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        async with make_client(config) as client:
            tasks = [
                asyncio.create_task(
                    _fetch_one(client, pool, source, validators[source.key], config, classifier)
                )
                for source in declared
            ]
            # Stored in declaration order (the first source announcing an item is its
            # reference), each as soon as it is ready, while the others are still coming.
            return [store(await task) for task in tasks]


async def _fetch_one(
    client: httpx.AsyncClient,
    pool: Executor,
    source: SourceSettings,
    validators: Validators,
    config: FetchSettings,
    classifier: Classifier,
) -> Fetch:
    started = time.perf_counter()
    result = Fetch(source)
    try:
        result.fetched = await fetch(client, source.url, validators, config)
        if result.fetched.body is not None:
            # Parsing and preparing are CPU work: in worker processes, off the event loop.
            loop = asyncio.get_running_loop()
            result.parsed = await loop.run_in_executor(
                pool, parse, source, result.fetched, classifier, config, datetime.now(UTC)
            )
    except SourceError as exc:
        result.error = exc.message
    except Exception as exc:  # a parser bug on one hostile document must not stop the others
        log.exception("source %s: unexpected error", source.key)
        result.error = f"erreur inattendue en lisant la source : {type(exc).__name__}: {exc}"
    result.seconds = time.perf_counter() - started
    return result


def parse(
    source: SourceSettings,
    fetched: Fetched,
    classifier: Classifier,
    config: FetchSettings,
    now: datetime,
) -> Parsed:
    """Parse (sanitising inside the parsers) a fetched document, then prepare its entries.

    Times without a zone are in ``fetch.timezone``; recurring events are expanded from
    ``now``'s day over ``fetch.agenda_horizon_days``.
    """
    assert fetched.body is not None
    zone = config.timezone
    if source.type == "ical":
        horizon = Horizon.from_day(now, zone, config.agenda_horizon_days)
        parsed = parse_ical(fetched.body, fetched.content_type, source, zone, horizon)
    else:
        parsed = parse_feed(fetched.body, fetched.content_type, fetched.url, source, zone)
    parsed.entries = prepare(parsed.entries, classifier, zone)
    return parsed


def _store(done: Fetch, database: Database) -> SourceReport:
    source = done.settings
    report = SourceReport(source.key, source.name, seconds=done.seconds, error=done.error)
    try:
        database.retrying(lambda session: _save(done, session, report))
    except DatabaseError as exc:  # still locked after the retries: this source only
        log.warning("source %s: not stored: %s", source.key, exc.message)
        report.error = f"enregistrement impossible : {exc.message}"
    return report


def _save(done: Fetch, session: Session, report: SourceReport) -> None:
    """One source's outcome in one transaction (run again as a whole when retried)."""
    sources = SourceStore(session)
    row = sources.get(done.settings.key)
    if done.error or done.fetched is None:
        sources.record_failure(row, done.error)
        return
    if done.parsed is None:
        report.not_modified = True
        sources.record_success(row, done.fetched.validators, 0, row.last_warning)
        return
    report.warnings = done.parsed.warnings
    report.saved = ItemStore(session).save_entries(row.id, done.parsed.entries)
    _want_images(session, row.id, done.parsed.entries)
    sources.record_success(
        row, done.fetched.validators, report.saved.new, _summary(report.warnings)
    )


def _want_images(session: Session, source_id: int, entries: Sequence[Entry]) -> None:
    """The pictures the entries name, to download after the run (each address once)."""
    wanted = {entry.guid: entry for entry in entries if entry.image_url}
    if not wanted:
        return
    images = ImageStore(session)
    for guid, item_id in ItemStore(session).announced(source_id, list(wanted)):
        images.want(item_id, wanted[guid].image_url, wanted[guid].image_alt)
    session.flush()


def _summary(warnings: list[str]) -> str:
    """The warnings kept on the source, one per line, the first few only."""
    shown = warnings[:SHOWN_WARNINGS]
    if len(warnings) > SHOWN_WARNINGS:
        shown.append(f"… et {len(warnings) - SHOWN_WARNINGS} autre(s) avertissement(s)")
    return "\n".join(shown)
