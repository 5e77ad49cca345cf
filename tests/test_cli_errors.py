"""Every CLI command on bad input ends in the project's own error and exit code, never a traceback.

Each case runs the real console entry in a subprocess, as a user would (issue 14).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import tagger


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tagger", *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("bad")
    (d / "latin1.txt").write_bytes("Caf\xe9 in Kyiv".encode("latin-1"))
    (d / "empty.txt").write_text("")
    (d / "long.txt").write_text("Putin spoke. " * 200)
    (d / "numbers.csv").write_text("body,tags\n" + "".join(f"{i},war\n" for i in range(30)))
    (d / "nocol.csv").write_text("title,tags\nA,war\n")
    (d / "broken.parquet").write_bytes(b"PAR1 not really")
    (d / "table.xlsx").write_bytes(b"PK")
    rows = [{"id": "a", "body": "Putin spoke in Moscow."}]
    (d / "in.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (d / "not_a_bundle").mkdir()
    (d / "not_a_bundle" / "thesis.docx").write_bytes(b"mine")
    return d


CASES = {
    "tag: undecodable file": (["tag", "--file", "latin1.txt"], 2, "not valid UTF-8"),
    "tag: nothing to tag": (["tag"], 2, ""),
    "tag: over the per-text limit": (
        ["tag", "--file", "long.txt", "--max-chars", "100"],
        2,
        "--max-chars",
    ),
    "tag: missing file": (["tag", "--file", "nowhere.txt"], 2, "nowhere.txt"),
    "tag: model folder that is not a bundle": (
        ["tag", "--model", "not_a_bundle", "x"],
        3,
        "manifest.json",
    ),
    "info: missing model": (["info", "--model", "nowhere"], 4, "nowhere"),
    "train: text column of numbers": (
        ["train", "numbers.csv", "--out", "m1"],
        2,
        "no words to learn from",
    ),
    "train: missing column": (["train", "nocol.csv", "--out", "m2"], 2, "'body'"),
    "train: unknown format": (["train", "table.xlsx", "--out", "m3"], 2, "expected .jsonl"),
    "train: into a folder that is not a bundle": (
        ["train", "numbers.csv", "--out", "not_a_bundle"],
        2,
        "holds no model bundle",
    ),
    "batch: missing input": (["batch", "nowhere.jsonl", "--out", "o.jsonl"], 2, "does not exist"),
    "batch: broken parquet": (["batch", "broken.parquet", "--out", "o.jsonl"], 2, "Parquet"),
    "batch: output is the input": (
        ["batch", "in.jsonl", "--out", "in.jsonl", "--overwrite"],
        2,
        "is the input",
    ),
    "batch: missing column": (
        ["batch", "nocol.csv", "--text-col", "text", "--out", "o.jsonl"],
        2,
        "'text'",
    ),
    "batch: zero processes": (
        ["batch", "in.jsonl", "--out", "o2.jsonl", "--n-process", "0"],
        2,
        "",
    ),
    "evaluate: missing labels": (
        ["evaluate", "nocol.csv", "--text-col", "title", "--labels-col", "gold"],
        2,
        "'gold'",
    ),
    "serve: feedback folder missing": (
        ["serve", "--feedback-db", "no/such/dir/f.db"],
        2,
        "does not exist",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gives_a_clean_error(case, files):
    args, code, message = CASES[case]
    done = run(*args, cwd=files)
    assert done.returncode == code, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert message in done.stderr + done.stdout


def test_python_api_names_a_lone_surrogate_like_the_http_api(default):
    with pytest.raises(tagger.errors.BadInputError, match="lone surrogate at character 6"):
        default.tag("Putin \ud800")
    with pytest.raises(tagger.errors.BadInputError, match=r"texts\[1\] is not valid Unicode"):
        list(default.tag_many(["fine", "Putin \ud800"]))


def test_control_and_format_characters_neither_stick_to_names_nor_hide_them(default):
    text = "Kyiv\x00 was shelled. \u202eZelensky\u202c spoke. Vladimir Putin\u200d replied."
    tags = default.tag(text)
    names = {e.name for e in tags.entities}
    assert {"Kyiv", "Volodymyr Zelenskyy", "Vladimir Putin"} <= names
    for entity in tags.entities:
        assert all(ch.isprintable() for ch in entity.name)
        for m in entity.mentions:  # offsets point into the original text
            assert text[m.start : m.end].strip("\x00\u202e\u202c\u200d") == m.text.strip()
