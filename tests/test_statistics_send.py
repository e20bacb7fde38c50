"""A real send (SMTP) of a newsletter that counts clicks: its figures are counted at the
end of the send and kept; the tracked links in the messages name the edition and the link,
and nobody."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from newsletter.app import App
from newsletter.settings import Settings
from newsletter.statistics.models import EditionFigures
from tests.conftest import merged
from tests.dispatching import fast_dispatch, populate, relay
from tests.smtp_server import SmtpTestServer

RECIPIENTS = 20


def test_send_counts_its_figures_and_links_name_nobody(
    app: App, make_settings: Callable[..., Settings], project_config: dict[str, Any],
    smtp_server: SmtpTestServer, tmp_path: Path,
) -> None:  # fmt: skip
    """After the send, the edition's figures are stored; in every message the links go
    through /l/EDITION/LINK (12 hex digits), the same for every recipient of a variant."""
    letters = merged(project_config["newsletters"], {"lettre": {"count_clicks": True}})
    settings = make_settings(transport=relay(smtp_server.port), dispatch=fast_dispatch(),
                             newsletters=letters)  # fmt: skip
    sender = App(settings, app.database, app.secrets, app.environ)
    edition_id = populate(sender, tmp_path, RECIPIENTS)
    assert sender.sending.send(edition_id).state == "sent"
    with sender.database.session() as session:
        figures = session.get(EditionFigures, edition_id)
        assert figures is not None
        assert (figures.recipients, figures.sent, figures.text) == (RECIPIENTS, RECIPIENTS, 2)
    public = re.escape(settings.organisation.public_url)
    seen = set()
    for message in smtp_server.messages:
        parts = message.parsed().walk()
        text = " ".join(str(part.get_content()) for part in parts
                        if part.get_content_type() in ("text/plain", "text/html"))  # fmt: skip
        links = frozenset(re.findall(public + r"/l/[^\s\"'<>)\]]*", text))
        assert links, "no tracked link in a message"
        assert all(re.fullmatch(public + rf"/l/{edition_id}/[0-9a-f]{{12}}", link)
                   for link in links)  # fmt: skip
        seen.add(links)
    # One set of links per variant (the recipients chose among three sets of themes), not
    # one per person.
    assert len(smtp_server.messages) == RECIPIENTS and len(seen) == 3
