"""Fuzz: 200 seeded random archives through the batch job, interrupted at random, then resumed.

Each archive mixes valid rows, malformed JSON, wrong types, missing text, blank lines, rows over
the per-text limit and duplicated ids. Whatever the mix and wherever the interruption, every
input row is either in the output (in input order, once) or in the errors file, and the input
file is unchanged (issue 14).
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import pytest

from tagger.batch import local_runner, read_output, tag_file

N_ARCHIVES = 200
MAX_CHARS = 120
WORDS = "Putin Macron Kyiv Moscow sanctions WhatsApp Telegram court election oil refugees".split()


def make_archive(rng: random.Random, path: Path) -> tuple[list[str], list[int]]:
    """Write a random archive; return the ids of the good rows and the row numbers of the bad."""
    lines: list[bytes] = []
    good: list[str] = []
    bad: list[int] = []
    row = 0
    for _ in range(rng.randint(1, 25)):
        kind = rng.choices(
            ["good", "dup", "json", "type", "missing", "blank", "huge"],
            weights=[10, 2, 1, 1, 1, 2, 1],
        )[0]
        if kind == "blank":
            lines.append(rng.choice([b"", b"   ", b"\t"]))
            continue
        row += 1
        rid = f"r{row}" if kind != "dup" or not good else rng.choice(good)
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12))) + "."
        if kind in ("good", "dup"):
            lines.append(json.dumps({"id": rid, "body": text}).encode())
            good.append(rid)
        elif kind == "json":
            lines.append(b'{"id": "broken", "body": "no end')
            bad.append(row)
        elif kind == "type":
            lines.append(json.dumps({"id": rid, "body": rng.choice([42, None, ["a"], {"b": 1}])}).encode())  # fmt: skip
            bad.append(row)
        elif kind == "missing":
            lines.append(json.dumps({"id": rid}).encode())
            bad.append(row)
        else:  # over the per-text limit
            lines.append(json.dumps({"id": rid, "body": "Putin spoke. " * 20}).encode())
            bad.append(row)
    path.write_bytes(b"\n".join(lines) + b"\n")
    return good, bad


class Interrupted(Exception):
    pass


def interrupting(runner, after: int):
    def run(chunks):
        for n, item in enumerate(runner(chunks)):
            if n == after:
                raise Interrupted
            yield item

    return run


@pytest.mark.slow
def test_random_archives_keep_every_row_exactly_once(default, tmp_path):
    rng = random.Random(20261204)
    runner = local_runner(default, batch_size=16)
    for n in range(N_ARCHIVES):
        src, out = tmp_path / f"in{n}.jsonl", tmp_path / f"out{n}.jsonl"
        good, bad = make_archive(rng, src)
        before = hashlib.sha256(src.read_bytes()).hexdigest()
        part_rows = rng.randint(1, 6)
        stop = rng.randint(0, 4)
        try:
            tag_file(src, out, text_col="body", part_rows=part_rows, max_chars=MAX_CHARS,
                     runner=interrupting(runner, stop))  # fmt: skip
        except Interrupted:
            summary = tag_file(src, out, text_col="body", resume=True, max_chars=MAX_CHARS,
                               runner=runner)  # fmt: skip
        else:
            summary = tag_file(
                src, out, text_col="body", resume=True, max_chars=MAX_CHARS, runner=runner
            )  # fmt: skip  (a finished job: nothing to do)
        written = read_output(out)["id"].tolist()
        errors = [json.loads(line) for line in out.with_name(out.name + ".errors.jsonl").read_text().splitlines()]  # fmt: skip
        assert written == good, f"archive {n}"  # input order, each good row once
        assert [e["row"] for e in errors] == bad, f"archive {n}"
        assert summary.rows_read == len(good) + len(bad) == summary.tagged + summary.failed
        assert hashlib.sha256(src.read_bytes()).hexdigest() == before
