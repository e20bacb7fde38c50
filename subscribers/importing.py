"""Importing a CSV file into a list: staged, then written in one short step, exactly reported.

Existing people are merged (blanks filled in, subscribed), suppressed addresses are never
re-subscribed, and nothing is written by a dry run. The rows are first staged in temporary
tables (``subscribers.staging``) while other processes go on writing; then, holding the
write lock (``newsletter.db.stage_then_lock``), a few set-based statements decide and write
everything. ``on_progress`` is called as rows are staged and once written; an exception
raised anywhere (even KeyboardInterrupt) rolls the whole import back through the caller's
session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from newsletter.db import stage_then_lock, utcnow
from newsletter.settings import Category
from subscribers.consent import Consent
from subscribers.csvfile import Notice, ParsedFile, read_csv
from subscribers.models import Subscriber
from subscribers.staging import Known, Staging
from subscribers.store import SubscriberStore

CHUNK = 5000  # rows staged between two calls of on_progress
REFUSED = {
    "blocked": "adresse bloquée par un administrateur",
    "bounced": "adresse en erreur (rebonds)",
    "complained": "la personne s'est plainte de recevoir la lettre",
}


@dataclass
class ImportReport:
    list_label: str
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
            f"{self.subscribed} {verb} abonnée(s) à « {self.list_label} », "
            f"{self.already} déjà abonnée(s), {len(self.suppressed)} exclue(s).",
        ]
        if parsed.ignored_columns:
            head.append(f"Colonnes ignorées : {', '.join(parsed.ignored_columns)}.")
        notices = sorted(
            [*parsed.rejected, *parsed.duplicates, *self.suppressed], key=lambda n: n.line
        )
        return head + [str(notice) for notice in notices]


def import_csv(
    store: SubscriberStore,
    data: bytes,
    list_key: str,
    consent: Consent,
    themes: Mapping[str, Category],
    dry_run: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    columns: Mapping[int, str] | None = None,
) -> ImportReport:
    """Read, check and (unless ``dry_run``) write; ``on_progress(done, total)`` after each
    chunk of rows staged, then ``(total, total)`` again once everything is written (before
    the commit: the time between the last two calls is the write step, under the lock).
    ``columns`` (position → field) overrides the columns found from the header."""
    label = store.list_label(list_key)
    parsed = read_csv(data, themes, columns)
    report = ImportReport(label, parsed, dry_run)
    staging = Staging(store.session)
    total = len(parsed.rows)
    with stage_then_lock(store.session, Subscriber.__table__):
        staging.create()
        for start in range(0, total, CHUNK):
            chunk = parsed.rows[start : start + CHUNK]
            staging.add(((row.line, row.address.email, row.address.key,
                          store.hash(row.address.key), row.details) for row in chunk),
                        details=not dry_run)  # fmt: skip
            if on_progress:
                on_progress(start + len(chunk), total)
    excluded = _sort(staging.known(list_key), report)
    if dry_run:
        return report
    staging.discard(excluded)
    staging.apply(list_key, consent, utcnow())
    if on_progress:
        on_progress(total, total)
    return report


def _sort(known: list[Known], report: ImportReport) -> list[int]:
    """Count what will happen from the people already known or barred; the lines of those
    excluded (left, barred, bounced…), each with its notice."""
    excluded: list[int] = []
    for person in known:
        if person.barred or person.subscription == "unsubscribed":
            reason = "désabonnée ou sur la liste d'exclusion, non réinscrite"
        elif person.status is not None and person.status != "active":
            reason = f"{REFUSED[person.status]}, non réinscrite"
        else:
            report.known += 1
            if person.subscription == "active":
                report.already += 1
            continue
        excluded.append(person.line)
        report.suppressed.append(Notice(person.line, f"{person.email} : {reason}"))
    report.created = len(report.parsed.rows) - report.known - len(excluded)
    report.subscribed = report.created + report.known - report.already
    return excluded
