"""Issue 5's end-to-end check: a 100,000-row JSONL archive with a few hundred bad rows, tagged by
``tagger batch``, SIGKILLed half-way, resumed, every row accounted for exactly once; then the same
archive on a Dask LocalCluster, compared row for row with the single-machine output.

Run: ``python -m benchmarks.archive_e2e [--rows 100000] [--workdir /tmp/tagger-e2e]``.
Texts are the first two sentences of corpus stories (short, to keep the run under half an hour on
2 cores); results go to ``benchmarks/results/archive_e2e.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.batch import corpus_texts, lead
from benchmarks.common import ROOT, Timer, write_result

BAD_KINDS = [
    b'{"id": "broken", "body": "unterminated\n',
    b'{"id": "num", "body": 12345}\n',
    b'{"id": "nobody", "headline": "no body column"}\n',
    b'{"id": "latin1", "body": "caf\xe9 au lait"}\n',
    b'"just a string"\n',
    b'{"body": null}\n',
]


def make_archive(path: Path, rows: int, bad: int, seed: int = 0) -> dict[str, Any]:
    """``rows`` lines, ``bad`` of them unusable; good rows have ids g0, g1, ... in order."""
    rng = random.Random(seed)
    texts = [lead(s) for s in corpus_texts()]
    bad_at = set(rng.sample(range(rows), bad))
    good = 0
    with open(path, "wb") as fh:
        for i in range(rows):
            if i in bad_at:
                fh.write(BAD_KINDS[i % len(BAD_KINDS)])
            elif i % 50 == 7:  # a good row without an id: the line number stands in
                fh.write(json.dumps({"body": texts[i % len(texts)]}).encode() + b"\n")
                good += 1
            else:
                row = {"id": f"g{i}", "body": texts[i % len(texts)]}
                fh.write(json.dumps(row).encode() + b"\n")
                good += 1
    return {"rows": rows, "bad": bad, "good": good}


def batch_cmd(src: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "tagger", "batch", str(src), "--out", str(out), "--no-progress", *extra]  # fmt: skip


def summary_line(stderr: str) -> str:
    return next(
        (line for line in stderr.splitlines() if line.startswith("rows read")), stderr[-500:]
    )


def check(out: Path, expected: dict[str, Any]) -> dict[str, Any]:
    """Every input line exactly once, in the output or in the error file."""
    import pyarrow.parquet as pq

    ids = pq.read_table(out, columns=["id"]).column("id").to_pylist()
    with open(out.with_name(out.name + ".errors.jsonl"), encoding="utf-8") as fh:
        errors = [json.loads(line) for line in fh]
    lines_out = [int(i.split(":")[1]) if i.startswith("line:") else int(i[1:]) + 1 for i in ids]
    lines_err = [e["line"] for e in errors]
    every = sorted(lines_out + lines_err)
    return {
        "rows_out": len(ids),
        "rows_in_error_file": len(errors),
        "every_row_exactly_once": every == list(range(1, expected["rows"] + 1)),
        "output_in_input_order": lines_out == sorted(lines_out),
        "no_duplicate_ids": len(set(ids)) == len(ids),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bad", type=int, default=300)
    parser.add_argument("--n-process", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/tagger-e2e"))
    args = parser.parse_args()
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    src, out = work / "archive.jsonl", work / "tagged.parquet"
    expected = make_archive(src, args.rows, args.bad)
    result: dict[str, Any] = {"archive": expected, "texts": "first two sentences of corpus stories"}
    for stale in (out, work / "tagged_dask.parquet"):
        subprocess.run(["rm", "-rf", str(stale), f"{stale}.parts", f"{stale}.errors.jsonl"])

    cmd = batch_cmd(src, out, "--n-process", str(args.n_process))
    state = Path(f"{out}.parts") / "state.json"
    half = args.rows // 1000 // 2
    with Timer() as first:
        proc = subprocess.Popen(cmd, cwd=ROOT, start_new_session=True, stderr=subprocess.PIPE)
        while proc.poll() is None:
            if state.exists() and len(json.loads(state.read_text())["parts"]) >= half:
                break
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)  # the command and its spaCy worker processes
        proc.wait()
    done = len(json.loads(state.read_text())["parts"])
    result["killed"] = {"after_s": round(first.seconds, 1), "parts_done": done, "output_exists": out.exists()}  # fmt: skip
    refused = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    result["rerun_without_resume"] = {"exit": refused.returncode, "stderr": refused.stderr.strip()}
    with Timer() as second:
        resumed = subprocess.run([*cmd, "--resume"], cwd=ROOT, capture_output=True, text=True)
    result["resumed"] = {
        "exit": resumed.returncode,
        "seconds": round(second.seconds, 1),
        "summary": summary_line(resumed.stderr),
        **check(out, expected),
    }

    dask_out = work / "tagged_dask.parquet"
    with Timer() as t:
        dask = subprocess.run(
            [*batch_cmd(src, dask_out, "--engine", "dask", "--tolerate-errors")],
            cwd=ROOT, capture_output=True, text=True,
        )  # fmt: skip
    import pyarrow.parquet as pq

    same = pq.read_table(out).equals(pq.read_table(dask_out))
    same_errors = Path(f"{out}.errors.jsonl").read_bytes() == Path(f"{dask_out}.errors.jsonl").read_bytes()  # fmt: skip
    result["dask_local_cluster"] = {
        "exit": dask.returncode,
        "seconds": round(t.seconds, 1),
        "summary": summary_line(dask.stderr),
        "identical_to_local_output": same,
        "identical_error_file": same_errors,
        **check(dask_out, expected),
    }
    write_result("archive_e2e", result)


if __name__ == "__main__":
    main()
