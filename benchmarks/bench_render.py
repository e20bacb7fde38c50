"""Benchmark: a full Lettre (every rubrique full, 38 items) rendered, then personalised.

Prints the median time of a full render (Jinja2 → MJML → inlined HTML, plus the text part;
assembly excluded; goal < 25 ms) and the cost of personalising it per recipient (goal
< 0.2 ms). Building a fresh MIME message per recipient is not what is measured: the
rendering is done once per variant, recipients only get their values filled in.

    .venv/bin/python benchmarks/bench_render.py [--renders 200] [--recipients 20000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from newsletter.content.models import Item
from newsletter.editions.models import Edition, EditionItem
from newsletter.editions.prose import to_html
from newsletter.editions.views import edition_view
from newsletter.rendering.personalise import PersonalValues
from newsletter.rendering.renderer import Renderer
from newsletter.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
PARIS = ZoneInfo("Europe/Paris")
SEND = datetime(2026, 11, 3, 9, tzinfo=PARIS)
SUMMARY = (
    "<p>Le centre social accompagne les habitants du quartier dans leurs démarches d’accès "
    "aux droits, propose des ateliers parents enfants et un accompagnement à la scolarité ; "
    "les professionnels et les élus de la Seine-Saint-Denis y sont associés.</p>"
)
THEMES = ["gouvernance", "participation", "habitat", "emploi", "education", "egalite"]
EDITO = "Chères lectrices, chers lecteurs,\n\n" + "Cette Lettre présente **nos travaux**. " * 12
MOUVEMENTS = "\n".join(f"- Mme Martin {n} rejoint la préfecture de Bobigny." for n in range(6))


def full_edition(sections: dict[str, tuple[str, int]]) -> Edition:
    """Every item rubrique filled to its limit with realistic items."""
    entries = []
    number = 0
    for key, (kind, count) in sections.items():
        for position in range(1, count + 1):
            number += 1
            event = kind == "agenda"
            item = Item(
                id=number,
                kind=kind,
                summary=SUMMARY,
                networks=[],
                revision=1,
                title=f"Rencontre {number} : trajectoires scolaires et professionnelles des jeunes",
                url=f"https://www.professionbanlieue.org/{kind}/{number}-un-titre-assez-long",
                themes=[THEMES[number % len(THEMES)]],
                published_at=SEND - timedelta(days=number),
                starts_at=SEND + timedelta(days=number, hours=0.5) if event else None,
                ends_at=SEND + timedelta(days=number, hours=3) if event else None,
                all_day=False,
                cancelled=False,
                organiser="Profession Banlieue" if event else "",
                place="Profession Banlieue, 15 rue Catulienne, 93200 Saint-Denis" if event else "",
                registration_url=f"https://www.professionbanlieue.org/inscription/{number}",
            )
            entries.append(
                EditionItem(
                    item=item,
                    item_id=number,
                    section=key,
                    position=position,
                    item_revision=1,
                    change="",
                )
            )
    return Edition(
        id=1,
        newsletter="lettre",
        number=87,
        state="draft",
        send_at=SEND,
        next_send_at=SEND + timedelta(days=63),
        period="novembre-décembre 2026",
        subject="La Lettre de Profession Banlieue n° 87 — novembre-décembre 2026",
        preheader="",
        edito=to_html(EDITO),
        mouvements=to_html(MOUVEMENTS),
        entries=entries,
    )


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--recipients", type=int, default=20_000)
    args = parser.parse_args()

    settings = load_settings(ROOT / "config.toml", environ={})
    lettre = settings.newsletter("lettre")
    kinds = {s.key: (s.kinds[0] if s.kinds else "agenda", s.limit) for s in lettre.sections}
    filled = {key: spec for key, spec in kinds.items() if key not in ("edito", "mouvements")}
    edition = full_edition(filled)
    renderer = Renderer(ROOT / "templates" / "email", settings.rendering)

    builds, renders = [], []
    for _ in range(args.renders + 5):
        started = time.perf_counter()
        view = edition_view(edition, lettre, settings.organisation, {})
        built = time.perf_counter()
        rendered = renderer.render(view)
        done = time.perf_counter()
        builds.append(built - started)
        renders.append(done - built)
    builds, renders = builds[5:], renders[5:]  # the first calls compile the templates

    values = [
        PersonalValues(
            greeting=f"Bonjour Mme Dupont {n},",
            unsubscribe_url=f"https://lettre.professionbanlieue.org/desabonnement/{n:032x}",
            preferences_url=f"https://lettre.professionbanlieue.org/preferences/{n:032x}",
            web_url="https://lettre.professionbanlieue.org/archives/lettre/87/",
        )
        for n in range(args.recipients)
    ]
    started = time.perf_counter()
    for recipient in values:
        rendered.personalise(recipient)
    per_recipient = (time.perf_counter() - started) / len(values)

    items = len(edition.entries)
    print(
        f"edition: {items} items, HTML {rendered.size / 1000:.1f} KB, text "
        f"{len(rendered.text.encode()) / 1000:.1f} KB, warnings: {len(rendered.warnings)}"
    )
    print(f"view building (from stored edition): median {median_ms(builds):.2f} ms")
    print(
        f"full render (Jinja2 → MJML → css-inline + text): median {median_ms(renders):.2f} ms "
        f"over {len(renders)} renders (goal < 25 ms)"
    )
    print(
        f"personalisation: {per_recipient * 1000:.4f} ms per recipient over "
        f"{len(values)} recipients (goal < 0.2 ms)"
    )


if __name__ == "__main__":
    main()
