"""Importing and exporting subscribers for an editor (web and command line alike): the
preview of a file (its encoding, delimiter, columns, first rows and the exact report of a
dry run, before anything is written), the import itself (one transaction, staged then
written in a short step: ``subscribers.importing``) and the spreadsheet-safe export of a
list or a segment. Permissions and the audit trail apply as to every editor's action.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TextIO

from sqlalchemy.orm import Session

from newsletter.accounts.permissions import Actor, check_list, check_segments, lists_of
from newsletter.audit.store import AuditStore
from newsletter.db import Database
from newsletter.errors import InputError
from newsletter.settings import Settings
from newsletter.tabular import guess_columns, peek
from subscribers.consent import Consent
from subscribers.csvfile import ALIASES, COLUMNS
from subscribers.exporting import write_csv
from subscribers.importing import ImportReport, import_csv
from subscribers.segments import Segments
from subscribers.store import SubscriberStore

FIRST_ROWS = 5
# The fields a column can be read as, in French, for the editor's choice of columns.
FIELDS = {name: header for name, (header, _) in COLUMNS.items()}


@dataclass(frozen=True)
class Preview:
    encoding: str
    delimiter: str
    header: list[str]
    columns: dict[int, str]  # position → field, as read (found or chosen)
    rows: list[list[str]]  # the first rows, cells as written
    report: ImportReport | None  # None when the file cannot be read with these columns…
    error: str = ""  # …and why (a French sentence with its hint)


class Imports:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        store: Callable[[Session], SubscriberStore],
        segments: Callable[[Session], Segments],
    ) -> None:
        self.settings = settings
        self.database = database
        self.store = store
        self.segments = segments

    def preview(
        self, actor: Actor, data: bytes, list_key: str, columns: Mapping[int, str] | None = None
    ) -> Preview:
        """What importing the file would do; nothing is written. A file whose columns do
        not do (no address column…) still shows its header and first rows, with the
        error, so that the editor can choose the columns."""
        self._check(actor, "import", list_key)
        table, rows = peek(data, FIRST_ROWS)
        chosen = guess_columns(table.header, ALIASES) if columns is None else dict(columns)
        consent = Consent("import", self.settings.subscribers.consent_wording)
        try:
            with self.database.session() as session:
                report = import_csv(self.store(session), data, list_key, consent,
                                    self.settings.classification.themes, dry_run=True,
                                    columns=chosen)  # fmt: skip
                session.rollback()
        except InputError as exc:
            error = exc.message + (f" — {exc.hint}" if exc.hint else "")
            return Preview(table.encoding, table.delimiter, table.header, chosen, rows, None,
                           error)  # fmt: skip
        return Preview(table.encoding, table.delimiter, table.header, chosen, rows, report)

    def run(
        self,
        actor: Actor,
        data: bytes,
        list_key: str,
        source: str,
        columns: Mapping[int, str] | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> ImportReport:
        """Import the file into the list, in one transaction, recorded in the trail."""
        self._check(actor, "import", list_key)
        if not source.strip():
            raise InputError("origine du consentement manquante",
                             "par exemple : annuaire des partenaires 2026")  # fmt: skip
        consent = Consent("import", self.settings.subscribers.consent_wording, source.strip())
        with self.database.session() as session:
            report = import_csv(self.store(session), data, list_key, consent,
                                self.settings.classification.themes, on_progress=on_progress,
                                columns=columns)  # fmt: skip
            parsed = report.parsed
            detail = (f"{report.created} créée(s), {report.subscribed} abonnée(s), "
                      f"{len(parsed.rejected)} ligne(s) refusée(s), {len(report.suppressed)} "
                      f"exclue(s) ; consentement : {source.strip()}")  # fmt: skip
            AuditStore(session).record(actor.label, "import", user_id=actor.user_id,
                                       list_key=list_key, detail=detail)  # fmt: skip
        return report

    def export(
        self, actor: Actor, file: TextIO, list_key: str | None, segment_name: str | None
    ) -> int:
        """The recipients of a list and/or segment into ``file``; a coordinator exports
        one of their lists, without segment. How many people were written."""
        self.check_export(actor, list_key, segment_name)
        with self.database.session() as session:
            segment = self.segments(session).get(segment_name) if segment_name else None
            scope = lists_of(actor, self.settings.subscribers.lists) if actor.coordinator else None
            count = write_csv(session, file, list_key, segment, scope)
            detail = ", ".join(
                filter(
                    None,
                    (list_key and f"liste {list_key}", segment_name and f"segment {segment_name}"),
                )
            )
            detail = f"{count} personne(s) ; {detail or 'tous'}"
            AuditStore(session).record(actor.label, "export", user_id=actor.user_id,
                                       list_key=list_key, detail=detail)  # fmt: skip
        return count

    def check_export(self, actor: Actor, list_key: str | None, segment_name: str | None) -> None:
        """Whether ``actor`` may export this (before a file is opened for it)."""
        if list_key:
            self._check(actor, "export", list_key)
        elif actor.coordinator:
            raise InputError("choisissez une de vos listes", "l’export porte sur une liste")
        if segment_name:
            check_segments(actor, "view")

    def _check(self, actor: Actor, action: str, list_key: str) -> None:
        if list_key not in self.settings.subscribers.lists:
            known = ", ".join(lists_of(actor, self.settings.subscribers.lists))
            raise InputError(f"liste inconnue « {list_key} »", f"listes : {known}")
        check_list(actor, action, list_key)
