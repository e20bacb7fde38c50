"""A year's figures as the tables editors read, in French: each the same on the stats
page (beside its chart), in the printable report, in the terminal and in the CSV files."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date

from newsletter.statistics.report import EditionLine, YearFigures
from newsletter.vocabulary import PROFILES

Value = int | float | str
MAX_ROWS = 15  # bars of a long ranking (territories, links); the rest summed up


@dataclass(frozen=True)
class Table:
    """``drawn``: the columns the chart shows (numbers), in ``columns``' indexes."""

    id: str  # also the CSV file's name
    title: str
    description: str
    label: str  # the first column's header
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[Value, ...]], ...]
    drawn: tuple[int, ...] = (0,)
    horizontal: bool = False
    stacked: bool = False  # the drawn columns are parts of a whole


def month_label(month: str, short: bool = False) -> str:
    """``2026-03`` → ``mars 2026`` (short: ``mars``; ``2026-01`` → ``janv.``)."""
    pattern = "MMM" if short else "MMMM y"
    return format_date(date(int(month[:4]), int(month[5:7]), 1), pattern, locale="fr_FR")


def duration_label(duration: timedelta | None) -> str:
    if duration is None:
        return "—"
    minutes = round(duration.total_seconds() / 60)
    return f"{minutes // 60} h {minutes % 60:02d}" if minutes >= 60 else f"{minutes} min"


def _ranking(counts: dict[str, int], names: dict[str, str], other: str) -> list[tuple[str, int]]:
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], names.get(pair[0], pair[0])))
    shown = [(names.get(key, key) or other, count) for key, count in ranked[:MAX_ROWS]]
    rest = sum(count for _, count in ranked[MAX_ROWS:])
    return shown + ([("Autres", rest)] if rest else [])


def _edition(line: EditionLine) -> str:
    return f"n° {line.number}" + (f" ({line.period})" if line.period else "")


def _audience(year: YearFigures) -> list[Table]:
    months = [(month_label(m.month), m) for m in year.months]
    where = f"la liste « {year.list_label} »"
    profiles = [key for key in PROFILES if any(m.by_profile.get(key) for m in year.months)]
    return [
        Table("abonnes", f"Abonnés de {where} en {year.year}",
              "Personnes abonnées à la fin de chaque mois (confirmées, ni désabonnées ni "
              "écartées pour rebonds).", "Mois", ("Abonnés en fin de mois",),
              tuple((label, (m.active,)) for label, m in months)),
        Table("abonnes-profils", f"Abonnés de {where} par profil, mois par mois ({year.year})",
              "Personnes abonnées à la fin de chaque mois, selon leur profil.", "Mois",
              tuple(PROFILES[key] for key in profiles),
              tuple((label, tuple(m.by_profile.get(key, 0) for key in profiles))
                    for label, m in months), tuple(range(len(profiles))) or (0,),
              stacked=True),
        Table("mouvements", f"Arrivées et départs de {where} en {year.year}",
              "Chaque mois : nouveaux abonnements confirmés, désabonnements, et personnes "
              "écartées après des rebonds ou une plainte.", "Mois",
              ("Nouveaux", "Désabonnements", "Écartés (rebonds, plaintes)"),
              tuple((label, (m.new, m.left, m.bounced)) for label, m in months), (0, 1, 2)),
    ]  # fmt: skip


def _who(year: YearFigures, themes: dict[str, str]) -> list[Table]:
    at = "à la fin de l'année" if year.until.month == 12 and year.until.day == 31 else "aujourd'hui"
    parts = year.breakdown
    profiles = _ranking(parts.by_profile, PROFILES, "Non renseigné")
    territories = _ranking(parts.by_territory, {}, "Non renseigné")
    chosen = _ranking(parts.by_theme, themes, "Tous les thèmes (aucune préférence)")
    return [
        Table("profils", f"Abonnés par profil ({at})",
              "Abonnés de la liste selon le profil qu'ils ont indiqué.", "Profil",
              ("Abonnés",), tuple((name, (count,)) for name, count in profiles), (0,), True),
        Table("territoires", f"Abonnés par territoire ({at})",
              "Communes de Seine-Saint-Denis ; ailleurs, numéro du département.", "Territoire",
              ("Abonnés",), tuple((name, (count,)) for name, count in territories), (0,), True),
        Table("themes", f"Abonnés par thème choisi ({at})",
              "Une personne qui a choisi plusieurs thèmes compte dans chacun ; sans "
              "préférence, elle reçoit tous les thèmes.", "Thème",
              ("Abonnés",), tuple((name, (count,)) for name, count in chosen), (0,), True),
    ]  # fmt: skip


