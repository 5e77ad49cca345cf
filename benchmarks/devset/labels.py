"""The development set's labels: readings A and B, their agreement, and the settled gold labels.

    python -m benchmarks.devset.labels            # agreement report -> benchmarks/results/devset_agreement.json
    python -m benchmarks.devset.labels --disputes # the (article, topic) pairs a third reading settles

Topics are read twice independently (A: every article; B: every article); an (article, topic)
pair the two readings disagree on is settled by reading C (``readings/c_*.jsonl``: for each
disputed pair, yes or no). Entities are read once (A) with a second reading (B) of every tenth
article of each chunk; agreement is reported, A's labels are the gold.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path
from typing import Any

from tagger.metrics import prf

HERE = Path(__file__).parent
READINGS = HERE / "readings"
ARTICLES = HERE / "articles.csv"
RESULTS = HERE.parent / "results"
ENTITY_FIELDS = ("people", "countries", "organisations", "apps")
TOPICS = (
    "sanctions", "censorship", "press-freedom", "surveillance", "war", "diplomacy",
    "military-aid", "elections", "corruption", "espionage", "cyber-warfare", "energy",
    "human-rights", "disinformation", "tech-platforms", "refugees", "justice", "economy",
)  # fmt: skip


def articles() -> list[dict[str, str]]:
    with open(ARTICLES, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def reading(letter: str) -> dict[str, dict[str, Any]]:
    """Every line of ``readings/<letter>_*.jsonl`` by article id."""
    out: dict[str, dict[str, Any]] = {}
    for file in sorted(READINGS.glob(f"{letter}_*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out[row["id"]] = row
    return out


def _prf(pred: set[tuple[str, str]], gold: set[tuple[str, str]]) -> dict[str, float]:
    tp = len(pred & gold)
    f1 = prf(tp, len(pred) - tp, len(gold) - tp)[2]
    return {"f1": round(f1, 4), "a_count": len(gold), "b_count": len(pred)}


def _norm(name: str) -> str:
    return " ".join(name.casefold().replace(".", "").split())


def disputes() -> dict[str, list[str]]:
    """Article id -> topics exactly one of readings A and B gave."""
    a, b = reading("a"), reading("b")
    out = {}
    for aid in a:
        diff = sorted(set(a[aid]["topics"]) ^ set(b[aid]["topics"]))
        if diff:
            out[aid] = diff
    return out


def gold() -> dict[str, dict[str, Any]]:
    """Settled labels per article: topics (A and B agree, or C decided) and A's entity tags."""
    a, b, c = reading("a"), reading("b"), reading("c")
    out = {}
    for aid, row in a.items():
        agreed = set(row["topics"]) & set(b[aid]["topics"])
        settled = set(c.get(aid, {}).get("yes", []))
        out[aid] = {
            "topics": sorted(agreed | settled),
            **{f: row.get(f, []) for f in ENTITY_FIELDS},
        }
    return out


def agreement() -> dict[str, Any]:
    a, b = reading("a"), reading("b")
    ids = [row["id"] for row in articles()]
    missing = [i for i in ids if i not in a or i not in b]
    if missing:
        raise SystemExit(f"{len(missing)} articles lack a reading, e.g. {missing[:3]}")
    pa = {(i, t) for i in ids for t in a[i]["topics"]}
    pb = {(i, t) for i in ids for t in b[i]["topics"]}
    per_topic = {}
    for topic in TOPICS:
        sa = {p for p in pa if p[1] == topic}
        sb = {p for p in pb if p[1] == topic}
        per_topic[topic] = _prf(sb, sa)
    second = [i for i in ids if any(f in b[i] for f in ENTITY_FIELDS)]
    entities = {}
    for field in ENTITY_FIELDS:
        ea = {(i, _norm(n)) for i in second for n in a[i].get(field, [])}
        eb = {(i, _norm(n)) for i in second for n in b[i].get(field, [])}
        entities[field] = _prf(eb, ea)
    all_a = {(i, f, _norm(n)) for i in second for f in ENTITY_FIELDS for n in a[i].get(f, [])}
    all_b = {(i, f, _norm(n)) for i in second for f in ENTITY_FIELDS for n in b[i].get(f, [])}
    entities["all"] = _prf(all_b, all_a)  # type: ignore[arg-type]
    return {
        "articles": len(ids),
        "topics_micro_f1_b_vs_a": _prf(pb, pa),
        "topics_per_topic": per_topic,
        "disputed_pairs": sum(len(v) for v in disputes().values()),
        "entity_second_reading_articles": len(second),
        "entities_f1_b_vs_a": entities,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--disputes", action="store_true")
    args = parser.parse_args()
    if args.disputes:
        for aid, topics in disputes().items():
            print(aid, " ".join(topics))
        return
    report = agreement()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "devset_agreement.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
