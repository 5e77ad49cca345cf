"""Peak memory and time against text length: ``tagger.tag`` vs bare spaCy on the same text.

    python -m benchmarks.memory            # 10k, 100k, 1M characters -> results/memory.json

Each measurement runs in a fresh process (peak RSS is per process: ``ru_maxrss``), model load
included in both. The text is real news (BBC News stories from ../shared/eval joined with blank
lines), cut to the length. Ours tags long texts in pieces (``tagger.tagger.PIECE_CHARS``), so its
peak should not grow with the text; bare spaCy processes the text as one doc.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
LENGTHS = (10_000, 100_000, 1_000_000)

CHILD = """
import csv, json, resource, sys, time
from pathlib import Path
mode, length, source, dump = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
csv.field_size_limit(10**9)
with open(source, encoding="utf-8", newline="") as fh:
    rows = list(csv.DictReader(fh))
text, i = "", 0
while len(text) < length:
    row = rows[i % len(rows)]
    text += row["title"] + "\\n\\n" + row["text"] + "\\n\\n"
    i += 1
text = text[:length]
if mode in ("ours", "whole"):
    import tagger
    import tagger.tagger
    if mode == "whole":  # today's behaviour before issue 14: one doc for the whole text
        tagger.tagger.PIECE_CHARS = 2 * length
    tg = tagger.Tagger.load()
    t0 = time.perf_counter()
    tags = tg.tag(text)
    mentions = sorted((m.start, m.end, e.label) for e in tags.entities for m in e.mentions)
else:
    import spacy
    from tagger.pipeline import NER_ONLY_EXCLUDE, base_model_name
    nlp = spacy.load(base_model_name(), exclude=NER_ONLY_EXCLUDE)
    nlp.max_length = max(nlp.max_length, length + 1)
    t0 = time.perf_counter()
    doc = nlp(text)
    mentions = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
seconds = time.perf_counter() - t0
Path(dump).write_text(json.dumps(mentions))
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"mode": mode, "chars": length, "seconds": round(seconds, 2), "peak_rss_mb": round(peak_mb, 1), "mentions": len(mentions)}))
"""


def run(mode: str, length: int, source: Path, dump: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(length), str(source), str(dump)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def agreement(pieces: Path, whole: Path) -> float:
    """Share of the whole-text mentions (start, end, label) that tagging in pieces also finds."""
    a = {tuple(m) for m in json.loads(pieces.read_text())}
    b = {tuple(m) for m in json.loads(whole.read_text())}
    return round(len(a & b) / len(b), 4) if b else 1.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", type=int, nargs="+", default=list(LENGTHS))
    args = parser.parse_args()
    source = (
        Path(__file__).resolve().parents[2] / "shared" / "eval" / "bbc_news" / "bbc_news_2225.csv"
    )
    rows = []
    tmp = Path(tempfile.mkdtemp())
    for length in args.lengths:
        ours = run("ours", length, source, tmp / "ours.json")
        bare = run("bare", length, source, tmp / "bare.json")
        whole = run("whole", length, source, tmp / "whole.json")
        row = {
            "chars": length,
            "ours": ours,
            "bare": bare,
            "whole_text_in_one_doc": whole,
            "mentions_same_as_one_doc": agreement(tmp / "ours.json", tmp / "whole.json"),
            "rss_ratio": round(float(ours["peak_rss_mb"]) / float(bare["peak_rss_mb"]), 3),  # type: ignore[arg-type]
            "time_ratio": round(float(ours["seconds"]) / float(bare["seconds"]), 3),  # type: ignore[arg-type]
        }
        rows.append(row)
        print(json.dumps(row))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "memory.json").write_text(json.dumps({"runs": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
