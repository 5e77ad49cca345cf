"""Print the articles of one reading chunk for a reader (the texts stay in ../shared).

python -m benchmarks.devset.show --chunk 3            # list ids, words and what to label
python -m benchmarks.devset.show --chunk 3 --article 5   # print article 5 of chunk 3 in full
"""

from __future__ import annotations

import argparse
import csv

from benchmarks.devset.select import ARTICLES
from benchmarks.devset.sources import load_texts


def chunk_rows(chunk: int) -> list[dict[str, str]]:
    with open(ARTICLES, encoding="utf-8", newline="") as fh:
        return [row for row in csv.DictReader(fh) if int(row["chunk"]) == chunk]


def second_entity_reading(index: int) -> bool:
    """Every tenth article of a chunk gets a second, independent entity reading (reading B)."""
    return index % 10 == 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunk", type=int, required=True)
    parser.add_argument("--article", type=int, help="1-based position in the chunk")
    parser.add_argument("--all", action="store_true", help="print every article of the chunk")
    args = parser.parse_args()
    rows = chunk_rows(args.chunk)
    if args.all:
        texts = load_texts(row["id"] for row in rows)
        for i, row in enumerate(rows, 1):
            flag = "  [reading B: entities too]" if second_entity_reading(i) else ""
            print(f"\n\n=== {i}/{len(rows)}  id: {row['id']}  ({row['words']} words){flag} ===\n")
            print(texts[row["id"]])
        return
    if args.article is None:
        for i, row in enumerate(rows, 1):
            flag = "  [reading B: entities too]" if second_entity_reading(i) else ""
            print(f"{i:3d}  {row['id']}  ({row['words']} words){flag}")
        return
    row = rows[args.article - 1]
    text = load_texts([row["id"]])[row["id"]]
    print(f"=== {args.article}/{len(rows)}  id: {row['id']}  ({row['words']} words) ===\n")
    print(text)


if __name__ == "__main__":
    main()
