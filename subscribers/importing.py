"""Importing a CSV file into a list: one transaction, bulk statements, an exact report.

Existing people are merged (blanks filled in, subscribed), suppressed addresses are never
re-subscribed, and nothing is written by a dry run. Writing happens in chunks between which
``on_progress`` is called; an exception raised anywhere (even KeyboardInterrupt) rolls the
whole import back through the caller's session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from newsletter.db import utcnow
from newsletter.settings import Category
from subscribers.consent import Consent, record_consents
from subscribers.csvfile import Notice, ParsedFile, Row, read_csv
from subscribers.models import Subscriber
from subscribers.store import SubscriberStore
from subscribers.suppression import suppressed_among

CHUNK = 1000
REFUSED = {
    "blocked": "adresse bloquée par un administrateur",
    "bounced": "adresse en erreur (rebonds)",
    "complained": "la personne s'est plainte de recevoir la lettre",
}


@dataclass
class ImportReport:
    list_key: str
    parsed: ParsedFile
    dry_run: bool
    created: int = 0
    known: int = 0
    subscribed: int = 0
    already: int = 0
    suppressed: list[Notice] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report in French, one line per fact and per refused or merged row."""
        parsed = self.parsed
        verb = "seraient" if self.dry_run else "ont été"
        head = [
            f"Fichier lu en {parsed.encoding}, séparateur « {parsed.delimiter} ».",
            f"{len(parsed.rows)} personne(s) valide(s), {len(parsed.rejected)} ligne(s) "
            f"refusée(s), {len(parsed.duplicates)} doublon(s) fusionné(s), "
            f"{parsed.empty_lines} ligne(s) vide(s) ignorée(s).",
            f"{self.created} personne(s) {verb} créée(s), {self.known} déjà connue(s) ; "
            f"{self.subscribed} {verb} abonnée(s) à « {self.list_key} », "
            f"{self.already} déjà abonnée(s), {len(self.suppressed)} exclue(s).",
        ]
        if parsed.ignored_columns:
            head.append(f"Colonnes ignorées : {', '.join(parsed.ignored_columns)}.")
        notices = sorted(
            [*parsed.rejected, *parsed.duplicates, *self.suppressed], key=lambda n: n.line
        )
        return head + [str(notice) for notice in notices]


@dataclass
class _Plan:
    new: list[Row] = field(default_factory=list)
    merge: list[tuple[Row, Subscriber]] = field(default_factory=list)
    hashes: dict[str, str] = field(default_factory=dict)  # address key → suppression hash


def import_csv(
    store: SubscriberStore,
    data: bytes,
    list_key: str,
    consent: Consent,
    themes: Mapping[str, Category],
    dry_run: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Read, check and (unless ``dry_run``) write; ``on_progress(done, total)`` per chunk."""
    store.check_list(list_key)
    parsed = read_csv(data, themes)
    report = ImportReport(list_key, parsed, dry_run)
    plan = _plan(store, parsed, report)
    if dry_run:
        return report
    now = utcnow()
    total, done = len(plan.new) + len(plan.merge), 0
    for start in range(0, len(plan.new), CHUNK):
        chunk = plan.new[start : start + CHUNK]
        people = [(row.address, row.details) for row in chunk]
        store.bulk_create(people, plan.hashes, list_key, consent, now)
        done += len(chunk)
        if on_progress:
            on_progress(done, total)
    for start in range(0, len(plan.merge), CHUNK):
        chunk_merge = plan.merge[start : start + CHUNK]
        _merge(store, chunk_merge, list_key, consent, now)
        done += len(chunk_merge)
        if on_progress:
            on_progress(done, total)
    return report


def _plan(store: SubscriberStore, parsed: ParsedFile, report: ImportReport) -> _Plan:
    """Sort the file's people into new, known (merged) and suppressed; count what will happen."""
    keys = [row.address.key for row in parsed.rows]
    known = store.existing(keys)
    hashes = {key: store.hash(key) for key in keys}
    barred = suppressed_among(store.session, hashes.values(), report.list_key)
    plan = _Plan(hashes=hashes)
    for row in parsed.rows:
        subscriber = known.get(row.address.key)
        subscription = subscriber and store.subscription(subscriber, report.list_key)
        if hashes[row.address.key] in barred or (
            subscription and subscription.status == "unsubscribed"
        ):
            reason = "désabonnée ou sur la liste d'exclusion, non réinscrite"
            report.suppressed.append(Notice(row.line, f"{row.address.email} : {reason}"))
        elif subscriber is not None and subscriber.status != "active":
            reason = f"{REFUSED[subscriber.status]}, non réinscrite"
            report.suppressed.append(Notice(row.line, f"{row.address.email} : {reason}"))
        elif subscriber is None:
            plan.new.append(row)
            report.created += 1
            report.subscribed += 1
        else:
            plan.merge.append((row, subscriber))
            report.known += 1
            if subscription and subscription.status == "active":
                report.already += 1
            else:
                report.subscribed += 1
    return plan


def _merge(
    store: SubscriberStore,
    pairs: list[tuple[Row, Subscriber]],
    list_key: str,
    consent: Consent,
    now: datetime,
) -> None:
    """Known people: blanks filled in from the file, subscribed if they were not."""
    consented = []
    for row, subscriber in pairs:
        current = store.details(subscriber)
        merged = current.filling(row.details)
        if merged != current:
            store.update(subscriber, merged, now)
        subscription = store.subscription(subscriber, list_key)
        if subscription is None or subscription.status != "active":
            store.set_subscription(subscriber, list_key, "active", consent.source, now)
            consented.append((subscriber.id, list_key))
    record_consents(store.session, consent, consented, now)