def _editions(year: YearFigures, lists: dict[str, str]) -> list[Table]:
    lines = year.editions
    profiles = [key for key in PROFILES
                if any(line.unsubscribes.get(k, {}).get(key) for line in lines
                       for k in line.unsubscribes)]  # fmt: skip

    def left_by(line: EditionLine) -> dict[str, int]:
        found: dict[str, int] = defaultdict(int)
        for by_profile in line.unsubscribes.values():
            for profile, count in by_profile.items():
                found[profile] += count
        return found

    def by_list(line: EditionLine) -> str:
        parts = [f"{lists.get(key, key)} : {sum(counts.values())}"
                 for key, counts in sorted(line.unsubscribes.items())]  # fmt: skip
        return " · ".join(parts) or "—"

    return [
        Table("editions-envois", f"Envois des éditions de {year.year}",
              "Pour chaque édition : destinataires retenus au départ de l'envoi, messages "
              "acceptés par le serveur (dont ceux acceptés après un report), refusés, écartés "
              "(départ ou rebond avant leur tour), part envoyée en HTML, durée de l'envoi.",
              "Édition", ("Destinataires", "Envoyés", "Différés puis envoyés", "En échec",
                          "Écartés", "Part HTML (%)", "Durée d'envoi"),
              tuple((_edition(line), (line.recipients, line.sent, line.deferred_sent,
                                      line.failed, line.skipped, line.html_share,
                                      duration_label(line.duration)))
                    for line in lines), (1, 2, 3)),
        Table("editions-retours", f"Rebonds, plaintes et désabonnements après chaque édition "
              f"({year.year})",
              "Dans les 7 jours suivant le début de l'envoi, parmi les destinataires de "
              "l'édition.", "Édition",
              ("Erreurs définitives", "Erreurs temporaires", "Plaintes", "Désabonnements"),
              tuple((_edition(line), (line.hard, line.soft, line.complaints, line.left))
                    for line in lines), (0, 1, 2, 3)),
        Table("editions-desabonnements", f"Désabonnements dans les 7 jours, par profil "
              f"({year.year})",
              "Destinataires de l'édition qui ont quitté une liste dans les 7 jours, selon "
              "leur profil, et les listes quittées.", "Édition",
              (*(PROFILES[key] for key in profiles), "Par liste"),
              tuple((_edition(line), (*(left_by(line)[key] for key in profiles),
                                      by_list(line))) for line in lines),
              tuple(range(len(profiles))) or (0,)),
    ]  # fmt: skip


def _sources(year: YearFigures) -> list[Table]:
    months = [f"{year.year}-{month:02d}" for month in range(1, 13)]
    active = [source for source in year.sources if source.months or source.failure_streak]
    total = sum(year.shares.values())
    return [
        Table("sources", f"Éléments recueillis par source en {year.year}",
              "Éléments annoncés pour la première fois par chaque source, mois par mois ; "
              "échecs consécutifs de la source à ce jour.", "Source",
              ("Total", *(month_label(month, short=True) for month in months),
               "Échecs consécutifs", "Dernière erreur"),
              tuple((source.name, (sum(source.months.values()),
                                   *(source.months.get(month, 0) for month in months),
                                   source.failure_streak, source.last_error or "—"))
                    for source in active), (0,), True),
        Table("partenaires", f"Part de chaque source dans les éditions de {year.year}",
              "Éléments parus dans les éditions de l'année selon la source qui les a "
              "annoncés (un élément annoncé par deux sources compte pour chacune).", "Source",
              ("Éléments parus", "Part (%)"),
              tuple((name, (count, round(100 * count / total, 1) if total else 0.0))
                    for name, count in year.shares.items()), (0,), True),
    ]  # fmt: skip


def _clicks(year: YearFigures) -> list[Table]:
    if not year.count_clicks and not year.clicks:
        return []
    numbers = {line.id: line.number for line in year.editions}
    rows = tuple((f"n° {numbers.get(link.edition_id, '?')} — {link.url}",
                  (link.clicks, link.days)) for link in year.clicks[:MAX_ROWS])  # fmt: skip
    return [
        Table("liens", f"Liens les plus suivis en {year.year}",
              "Nombre total de fois où chaque lien des éditions a été suivi (tous lecteurs "
              "confondus : Lettre ne sait pas qui clique), et nombre de jours où il l'a été.",
              "Édition et lien", ("Clics", "Jours avec des clics"), rows, (0,), True),
    ]  # fmt: skip


def tables(year: YearFigures, themes: dict[str, str], lists: dict[str, str]) -> list[Table]:
    """Every table of the year, in the order the pages show them."""
    return [*_audience(year), *_who(year, themes), *_editions(year, lists), *_sources(year),
            *_clicks(year)]  # fmt: skip
