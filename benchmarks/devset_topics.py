"""Topics on the development set's measuring part: per topic, micro/macro, and by article length.

    python -m benchmarks.devset_topics --label after            # the shipped default model
    python -m benchmarks.devset_topics --model PATH --label X   # any bundle

Writes benchmarks/results/devset_topics_<label>.json. Only ``Tagger.load``, ``tag_many`` and each
topic's ``slug`` and ``score`` are used, so the same script measures older versions of the
package too (that is how the "before" figures were made; see benchmarks/README.md). A topic is
assigned when ``tag()`` returns it with score >= 0.5, as an editor would see it.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import precision_recall_fscore_support

from benchmarks.common import bootstrap_interval, f1_of_counts
from benchmarks.devset.data import BUCKETS, load
from benchmarks.devset.labels import TOPICS

RESULTS = Path(__file__).parent / "results"


def _scores(gold: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    p, r, f, _ = precision_recall_fscore_support(gold, pred, average="micro", zero_division=0)
    return {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4), "support": int(gold.sum()), "predicted": int(pred.sum())}  # fmt: skip


def measure(model: str | None, part: str = "measure") -> dict[str, object]:
    import tagger

    frame = load(part)
    t0 = time.perf_counter()
    tg = tagger.Tagger.load(model) if model else tagger.Tagger.load()
    tagged = list(tg.tag_many(frame["text"].tolist()))
    elapsed = time.perf_counter() - t0
    gold = np.array([[t in tags for t in TOPICS] for tags in frame["tags"]], dtype=int)
    pred = np.array(
        [[any(x.slug == t and x.score >= 0.5 for x in tags.topics) for t in TOPICS] for tags in tagged],
        dtype=int,
    )  # fmt: skip
    p, r, f, s = precision_recall_fscore_support(gold, pred, average=None, zero_division=0)
    per_topic = {
        t: {
            "precision": round(float(p[k]), 4),
            "recall": round(float(r[k]), 4),
            "f1": round(float(f[k]), 4),
            "support": int(s[k]),
        }
        for k, t in enumerate(TOPICS)
    }
    with_gold = [k for k in range(len(TOPICS)) if s[k] > 0]
    # how far the headline figures move with the sample of articles alone (1,000 resamples)
    counts = np.stack(
        [(gold & pred).sum(1), ((1 - gold) & pred).sum(1), (gold & (1 - pred)).sum(1)], axis=1
    )
    short = (frame["words"] < 300).to_numpy()
    long = (frame["words"] >= 1000).to_numpy()

    def recall_gap(rows: np.ndarray) -> float:
        # rows: (tp, fp, fn, short, long) per article
        def recall(mask: np.ndarray) -> float:
            tp, fn = rows[mask, 0].sum(), rows[mask, 2].sum()
            return float(tp / (tp + fn)) if tp + fn else 0.0

        return recall(rows[:, 3] == 1) - recall(rows[:, 4] == 1)

    with_length = np.column_stack([counts, short, long])
    buckets = {}
    for low, high, name in BUCKETS:
        rows = ((frame["words"] >= low) & (frame["words"] < high)).to_numpy()
        buckets[name] = {"articles": int(rows.sum()), **_scores(gold[rows], pred[rows])}
    return {
        "data": f"development set, {part} part ({len(frame)} articles)",
        "model": model or "default",
        "micro": _scores(gold, pred),
        "macro_f1": round(float(np.mean(f[with_gold])), 4),
        "macro_over": f"{len(with_gold)} topics with gold articles in this part",
        "per_topic": per_topic,
        "by_length": buckets,
        "topics_with_15_or_more_gold_under_0.5": [
            t for t, v in per_topic.items() if v["support"] >= 15 and v["f1"] < 0.5
        ],
        "micro_f1_95_interval": bootstrap_interval(counts, f1_of_counts),
        "recall_under_300_minus_over_1000_95_interval": bootstrap_interval(with_length, recall_gap),
        "seconds": round(elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=None)
    parser.add_argument("--label", default="after")
    parser.add_argument("--part", default="measure", choices=["measure", "fit"])
    args = parser.parse_args()
    result = measure(args.model, args.part)
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if args.part == "measure" else f"_{args.part}"
    out = RESULTS / f"devset_topics_{args.label}{suffix}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: result[k] for k in ("micro", "macro_f1", "by_length")}, indent=1))
    print(f"-> {out}")


if __name__ == "__main__":
    main()
