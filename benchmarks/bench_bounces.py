"""Bounce classification on the labelled corpus of real messages (tests/data/bounces).

Prints hard recall (hard bounces recognised as hard), the false-hard rate (other messages
classified hard: each would suppress a real reader), complaints recognised, the confusion
table and every misclassified message with its MTA. Goal: false hard <= 2 % with hard
recall >= 90 %.

    .venv/bin/python benchmarks/bench_bounces.py
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.bounce_corpus import CLASSES, evaluate


def main() -> None:
    started = time.perf_counter()
    scores = evaluate()
    elapsed = time.perf_counter() - started
    total = len(scores.results)
    hard, others = scores.count("hard"), total - scores.count("hard")
    complaints = scores.count("complaint")
    mtas = len({sample.mta for sample, _ in scores.results})
    print(f"corpus: {total} messages from {mtas} MTAs/providers "
          f"({', '.join(f'{scores.count(c)} {c}' for c in CLASSES)})")  # fmt: skip
    print(f"hard recall:        {scores.count('hard', 'hard')}/{hard} = "
          f"{scores.hard_recall:.1%}   (goal >= 90 %)")  # fmt: skip
    print(f"false hard:         {scores.false_hard}/{others} = "
          f"{scores.false_hard_rate:.1%}   (goal <= 2 %)")  # fmt: skip
    print(f"complaints found:   {scores.count('complaint', 'complaint')}/{complaints}")
    print(f"time:               {elapsed * 1000 / total:.2f} ms per message")
    print("\nexpected \\ got " + "".join(f"{c:>10}" for c in CLASSES))
    for expected in CLASSES:
        row = "".join(f"{scores.count(expected, got):>10}" for got in CLASSES)
        print(f"{expected:<14} {row}")
    wrong = scores.wrong
    print(f"\nmisclassified: {len(wrong)}")
    per_mta = Counter(sample.mta for sample, _ in wrong)
    for sample, got in sorted(wrong, key=lambda item: (item[0].mta, item[0].file)):
        print(f"  {sample.mta:<14} {sample.file:<40} {sample.expected} -> {got}")
    if per_mta:
        print("per MTA: " + ", ".join(f"{mta} {count}" for mta, count in per_mta.most_common()))
    goals = scores.hard_recall >= 0.9 and scores.false_hard_rate <= 0.02
    print(f"\ngoal {'met' if goals else 'NOT met'}")


if __name__ == "__main__":
    main()
