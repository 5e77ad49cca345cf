"""Reuters-21578 ModApte, the 90 categories with a training and a test document.

Trains with the ``tagger train`` command (as a newsroom would on its archive), then tags the
test texts with the written bundle and scores the topics it assigns (score >= 0.5).
Anchors: linear SVM about 0.86 micro-F1; the best transformers 0.89-0.91.
Usage: python benchmarks/reuters.py [--model logreg|svm] [--C 10]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

from benchmarks.common import Timer, shared, write_result
from tagger.tagger import Tagger
from tagger.topics import ASSIGNED
from tagger.training import prf


def load_split() -> tuple[list[dict], list[dict], list[str]]:
    rows = [
        json.loads(line) for line in shared("eval", "reuters21578", "reuters21578_all.jsonl").open()
    ]
    train = [r for r in rows if r["modapte"] == "train" and r["topics"]]
    test = [r for r in rows if r["modapte"] == "test" and r["topics"]]
    seen_train = Counter(t for r in train for t in r["topics"])
    seen_test = Counter(t for r in test for t in r["topics"])
    cats = sorted(set(seen_train) & set(seen_test))
    keep = set(cats)
    train = [r for r in train if keep & set(r["topics"])]
    test = [r for r in test if keep & set(r["topics"])]
    return train, test, cats


def text_of(row: dict) -> str:
    return f"{row['title']}\n{row['body']}".strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="svm")
    parser.add_argument("--C", type=float, default=1.0)
    args = parser.parse_args()
    train, test, cats = load_split()
    keep = set(cats)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "reuters_train.jsonl"
        with data.open("w") as handle:
            for r in train:
                labels = [t for t in r["topics"] if t in keep]
                handle.write(json.dumps({"body": text_of(r), "tags": labels}) + "\n")
        bundle = Path(tmp) / "reuters"
        command = [
            sys.executable, "-m", "tagger", "train", str(data), "--out", str(bundle),
            "--text-col", "body", "--labels-col", "tags", "--model", args.model, "--C", str(args.C),
        ]  # fmt: skip
        with Timer() as fit_time:
            subprocess.run(command, check=True)
        tagger = Tagger.load(bundle)
        with Timer() as tag_time:
            results = list(tagger.tag_many([text_of(r) for r in test], batch_size=128))
        manifest = tagger.manifest
    index = {c: i for i, c in enumerate(cats)}
    truth = np.zeros((len(test), len(cats)), dtype=int)
    pred = np.zeros_like(truth)
    for row, (r, tags) in enumerate(zip(test, results, strict=True)):
        for t in r["topics"]:
            if t in index:
                truth[row, index[t]] = 1
        for topic in tags.topics:
            if topic.score >= ASSIGNED:
                pred[row, index[topic.slug]] = 1
    per = {c: prf(pred[:, i], truth[:, i]) for i, c in enumerate(cats)}
    write_result(
        "reuters21578",
        {
            "setting": "ModApte, 90 categories with >=1 train and >=1 test document",
            "train_docs": len(train),
            "test_docs": len(test),
            "categories": len(cats),
            "params": manifest.get("params"),
            "micro": prf(pred.ravel(), truth.ravel()),
            "macro_f1": round(float(np.mean([m["f1"] for m in per.values()])), 4),
            "cv_micro_f1_on_train": manifest["metrics"]["micro"]["f1"],
            "train_seconds": round(fit_time.seconds, 1),
            "tag_seconds": round(tag_time.seconds, 1),
            "anchors": {"linear SVM": 0.86, "best transformers": "0.89-0.91"},
            "command": "python -m benchmarks.reuters " + " ".join(sys.argv[1:]),
            "per_category": per,
        },
    )


if __name__ == "__main__":
    main()
