"""An import's rows staged in temporary tables, then written by a few set-based statements.

Staging fills two temporary tables (people, and their themes) that only this connection
sees: PostgreSQL's ``COPY``, SQLite's batched inserts. Nothing another process reads or
writes is touched until ``newsletter.db.stage_then_lock`` takes the write lock; then one
query says who is already known or barred, and a handful of INSERT … SELECT and
UPDATE … FROM statements create, merge and subscribe everyone at once, so that the write
transaction lasts seconds even for hundreds of thousands of rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from subscribers.consent import Consent
from subscribers.details import KEYS, TEXT_FIELDS, Details
from subscribers.models import (
    ALL_LISTS,
    ConsentRecord,
    Subscriber,
    SubscriberTheme,
    Subscription,
    SuppressionEntry,
)

if TYPE_CHECKING:
    import psycopg

STAGED_COLUMNS = ("email", "email_key", "email_hash", *TEXT_FIELDS, *KEYS.values())
_temporary = sa.MetaData()  # never part of the schema: made anew by each import
PEOPLE = sa.Table(
    "import_people", _temporary,
    sa.Column("line", sa.Integer, primary_key=True, autoincrement=False),
    *(sa.Column(name, sa.String) for name in STAGED_COLUMNS),
    sa.Column("subscriber_id", sa.Integer),
    sa.Column("created", sa.Boolean),  # created by this import: nothing of theirs to check
    prefixes=["TEMPORARY"], postgresql_on_commit="DROP",
)  # fmt: skip
THEMES = sa.Table(
    "import_themes", _temporary,
    sa.Column("line", sa.Integer), sa.Column("theme", sa.String),
    prefixes=["TEMPORARY"], postgresql_on_commit="DROP",
)  # fmt: skip
# What counts as blank when merging: a known person's blank field is filled from the file.
BLANKS = {name: ("", getattr(Details(), name)) for name in TEXT_FIELDS}


@dataclass(frozen=True)
class Known:
    """A staged person already in the database, or whose address is barred from the list."""

    line: int
    email: str
    status: str | None  # the subscriber's status; None: not in the database
    subscription: str | None  # the status of their subscription to the list
    barred: bool  # on the suppression list for this list or all


class Staging:
    """The staged rows of one import, on the session's connection."""

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()

    def create(self) -> None:
        """Empty staging tables. PostgreSQL drops them at the end of the transaction; SQLite
        keeps them with the connection until it closes or the next import starts (dropping
        them at the end would take seconds under the write lock)."""
        for table in (PEOPLE, THEMES):
            table.drop(self.connection, checkfirst=True)
            table.create(self.connection)

    def add(self, rows: Iterable[tuple[int, str, str, str, Details]], details: bool = True) -> None:
        """Stage (line, email, key, hash, details) rows; without ``details`` only what
        deciding who is known or barred needs (a dry run writes nothing else)."""
        people: list[tuple[Any, ...]] = []
        themes: list[tuple[int, str]] = []
        blank = (None,) * (len(STAGED_COLUMNS) - 3)
        for line, email, key, digest, person in rows:
            if not details:
                people.append((line, email, key, digest, *blank, None, False))
                continue
            columns = person.columns()
            details_cells = (columns[name] for name in STAGED_COLUMNS[3:])
            people.append((line, email, key, digest, *details_cells, None, False))
            themes += [(line, theme) for theme in person.themes]
        self._copy(PEOPLE, people)
        self._copy(THEMES, themes)

    def _copy(self, table: sa.Table, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self.connection.dialect.name == "postgresql":
            driver = cast("psycopg.Connection[Any]", self.connection.connection.dbapi_connection)
            names = ", ".join(column.name for column in table.columns)
            with (
                driver.cursor() as cursor,
                cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            insert = str(sa.insert(table).compile(dialect=self.connection.dialect))
            self.connection.exec_driver_sql(insert, list(rows))

    def known(self, list_key: str) -> list[Known]:
        """Link staged rows to existing people; those known or barred, in file order."""
        if self.connection.dialect.name == "postgresql":  # temporary tables are not analysed
            # (the columns joins and filters use: sampling every text column costs seconds)
            self.connection.exec_driver_sql(f"ANALYZE {PEOPLE.name} (line, email_key, email_hash)")
            self.connection.exec_driver_sql(f"ANALYZE {THEMES.name}")
        self._link(everyone=True)
        people, subscriptions = Subscriber.__table__, Subscription.__table__
        barred = (
            sa.exists()
            .where(
                SuppressionEntry.hash == PEOPLE.c.email_hash,
                SuppressionEntry.list_key.in_([list_key, ALL_LISTS]),
            )
            .correlate(PEOPLE)
        )
        query = (
            sa.select(PEOPLE.c.line, PEOPLE.c.email, people.c.status, subscriptions.c.status,
                      barred)
            .select_from(PEOPLE)
            .outerjoin(people, people.c.id == PEOPLE.c.subscriber_id)
            .outerjoin(subscriptions, sa.and_(subscriptions.c.subscriber_id == people.c.id,
                                              subscriptions.c.list_key == list_key))
            .where(sa.or_(PEOPLE.c.subscriber_id.is_not(None), barred))
            .order_by(PEOPLE.c.line)
        )  # fmt: skip
        return [Known(*row) for row in self.connection.execute(query)]

    def discard(self, lines: Sequence[int]) -> None:
        """Leave these rows out of the import (excluded people)."""
        for start in range(0, len(lines), 500):
            chunk = lines[start : start + 500]
            self.connection.execute(sa.delete(PEOPLE).where(PEOPLE.c.line.in_(chunk)))

    def apply(self, list_key: str, consent: Consent, now: datetime) -> None:
        """Create the new people, fill the known ones' blanks, add themes, subscribe
        everyone to the list with a consent record for each new subscription."""
        when = sa.bindparam("now", now, type_=Subscriber.__table__.c.created_at.type)
        self._create(when)
        self._merge(when)
        self._link(everyone=False)
        self._add_themes()
        self._subscribe(list_key, consent.row(0, list_key, now), when)
        if self.connection.dialect.name == "postgresql":
            # The planner's statistics would describe the tables before the import until
            # autovacuum comes by: the first sends and segment reads after it would crawl.
            for table in (Subscriber, Subscription, SubscriberTheme):
                self.connection.exec_driver_sql(f"ANALYZE {table.__tablename__}")

    def _link(self, everyone: bool) -> None:
        """Each staged row's subscriber id (all rows; or those just created, marked so)."""
        people = Subscriber.__table__
        statement = sa.update(PEOPLE).where(people.c.email_key == PEOPLE.c.email_key)
        if everyone:
            statement = statement.values(subscriber_id=people.c.id)
        else:
            statement = statement.where(PEOPLE.c.subscriber_id.is_(None))
            statement = statement.values(subscriber_id=people.c.id, created=True)
        self.connection.execute(statement)

    def _create(self, now: sa.BindParameter[datetime]) -> None:
        people = Subscriber.__table__
        names = [*STAGED_COLUMNS, "status", "bounce_score", "created_at", "updated_at"]
        rows = (
            sa.select(*(PEOPLE.c[name] for name in STAGED_COLUMNS), sa.literal("active"),
                      sa.literal(0.0), now, now)
            .where(PEOPLE.c.subscriber_id.is_(None))
            .order_by(PEOPLE.c.line)
        )  # fmt: skip
        self.connection.execute(sa.insert(people).from_select(names, rows))

    def _merge(self, now: sa.BindParameter[datetime]) -> None:
        """Known people: each blank field filled from the file (``Details.filling``)."""
        people, themes = Subscriber.__table__, SubscriberTheme.__table__

        def fills(name: str) -> sa.ColumnElement[bool]:
            return sa.and_(people.c[name].in_(BLANKS[name]), PEOPLE.c[name].not_in(BLANKS[name]))

        new_theme = sa.exists().where(
            THEMES.c.line == PEOPLE.c.line,
            ~sa.exists().where(themes.c.subscriber_id == people.c.id,
                               themes.c.theme == THEMES.c.theme),
        )  # fmt: skip
        values: dict[str, Any] = {
            name: sa.case((fills(name), PEOPLE.c[name]), else_=people.c[name])
            for name in TEXT_FIELDS
        }
        values |= {
            key: sa.case((fills(name), PEOPLE.c[key]), else_=people.c[key])
            for name, key in KEYS.items()
        }
        self.connection.execute(
            sa.update(people)
            .where(people.c.id == PEOPLE.c.subscriber_id)
            .where(sa.or_(*(fills(name) for name in TEXT_FIELDS), new_theme))
            .values(values | {"updated_at": now})
        )

    def _add_themes(self) -> None:
        themes = SubscriberTheme.__table__
        missing = (
            sa.select(PEOPLE.c.subscriber_id, THEMES.c.theme)
            .join_from(THEMES, PEOPLE, THEMES.c.line == PEOPLE.c.line)
            .where(sa.or_(PEOPLE.c.created,
                          ~sa.exists().where(themes.c.subscriber_id == PEOPLE.c.subscriber_id,
                                             themes.c.theme == THEMES.c.theme)))
        )  # fmt: skip
        self.connection.execute(sa.insert(themes).from_select(["subscriber_id", "theme"], missing))

    def _subscribe(
        self, list_key: str, consent_values: dict[str, object], now: sa.BindParameter[datetime]
    ) -> None:
        """A consent record for each person not yet active on the list, then pending
        subscriptions activated and missing ones created."""
        subscriptions, records = Subscription.__table__, ConsentRecord.__table__
        on_list = sa.and_(subscriptions.c.subscriber_id == PEOPLE.c.subscriber_id,
                          subscriptions.c.list_key == list_key)  # fmt: skip
        names = ["subscriber_id", "list_key", "given_at", "how", "wording", "source", "ip"]
        newly = (
            sa.select(PEOPLE.c.subscriber_id, sa.literal(list_key), now,
                      *(sa.literal(consent_values[name]) for name in names[3:]))
            .where(sa.or_(PEOPLE.c.created,
                          ~sa.exists().where(on_list, subscriptions.c.status == "active")))
            .order_by(PEOPLE.c.line)
        )  # fmt: skip
        self.connection.execute(sa.insert(records).from_select(names, newly))
        source = consent_values["source"]
        self.connection.execute(
            sa.update(subscriptions)
            .where(subscriptions.c.list_key == list_key, subscriptions.c.status == "pending",
                   subscriptions.c.subscriber_id.in_(
                       sa.select(PEOPLE.c.subscriber_id).where(~PEOPLE.c.created)))
            .values(status="active", confirmed_at=now, unsubscribed_at=None,
                    **({"source": source} if source else {}))
        )  # fmt: skip
        absent = (
            sa.select(PEOPLE.c.subscriber_id, sa.literal(list_key), sa.literal("active"),
                      sa.literal(source), now, now)
            .where(sa.or_(PEOPLE.c.created, ~sa.exists().where(on_list)))
            .order_by(PEOPLE.c.line)
        )  # fmt: skip
        names = ["subscriber_id", "list_key", "status", "source", "created_at", "confirmed_at"]
        self.connection.execute(sa.insert(subscriptions).from_select(names, absent))
