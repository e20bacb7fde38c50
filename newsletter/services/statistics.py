"""Statistics for editors and funders: a newsletter's year (audience, editions, sources,
link counts), the dashboard's cards, and the click counter behind tracked links. The stats
page, the printable report, the dashboard and ``newsletter stats`` all go through here.

Nothing here identifies a reader: the figures come from subscriptions, the deliveries
ledger, bounce reports and sources, and link counts are totals per link and day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from newsletter.accounts.permissions import Actor, check_edition, may_act_on_newsletter
from newsletter.db import Database, utcnow
from newsletter.editions.models import Edition
from newsletter.errors import InputError, NotFoundError
from newsletter.services.publishing import Publishing
from newsletter.settings import Settings
from newsletter.statistics import audience, clicks, sources
from newsletter.statistics.editions import (
    COUNTED_STATES,
    editions_between,
    figures_of,
    first_sent,
    last_edition,
)
from newsletter.statistics.links import view_links
from newsletter.statistics.models import EditionFigures
from newsletter.statistics.report import EditionLine, Summary, YearFigures
from newsletter.statistics.tables import Table, tables

FIRST_YEAR = 2000


def line(edition: Edition, figures: EditionFigures) -> EditionLine:
    first, last = figures.first_sent_at, figures.last_sent_at
    return EditionLine(
        edition.id, edition.number, edition.period, edition.sent_at or first,
        figures.recipients, figures.sent, figures.deferred_sent, figures.failed,
        figures.skipped, figures.html, figures.text, figures.hard, figures.soft,
        figures.complaints, figures.unsubscribes,
        last - first if first and last else None, figures.settled,
    )  # fmt: skip


class Statistics:
    def __init__(self, settings: Settings, database: Database, publishing: Publishing) -> None:
        self.settings = settings
        self.database = database
        self.publishing = publishing

    def newsletters(self, actor: Actor) -> list[str]:
        return [key for key in self.settings.newsletters if may_act_on_newsletter(actor, key)]

    def year(
        self, actor: Actor, newsletter: str, year: int, now: datetime | None = None
    ) -> YearFigures:
        """Everything known about a newsletter's year (up to now for the current one)."""
        letter = self.settings.newsletters.get(newsletter)
        if letter is None:
            raise NotFoundError(f"lettre inconnue « {newsletter} »")
        check_edition(actor, "view", newsletter)
        now = now or utcnow()
        if not FIRST_YEAR <= year <= now.year:
            raise InputError(f"année {year} hors de la période couverte",
                             f"choisissez une année entre {FIRST_YEAR} et {now.year}")  # fmt: skip
        start = datetime(year, 1, 1, tzinfo=UTC)
        end = datetime(year + 1, 1, 1, tzinfo=UTC)
        until = min(now, end - timedelta(microseconds=1))
        with self.database.session() as session:
            shown = audience.months(session, letter.list, f"{year}-01", f"{year}-12", now)
            editions = editions_between(session, newsletter, start, end)
            figures = figures_of(session, editions, now)
            ids = [edition.id for edition in editions]
            return YearFigures(
                newsletter=newsletter,
                title=letter.title,
                list_key=letter.list,
                list_label=self.settings.subscribers.lists[letter.list].label,
                year=year,
                until=until,
                months=shown,
                breakdown=audience.who(session, letter.list, until.strftime("%Y-%m"), now),
                editions=[line(edition, figures[edition.id]) for edition in editions],
                sources=sources.activity(session, start, end),
                shares=sources.shares(session, ids),
                count_clicks=letter.count_clicks,
                clicks=clicks.totals(session, ids),
            )

    def tables(self, year: YearFigures) -> list[Table]:
        """The year's tables, with the settings' names for themes and lists."""
        settings = self.settings
        themes = {key: theme.label for key, theme in settings.classification.themes.items()}
        lists = {key: item.label for key, item in settings.subscribers.lists.items()}
        return tables(year, themes, lists)

    def summaries(self, actor: Actor, now: datetime | None = None) -> list[Summary]:
        """The dashboard's cards: each newsletter's audience this month (the kept figures
        of the stats page) and its last edition."""
        now = now or utcnow()
        month = now.strftime("%Y-%m")
        found = []
        with self.database.session() as session:
            for key in self.newsletters(actor):
                letter = self.settings.newsletters[key]
                (current,) = audience.months(session, letter.list, month, month, now)
                last = last_edition(session, key)
                shown = line(last, figures_of(session, [last], now)[last.id]) if last else None
                found.append(Summary(key, letter.title, current.active, current.new,
                                     current.left, shown))  # fmt: skip
        return found

    def years(self, newsletter: str, now: datetime | None = None) -> list[int]:
        """The years a newsletter has editions in, latest first (at least this one)."""
        now = now or utcnow()
        with self.database.session() as session:
            first = first_sent(session, newsletter)
        return list(range(now.year, (first.year if first else now.year) - 1, -1))

    # -- tracked links ----------------------------------------------------------------

    def follow(self, edition_id: int, link: str, now: datetime | None = None) -> str:
        """Where a tracked link goes: only a link of that edition's own content, of a
        newsletter that counts clicks (else NotFoundError). Counted once more when the
        edition went out (a click in a preview or a test send is not)."""
        with self.database.session() as session:
            edition = session.get(Edition, edition_id)
            letter = self.settings.newsletters.get(edition.newsletter) if edition else None
            if edition is None or letter is None or not letter.count_clicks:
                raise NotFoundError("lien inconnu")
            url = view_links(self.publishing.view(session, edition)).get(link)
            if url is None:
                raise NotFoundError("lien inconnu : il ne fait pas partie de cette lettre")
            if edition.state in COUNTED_STATES:
                zone = ZoneInfo(self.settings.organisation.timezone)
                day = (now or utcnow()).astimezone(zone).date()
                clicks.count(session, edition_id, link, url, day)
            return url
