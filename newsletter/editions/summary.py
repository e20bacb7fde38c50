"""What a new draft holds, in editors' words: its items and rubriques, and what to look at
(an empty edition, an empty rubrique, a text still to write). The draft notice email, the
edition pages and the command line all say it this way."""

from __future__ import annotations

from dataclasses import dataclass

from newsletter.editions.models import Edition
from newsletter.settings import NewsletterSettings

TEXTS = {"edito": "l’édito", "mouvements": "les mouvements"}


@dataclass(frozen=True)
class DraftSummary:
    items: int
    rubriques: int
    warnings: tuple[str, ...]

    @property
    def counts(self) -> str:
        """« 12 éléments en 5 rubriques »."""
        items = f"{self.items} élément{'s' if self.items != 1 else ''}"
        rubriques = f"{self.rubriques} rubrique{'s' if self.rubriques != 1 else ''}"
        return f"{items} en {rubriques}" if self.items else "aucun élément"


def summarise(edition: Edition, newsletter: NewsletterSettings) -> DraftSummary:
    """The draft's counts and warnings (a special issue's empty rubriques are expected)."""
    filled = {entry.section for entry in edition.entries}
    written = {"edito": edition.edito, "mouvements": edition.mouvements}
    warnings = []
    if not edition.entries:
        warnings.append("aucun élément : ajoutez-en, ou vérifiez que les sources ont été lues")
    elif not edition.special:
        empty = [section.title for section in newsletter.sections
                 if not section.text and section.key not in filled]  # fmt: skip
        warnings += [f"rubrique « {title} » vide" for title in empty]
    wanted = [s.text for s in newsletter.sections if s.text]
    if edition.special:  # an invitation has no mouvements
        wanted = [text for text in wanted if text == "edito"]
    missing = [TEXTS[text] for text in wanted if not written[text]]
    if missing:
        warnings.append(f"à écrire : {' et '.join(missing)}")
    return DraftSummary(len(edition.entries), len(filled), tuple(warnings))
