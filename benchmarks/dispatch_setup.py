"""Setting up the dispatch benchmark: a Lettre of about 40 KB and N subscribers."""

from __future__ import annotations

import tomllib
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

from newsletter.app import App, build
from newsletter.demo.feed_server import serve_samples
from newsletter.dispatch.ledger import Delivery
from newsletter.dispatch.message import MessageFactory, Recipient
from newsletter.editions.assembly import assemble
from newsletter.editions.store import EditionStore
from newsletter.editions.views import edition_view
from newsletter.settings import Settings, validate_settings
from newsletter.sources.editorial import import_file
from newsletter.sources.pipeline import gather
from subscribers.consent import Consent
from subscribers.importing import import_csv

ROOT = Path(__file__).resolve().parent.parent
TARGET_HTML = 40_000
THEMES = ((), ("education",), ("habitat", "emploi"), ("participation",))
SAMPLE_VERP = "bounces+1-0123456789abcdef0123@lettre.exemple.fr"  # as long as a real one
SAMPLE_MAILTO = f"mailto:{SAMPLE_VERP}?subject=desabonnement%20lettre"


def settings_for(
    url: str, port: int, processes: int, connections: int, feeds: str = ""
) -> Settings:
    """The project's configuration on this database, sending to ``port`` without limits
    (the sample sources read from ``feeds`` when given)."""
    data = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8"))
    if feeds:
        for source in data["sources"]:
            source["url"] = source["url"].replace("http://127.0.0.1:8765", feeds)
    data["database"] = {"url": url}
    data["transport"] = {"kind": "smtp", "smtp": {"host": "127.0.0.1", "port": port,
                                                  "security": "none"}}  # fmt: skip
    data["dispatch"] |= {"processes": processes, "concurrency": connections,
                         "rate_per_second": 0, "rate_per_hour": 0, "batch_size": 500}  # fmt: skip
    return validate_settings(data, ROOT / "config.toml")


def prepare(
    stack: ExitStack, recipients: int, url: str, port: int, processes: int, connections: int
) -> tuple[App, int]:
    """The wired app and an approved edition of about 40 KB of HTML (the full variant)."""
    today = date.today()
    server = stack.enter_context(serve_samples(today))
    app = build(settings_for(url, port, processes, connections, server.base_url))
    stack.callback(app.close)
    app.database.migrate()
    gather(app.settings, app.database)
    import_file(
        app.database, app.settings, ROOT / "newsletter/demo/data/editorial.csv", "benchmark"
    )
    _subscribe(app, recipients)
    return app, _edition(app, today + timedelta(days=1))


def _subscribe(app: App, count: int) -> None:
    """``count`` readers on the Lettre's list, through the import."""
    lines = ["courriel;prénom;nom;format;thèmes"] + [
        f"lecteur{n:06d}@commune{n % 40}.exemple.fr;Dominique;Lecteur {n};"
        f"{'texte' if n % 20 == 0 else 'html'};{', '.join(THEMES[n % len(THEMES)])}"
        for n in range(count)
    ]
    consent = Consent("import", "2026-01", "benchmark")
    with app.database.session() as session:
        report = import_csv(app.subscriber_store(session), "\n".join(lines).encode(), "lettre",
                            consent, app.settings.classification.themes)  # fmt: skip
    assert report.created == count, report.lines()


def _edition(app: App, day: date) -> int:
    """Assemble the Lettre, drop items until its HTML is about 40 KB, approve it."""
    newsletter = app.settings.newsletter("lettre")
    with app.database.session() as session:
        store = EditionStore(session)
        made = assemble(store, "lettre", newsletter, "Europe/Paris", day=day)
        while True:
            view = edition_view(made, newsletter, app.settings.organisation, store.credits(made))
            rendered = app.renderer.render(view, frozenset())
            if rendered.size <= TARGET_HTML or len(made.entries) <= 3:
                break
            store.drop_item(made, made.entries[-1].item_id)
            session.flush()
        store.approve(made, view, "benchmark")
        return made.id


def mean_message_size(app: App, edition_id: int) -> int:
    """Octets of the messages the edition's recipients get, on average: each (variant,
    format) built once through the send path's factory, weighted by its recipients."""
    with app.database.session() as session:
        edition = EditionStore(session).get(edition_id)
        groups = session.execute(
            sa.select(Delivery.variant, Delivery.format, sa.func.count())
            .where(Delivery.edition_id == edition_id)
            .group_by(Delivery.variant, Delivery.format)
        ).all()
        total = octets = 0
        for variant, format_, count in groups:
            rendered = app.publishing.renderings(session, edition, [variant])[variant]
            factory = MessageFactory(app.publishing.headers(edition, rendered.subject), b"bench")
            values = app.publishing.sample_values(edition)
            person = Recipient("r1", "lecteur000001@commune1.exemple.fr", "Dominique Lecteur 1",
                               values.unsubscribe_url, SAMPLE_MAILTO, SAMPLE_VERP)  # fmt: skip
            bodies = factory.bodies(rendered, text_only=format_ == "text")
            octets += count * len(factory.compose(person, bodies, values))
            total += count
        return octets // max(total, 1)
