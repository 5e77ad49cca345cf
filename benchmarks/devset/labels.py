"""The development set's labels: readings A and B, their agreement, and the settled gold labels.

    python -m benchmarks.devset.labels            # agreement report -> benchmarks/results/devset_agreement.json
    python -m benchmarks.devset.labels --disputes # the (article, topic) pairs a third reading settles
    python -m benchmarks.devset.labels --entity-disputes OUT.jsonl  # the measuring part's disputed names
    python -m benchmarks.devset.labels --settle-entities  # -> readings/settled_entities.jsonl

Topics are read twice independently (A: every article; B: every article); an (article, topic)
pair the two readings disagree on is settled by reading C (``readings/c_*.jsonl``: for each
disputed pair, yes or no). Entities are read once (A) with a second reading (B) of every tenth
article of each chunk; agreement is reported.

On the measuring part every article has a second entity reading (B, or E: ``readings/e_*.jsonl``,
read blind in stop 29), and a name exactly one of the two readings gave (names are matched as the
benchmark matches them, KB aliases included) is settled by a third reading F
(``readings/f_*.jsonl``: per article, the disputed names an editor would tag), the way disputed
topics are. The settled tags (``readings/settled_entities.jsonl``) are that part's entity gold;
the fitting part's entity gold stays reading A. Reading A alone is kept beside (``<field>_a``).
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
SETTLED_ENTITIES = READINGS / "settled_entities.jsonl"
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
    """Settled labels per article: topics (A and B agree, or C decided); entity tags settled
    where the article has them (the measuring part), else A's; A's entity tags as ``<field>_a``."""
    a, b, c = reading("a"), reading("b"), reading("c")
    settled_entities = _read_jsonl(SETTLED_ENTITIES) if SETTLED_ENTITIES.is_file() else {}
    out = {}
    for aid, row in a.items():
        agreed = set(row["topics"]) & set(b[aid]["topics"])
        settled = set(c.get(aid, {}).get("yes", []))
        entities = settled_entities.get(aid, row)
        out[aid] = {
            "topics": sorted(agreed | settled),
            **{f: entities.get(f, []) for f in ENTITY_FIELDS},
            **{f"{f}_a": row.get(f, []) for f in ENTITY_FIELDS},
        }
    return out


def _read_jsonl(file: Path) -> dict[str, dict[str, Any]]:
    rows = (json.loads(line) for line in file.read_text(encoding="utf-8").splitlines() if line)
    return {row["id"]: row for row in rows}


def second_entity_reading() -> dict[str, dict[str, Any]]:
    """Article id -> the second entity reading: B's where B read entities, else E's."""
    out = {aid: row for aid, row in reading("b").items() if any(f in row for f in ENTITY_FIELDS)}
    out.update(reading("e"))
    return out


def _split(first: list[str], second: list[str], kb: Any) -> tuple[list[str], list[str]]:
    """(first's names the second reading also gave, names only one of them gave); two names are
    one entity when the benchmark's matcher says so (normalised names, KB aliases)."""
    from tagger.entity_match import match

    hits, _ = match(first, [(name, [name]) for name in second], kb)
    agreed = sorted({first[h] for h in hits if h is not None})
    only_second = [name for name, h in zip(second, hits, strict=True) if h is None]
    only_first = [name for name in first if name not in agreed]
    return agreed, sorted(set(only_first) | set(only_second))


def entity_disputes(ids: list[str], kb: Any) -> dict[str, dict[str, dict[str, list[str]]]]:
    """Article id -> {"agreed": {field: names}, "disputed": {field: names}} for ``ids``."""
    a, second = reading("a"), second_entity_reading()
    missing = [aid for aid in ids if aid not in second]
    if missing:
        raise SystemExit(f"{len(missing)} articles lack a second entity reading: {missing[:3]}")
    out: dict[str, dict[str, dict[str, list[str]]]] = {}
    for aid in ids:
        out[aid] = {"agreed": {}, "disputed": {}}
        for field in ENTITY_FIELDS:
            agreed, disputed = _split(a[aid].get(field, []), second[aid].get(field, []), kb)
            out[aid]["agreed"][field] = agreed
            out[aid]["disputed"][field] = disputed
    return out


def settle_entities(ids: list[str], kb: Any) -> dict[str, Any]:
    """Write the settled entity tags of ``ids`` (agreed, plus what reading F kept of the
    disputed) and return the agreement of the two readings and what F decided."""
    a, second, third = reading("a"), second_entity_reading(), reading("f")
    disputes = entity_disputes(ids, kb)
    unsettled = [aid for aid, d in disputes.items() if any(d["disputed"].values()) and aid not in third]  # fmt: skip
    if unsettled:
        raise SystemExit(f"{len(unsettled)} disputed articles lack reading F: {unsettled[:3]}")
    rows, report = [], {}
    for field in ENTITY_FIELDS:
        n_a = sum(len(a[aid].get(field, [])) for aid in ids)
        n_b = sum(len(second[aid].get(field, [])) for aid in ids)
        n_agreed = sum(len(disputes[aid]["agreed"][field]) for aid in ids)
        n_disputed = sum(len(disputes[aid]["disputed"][field]) for aid in ids)
        kept = sum(
            len(set(third.get(aid, {}).get(field, [])) & set(disputes[aid]["disputed"][field]))
            for aid in ids
        )
        report[field] = {
            "a": n_a,
            "second": n_b,
            "agreed": n_agreed,
            # the second reading against A, as the benchmark matches names
            "f1_second_vs_a": round(prf(n_agreed, n_b - n_agreed, n_a - n_agreed)[2], 4),
            "disputed": n_disputed,
            "kept_by_third_reading": kept,
            "settled": n_agreed + kept,
        }
    for aid in ids:
        row: dict[str, Any] = {"id": aid}
        for field in ENTITY_FIELDS:
            disputed = disputes[aid]["disputed"][field]
            # F answers only on the names it was shown
            kept = [n for n in third.get(aid, {}).get(field, []) if n in disputed]
            row[field] = disputes[aid]["agreed"][field] + sorted(set(kept))
        rows.append(row)
    SETTLED_ENTITIES.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return {
        "articles": len(ids),
        "disputed": sum(r["disputed"] for r in report.values()),
        "kept_by_third_reading": sum(r["kept_by_third_reading"] for r in report.values()),
        "per_type": report,
    }


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
    parser.add_argument("--entity-disputes", type=Path, metavar="OUT")
    parser.add_argument("--settle-entities", action="store_true")
    args = parser.parse_args()
    if args.disputes:
        for aid, topics in disputes().items():
            print(aid, " ".join(topics))
        return
    if args.entity_disputes or args.settle_entities:
        from benchmarks.devset.data import measure_ids
        from tagger.knowledge import KnowledgeBase

        ids, kb = measure_ids(), KnowledgeBase.load()
        if args.entity_disputes:
            with open(args.entity_disputes, "w", encoding="utf-8") as fh:
                for aid, d in entity_disputes(ids, kb).items():
                    if any(d["disputed"].values()):
                        fh.write(json.dumps({"id": aid, **d}, ensure_ascii=False) + "\n")
            return
        report = settle_entities(ids, kb)
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / "devset_entity_settling.json"
        out.write_text(json.dumps(report, indent=1) + "\n")
        print(json.dumps(report, indent=1))
        return
    report = agreement()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "devset_agreement.json").write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
