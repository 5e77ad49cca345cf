"""Batch never destroys its input, resumes only its own work, and says what it skipped (issue 14).

Each case runs the real CLI in a subprocess, as a user would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def tagger_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tagger", *args], cwd=cwd, capture_output=True, text=True
    )


def archive(path: Path, n: int = 6) -> bytes:
    rows = [json.dumps({"id": f"a{i}", "body": f"Vladimir Putin spoke in Moscow, story {i}."}) for i in range(n)]  # fmt: skip
    data = ("\n".join(rows) + "\n").encode()
    path.write_bytes(data)
    return data


def test_output_equal_to_input_is_refused_and_input_kept(tmp_path):
    src = tmp_path / "same.jsonl"
    data = archive(src)
    link = tmp_path / "link.jsonl"
    link.symlink_to(src)
    hard = tmp_path / "hard.jsonl"
    os.link(src, hard)
    for out in (src, link, hard, Path("same.jsonl")):
        for extra in ([], ["--overwrite"], ["--resume"]):
            result = tagger_cli("batch", str(src), "--text-col", "body", "--out", str(out), *extra, cwd=tmp_path)  # fmt: skip
            assert result.returncode == 2, result.stderr
            assert "is the input" in result.stderr
            assert "Traceback" not in result.stderr
            assert src.read_bytes() == data
    assert not list(tmp_path.glob("*.parts"))


def test_resume_refuses_an_output_this_job_did_not_write(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    archive(src)
    out.write_text('{"someone": "else"}\n' * 3)
    result = tagger_cli("batch", str(src), "--text-col", "body", "--out", str(out), "--resume")
    assert result.returncode == 2
    assert "was not written by a tagger batch job" in result.stderr
    assert out.read_text() == '{"someone": "else"}\n' * 3


def test_finished_job_resumes_as_done_and_an_edited_output_is_refused(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    archive(src)
    first = tagger_cli("batch", str(src), "--text-col", "body", "--out", str(out))
    assert first.returncode == 0, first.stderr
    again = tagger_cli("batch", str(src), "--text-col", "body", "--out", str(out), "--resume")
    assert again.returncode == 0 and "rows read 6" in again.stderr
    with open(out, "a") as fh:
        fh.write('{"id": "extra"}\n')
    edited = tagger_cli("batch", str(src), "--text-col", "body", "--out", str(out), "--resume")
    assert edited.returncode == 2 and "not written by a tagger batch job" in edited.stderr


def test_resume_refuses_an_input_changed_without_changing_its_size(tmp_path):
    from tagger.batch import tag_file

    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    data = archive(src, n=8)

    class Stop(Exception):
        pass

    def interrupting_runner(chunks):
        for i, chunk in enumerate(chunks):
            if i == 2:
                raise Stop
            yield chunk, [{"tags": {}, "topics": [], "people": [], "countries": [], "organisations": [], "apps": [], "locations": []} for r in chunk if r.error is None]  # fmt: skip

    with pytest.raises(Stop):
        tag_file(src, out, text_col="body", part_rows=2, runner=interrupting_runner)
    edited = data.replace(b"story 1.", b"story X.")
    assert len(edited) == len(data)
    src.write_bytes(edited)
    result = tagger_cli("batch", str(src), "--text-col", "body", "--out", str(out), "--resume")
    assert result.returncode == 2
    assert "changed since the interrupted run" in result.stderr
    src.write_bytes(data)  # the original input resumes
    result = tagger_cli("batch", str(src), "--text-col", "body", "--out", str(out), "--resume")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [f"a{i}" for i in range(8)]  # fmt: skip


def test_blank_lines_counted_and_duplicate_ids_warned(tmp_path):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    rows = [{"id": "a", "body": "Putin spoke."}, {"id": "b", "body": "Macron spoke."}, {"id": "a", "body": "Scholz spoke."}]  # fmt: skip
    src.write_text(
        "\n".join(json.dumps(r) for r in rows[:2]) + "\n\n   \n" + json.dumps(rows[2]) + "\n"
    )
    result = tagger_cli("batch", str(src), "--text-col", "body", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "rows read 3" in result.stderr
    assert "skipped 2 blank line(s)" in result.stderr
    assert "1 row(s) repeat an earlier id, e.g. a" in result.stderr
