"""The development set as a DataFrame: texts from ../shared at run time, settled labels from the repo.

    from benchmarks.devset.data import load
    measure = load("measure")   # the part we only measure on
    fit = load("fit")           # the part the aggregator and thresholds may be fitted on

    python -m benchmarks.devset.data --part fit --out /tmp/devset_fit.jsonl   # for tagger train --calibration

Articles with the same text (the sources hold a few duplicates) are kept in one part: the part of
the group's first id, so the measuring part never contains a text the fitting part has.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import pandas as pd

from benchmarks.devset.labels import ENTITY_FIELDS, articles, gold
from benchmarks.devset.sources import load_texts

BUCKETS = ((0, 300, "<300"), (300, 1000, "300-1000"), (1000, 10**9, ">1000"))


def length_bucket(words: int) -> str:
    return next(name for lo, hi, name in BUCKETS if lo <= words < hi)


def load(part: str | None = None) -> pd.DataFrame:
    """Articles with text and gold labels; ``part`` is "fit", "measure" or None for both.

    FileNotFoundError when ../shared is absent (callers skip).
    """
    rows = articles()
    texts = load_texts(r["id"] for r in rows)
    labels = gold()
    first_part: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: r["id"]):
        digest = hashlib.sha256(" ".join(texts[row["id"]].split()).encode()).hexdigest()
        row["part"] = first_part.setdefault(digest, row["part"])
    frame = pd.DataFrame(
        [
            {
                "id": r["id"],
                "source": r["source"],
                "part": r["part"],
                "words": len(texts[r["id"]].split()),
                "text": texts[r["id"]],
                "tags": labels[r["id"]]["topics"],
                **{f: labels[r["id"]][f] for f in ENTITY_FIELDS},
                **{f"{f}_a": labels[r["id"]][f"{f}_a"] for f in ENTITY_FIELDS},
            }
            for r in rows
        ]
    )
    frame["length"] = frame["words"].map(length_bucket)
    return frame if part is None else frame[frame["part"] == part].reset_index(drop=True)


def measure_ids() -> list[str]:
    """The measuring part's article ids (after duplicate texts are kept in one part)."""
    return load("measure")["id"].tolist()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=["fit", "measure"], required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    frame = load(args.part)
    with open(args.out, "w", encoding="utf-8") as fh:
        for row in frame.to_dict("records"):
            fh.write(json.dumps({"id": row["id"], "text": row["text"], "tags": row["tags"]}) + "\n")
    print(f"{len(frame)} articles ({args.part}) -> {args.out}")


if __name__ == "__main__":
    main()
