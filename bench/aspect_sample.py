"""The 100 clothing reviews whose aspects were judged by hand (issue 14 Targets).

Samples 100 non-empty reviews of ``../shared/data/womens_clothing_reviews`` with
``random.Random(14)``, extracts their aspects with the current lexicon and writes
one row per triggering phrase (``review_id, aspect, cue, phrase``) as CSV to stdout.
With ``--judged docs/aspect-precision-judgements.csv`` it prints instead the
precision per aspect of the phrases that the current lexicon still extracts, from
the hand judgements (``correct``), and lists any phrase not judged yet.

Usage: ``python bench/aspect_sample.py [--judged FILE]``
"""

from __future__ import annotations

import argparse
import csv
import gzip
import random
import sys
from collections import defaultdict
from pathlib import Path

from tradepilot.text.aspects import _WORD, _cues, extract_all

REVIEWS = (
    Path(__file__).resolve().parents[2]
    / "shared/data/womens_clothing_reviews/womens_clothing_ecommerce_reviews.csv.gz"
)


def cue_of(sentence: str, aspect: str) -> str:
    """The cue words or phrases of ``aspect`` found in ``sentence``."""
    lowered = sentence.lower()
    words = _WORD.findall(lowered)
    for name, exact, prefixes, phrases in _cues():
        if name == aspect:
            hits = [p for p in phrases if p in lowered]
            hits += [w for w in words if w in exact or w.startswith(prefixes)]
            return "|".join(hits)
    return ""


def sample_rows() -> list[dict[str, str]]:
    with gzip.open(REVIEWS, "rt", encoding="utf-8", newline="") as handle:
        reviews = [
            r for r in csv.DictReader(handle) if (r["Review Text"] or "").strip()
        ]
    chosen = random.Random(14).sample(reviews, 100)
    found = extract_all([r["Review Text"] for r in chosen])
    return [
        {"review_id": r[""], "aspect": a["aspect"], "cue": cue_of(p, a["aspect"]),
         "phrase": p}
        for r, aspects in zip(chosen, found, strict=True)
        for a in aspects
        for p in a["phrases"]
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--judged", type=Path, help="the judgements CSV")
    args = parser.parse_args()
    rows = sample_rows()
    if args.judged is None:
        writer = csv.DictWriter(sys.stdout, ["review_id", "aspect", "cue", "phrase"])
        writer.writeheader()
        writer.writerows(rows)
        return
    with args.judged.open(encoding="utf-8", newline="") as handle:
        judged = {
            (r["review_id"], r["aspect"], r["phrase"]): int(r["correct"])
            for r in csv.DictReader(handle)
        }
    per: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        key = (row["review_id"], row["aspect"], row["phrase"])
        if key not in judged:
            print(f"not judged yet: {key}")
            continue
        per[row["aspect"]].append(judged[key])
    for aspect, marks in sorted(per.items()):
        print(
            f"{aspect:21} {sum(marks):4} of {len(marks):4}: {sum(marks) / len(marks):.3f}"
        )
    every = [m for marks in per.values() for m in marks]
    print(f"{'all':21} {sum(every):4} of {len(every):4}: {sum(every) / len(every):.3f}")


if __name__ == "__main__":
    main()
