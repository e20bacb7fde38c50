"""The labelled corpus of real bounce messages: the classifier meets its goals on it."""

from __future__ import annotations

from tests.bounce_corpus import CLASSES, DATA, evaluate, samples


def test_corpus_manifest_covers_every_message_once() -> None:
    """Every message file of the corpus has exactly one known label, and every label a file."""
    listed = [sample.file for sample in samples()]
    on_disk = sorted(
        str(path.relative_to(DATA)) for folder in ("flufl", "bounced", "baunsu", "sisimai")
        for path in (DATA / folder).iterdir() if path.suffix in (".txt", ".eml")
    )  # fmt: skip
    assert sorted(listed) == on_disk
    assert {sample.expected for sample in samples()} <= set(CLASSES)


def test_corpus_goals_hard_recall_false_hard_complaints() -> None:
    """Hard recall at least 90 %, false hard at most 2 %, every complaint recognised."""
    scores = evaluate()
    assert scores.hard_recall >= 0.90, scores.wrong
    assert scores.false_hard_rate <= 0.02, scores.wrong
    assert scores.count("complaint", "complaint") == scores.count("complaint"), scores.wrong
