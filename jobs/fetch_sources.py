"""Job: gather every source (periodic)."""

from __future__ import annotations

from datetime import datetime

from newsletter.app import App
from newsletter.sources.pipeline import gather


def run(app: App, now: datetime) -> str:
    reports = gather(app.settings, app.database)
    failed = [report.key for report in reports if not report.ok]
    new = sum(report.saved.new for report in reports)
    outcome = f"{len(reports)} source(s), {new} nouvel(s) élément(s)"
    if failed:
        outcome += f", en échec : {', '.join(failed)}"
    images = app.illustrations.after_gathering()
    return f"{outcome} ; {images}" if images else outcome
