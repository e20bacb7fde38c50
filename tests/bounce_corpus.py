"""The labelled corpus of real bounce messages (tests/data/bounces/corpus.csv) and how the
classifier does on it: hard recall, false-hard rate, complaints recognised."""

from __future__ import annotations

import csv
import email
from dataclasses import dataclass
from pathlib import Path

from subscribers.delivery_reports import read_report

DATA = Path(__file__).parent / "data" / "bounces"
CLASSES = ("hard", "soft", "ignore", "complaint")


@dataclass(frozen=True)
class Sample:
    file: str
    expected: str  # hard, soft, ignore, complaint
    mta: str
    source: str


@dataclass(frozen=True)
class Scores:
    results: list[tuple[Sample, str]]  # each sample with the classifier's verdict

    def count(self, expected: str, got: str | None = None) -> int:
        return sum(1 for sample, verdict in self.results
                   if sample.expected == expected and (got is None or verdict == got))  # fmt: skip

    @property
    def hard_recall(self) -> float:
        return self.count("hard", "hard") / self.count("hard")

    @property
    def false_hard(self) -> int:
        return sum(1 for s, verdict in self.results if verdict == "hard" and s.expected != "hard")

    @property
    def false_hard_rate(self) -> float:
        return self.false_hard / (len(self.results) - self.count("hard"))

    @property
    def wrong(self) -> list[tuple[Sample, str]]:
        return [(sample, verdict) for sample, verdict in self.results if verdict != sample.expected]


def samples() -> list[Sample]:
    with (DATA / "corpus.csv").open(newline="", encoding="utf-8") as file:
        return [Sample(row["file"], row["expected"], row["mta"], row["source"])
                for row in csv.DictReader(file)]  # fmt: skip


def verdict(sample: Sample) -> str:
    raw = (DATA / sample.file).read_bytes()
    return read_report(email.message_from_bytes(raw), raw).verdict


def evaluate() -> Scores:
    return Scores([(sample, verdict(sample)) for sample in samples()])
