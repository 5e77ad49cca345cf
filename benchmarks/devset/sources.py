"""Read the development set's article texts from ../shared/eval at run time (never stored in the repo).

Each article has a stable id of the form ``source:source_id``; `load_texts` returns ``{id: text}``
for the ids asked for, and raises FileNotFoundError when ../shared is absent so callers can skip.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

SHARED_EVAL = Path(__file__).resolve().parents[3] / "shared" / "eval"


def shared_eval_dir() -> Path:
    """The folder of real texts, or FileNotFoundError naming where it was looked for."""
    if not SHARED_EVAL.is_dir():
        raise FileNotFoundError(f"../shared/eval not found at {SHARED_EVAL}")
    return SHARED_EVAL


def iter_articles() -> Iterator[tuple[str, str, str]]:
    """Every candidate article as ``(id, source, text)``; text is title + body as a reader sees it."""
    root = shared_eval_dir()
    csv.field_size_limit(10**9)
    with open(root / "bbc_news" / "bbc_news_2225.csv", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["category"] in {"politics", "business", "tech"}:
                yield f"bbc:{row['id']}", "bbc", f"{row['title']}\n\n{row['text']}"
    with open(root / "reuters21578" / "reuters21578_all.jsonl", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            if doc.get("lewissplit") == "TEST" or not doc.get("body"):
                continue
            yield f"reuters:{doc['newid']}", "reuters", f"{doc.get('title', '')}\n\n{doc['body']}"
    with open(root / "gum_wikinews" / "gum_wikinews_entities.jsonl", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            yield f"gum:{doc['id']}", "gum", doc["text"]
    with open(root / "meantime_en" / "meantime_en_mentions.jsonl", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            if doc.get("duplicate_of"):
                continue
            yield f"meantime:{doc['id']}", "meantime", doc["text"]
    with open(root / "tor_blog" / "tor_blog_posts.jsonl", encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            yield f"tor:{doc['id']}", "tor", doc["text"]


def load_texts(ids: Iterable[str]) -> dict[str, str]:
    """The texts of the given article ids; KeyError names any id the sources do not hold."""
    wanted = set(ids)
    found = {aid: text for aid, _, text in iter_articles() if aid in wanted}
    missing = wanted - found.keys()
    if missing:
        raise KeyError(
            f"{len(missing)} development-set ids not in ../shared/eval, e.g. {sorted(missing)[:3]}"
        )
    return found
