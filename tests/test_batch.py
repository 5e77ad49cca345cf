"""Batch jobs: every input format, the error file, resume after an interruption or a kill."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tagger.batch import local_runner, read_output, read_records, tag_file
from tagger.cli import app
from tagger.errors import BadInputError

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()

STORIES = [
    "Vladimir Putin met Emmanuel Macron in Paris to discuss sanctions on Russia.",
    "WhatsApp and Telegram were slowed down in Russia, Roskomnadzor said.",
    "Ukraine's army said drones hit an oil refinery near Moscow overnight.",
    "The European Union agreed a new package of sanctions against Russia.",
    "Apple and Google removed the app from their stores in China.",
]


def story(i: int) -> str:
    return f"{STORIES[i % len(STORIES)]} Report {i}."


def write_jsonl(path: Path, n: int, bad: bool = True) -> tuple[int, int]:
    """n good rows with some bad rows mixed in; returns (rows, bad rows)."""
    bad_rows = 0
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"a{i}", "body": story(i)}).encode() + b"\n")
            if bad and i % 7 == 3:
                kind = (i // 7) % 5
                fh.write(
                    [
                        b'{"id": "broken", "body": "no end\n',  # malformed JSON
                        b'{"id": "num%d", "body": 42}\n' % i,  # non-string text
                        b'{"id": "nobody%d"}\n' % i,  # missing text
                        b'{"id": "bytes%d", "body": "caf\xe9"}\n' % i,  # latin-1, not UTF-8
                        b"[1, 2]\n",  # not an object
                    ][kind]
                )
                bad_rows += 1
    return n + bad_rows, bad_rows


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_with_bad_rows_every_row_accounted_for(tmp_path, default):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    rows, bad = write_jsonl(src, 40)
    summary = tag_file(src, out, tagger=default, part_rows=9)
    assert (summary.rows_read, summary.tagged, summary.failed) == (rows, rows - bad, bad)
    got, errors = lines(out), lines(tmp_path / "out.jsonl.errors.jsonl")
    assert len(got) + len(errors) == rows
    assert [r["id"] for r in got] == [f"a{i}" for i in range(40)]  # input order kept
    reasons = " ".join(e["reason"] for e in errors)
    for expected in ("malformed JSON", "is int, not str", "missing text", "undecodable", "not an object"):  # fmt: skip
        assert expected in reasons
    broken = next(e for e in errors if "malformed" in e["reason"])
    assert broken["id"] == f"line:{broken['line']}"  # no id: the line number
    assert not (tmp_path / "out.jsonl.parts").exists()
    first = got[0]
    assert set(first) == {"id", "tags", "topics", "people", "countries", "organisations", "apps", "locations"}  # fmt: skip
    assert first["tags"] == default.tag(story(0)).to_dict()
    assert "Vladimir Putin" in first["people"] and "Russia" in first["countries"]


def test_gzip_jsonl_and_parquet_output_match_plain(tmp_path, default):
    write_jsonl(tmp_path / "in.jsonl", 12)
    write_jsonl(tmp_path / "in.jsonl.gz", 12)
    tag_file(tmp_path / "in.jsonl", tmp_path / "a.jsonl", tagger=default)
    tag_file(tmp_path / "in.jsonl.gz", tmp_path / "b.parquet", tagger=default, part_rows=5)
    plain, parquet = read_output(tmp_path / "a.jsonl"), read_output(tmp_path / "b.parquet")
    assert plain.to_dict("records") == parquet.to_dict("records")
    raw = pd.read_parquet(tmp_path / "b.parquet")
    assert list(raw.columns)[:2] == ["id", "tags_json"]
    assert json.loads(raw["tags_json"][0]) == default.tag(story(0)).to_dict()
    assert (tmp_path / "b.parquet.errors.jsonl").read_text() == (
        tmp_path / "a.jsonl.errors.jsonl"
    ).read_text()


def test_csv_input_with_undecodable_and_missing_cells(tmp_path, default):
    src = tmp_path / "in.csv"
    src.write_bytes(
        b"id,body,other\n"
        b'1,"Vladimir Putin spoke in Moscow, on Monday.",x\n'
        b"2,,y\n"  # empty text: tagged as empty
        b"3,caf\xe9 in Paris,z\n"  # not UTF-8
        b',"Telegram was blocked\nin Russia.",w\n'  # no id; a newline inside the cell
    )
    summary = tag_file(src, tmp_path / "out.jsonl", tagger=default)
    got = lines(tmp_path / "out.jsonl")
    errors = lines(tmp_path / "out.jsonl.errors.jsonl")
    assert (summary.rows_read, summary.failed) == (4, 1)
    assert [r["id"] for r in got] == ["1", "2", "row:4"]
    assert got[1]["tags"] == {"entities": [], "topics": []}
    assert "Telegram" in got[2]["apps"]
    assert errors == [{"row": 3, "id": "3", "reason": "undecodable bytes in text (not valid UTF-8)"}]  # fmt: skip


def test_csv_without_the_text_column_is_refused(tmp_path, default):
    src = tmp_path / "in.csv"
    src.write_text("id,text\n1,hello\n")
    with pytest.raises(BadInputError, match="'body' not found; the data has: id, text"):
        tag_file(src, tmp_path / "out.jsonl", tagger=default)


def test_parquet_input_with_null_and_non_string_text(tmp_path, default):
    src = tmp_path / "in.parquet"
    pd.DataFrame({"doc": [10, 11, 12], "content": [story(0), None, story(2)]}).to_parquet(src)
    summary = tag_file(
        src, tmp_path / "out.parquet", tagger=default, text_col="content", id_col="doc"
    )
    out = read_output(tmp_path / "out.parquet")
    assert (summary.tagged, summary.failed) == (2, 1)
    assert list(out["id"]) == ["10", "12"]  # ids are written as strings
    assert lines(tmp_path / "out.parquet.errors.jsonl")[0]["id"] == "11"
    numbers = tmp_path / "numbers.parquet"
    pd.DataFrame({"body": [1, 2]}).to_parquet(numbers)
    summary = tag_file(numbers, tmp_path / "n.jsonl", tagger=default)
    assert summary.failed == 2
    assert lines(tmp_path / "n.jsonl.errors.jsonl")[0] == {
        "row": 1, "id": "row:1", "reason": "text in column 'body' is int, not str",
    }  # fmt: skip


def test_folder_of_txt_and_html(tmp_path, default):
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(story(0), encoding="utf-8")
    (folder / "sub" / "b.html").write_text(
        f"<html><body><p>{story(1)}</p><script>var x;</script></body></html>", encoding="utf-8"
    )
    (folder / "c.txt").write_bytes(b"caf\xe9 latin-1")
    (folder / "ignored.csv").write_text("not an article")
    summary = tag_file(folder, tmp_path / "out.jsonl", tagger=default)
    got = lines(tmp_path / "out.jsonl")
    assert [r["id"] for r in got] == ["a.txt", "sub/b.html"]
    assert "WhatsApp" in got[1]["apps"]
    assert got[1]["tags"] == default.tag(story(1)).to_dict()  # markup stripped
    errors = lines(tmp_path / "out.jsonl.errors.jsonl")
    assert errors[0]["id"] == "c.txt" and "undecodable" in errors[0]["reason"]
    assert summary.rows_read == 3


def test_existing_output_refused_then_overwrite_and_finished_resume(tmp_path, default):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_jsonl(src, 5, bad=False)
    tag_file(src, out, tagger=default)
    with pytest.raises(BadInputError, match=r"--resume .* or --overwrite"):
        tag_file(src, out, tagger=default)
    again = tag_file(src, out, tagger=default, resume=True)  # finished: nothing to do
    assert (again.rows_read, again.resumed_from, again.tagged) == (5, 5, 5)
    assert tag_file(src, out, tagger=default, overwrite=True).tagged == 5
    with pytest.raises(BadInputError, match=r"must end in \.parquet or \.jsonl"):
        tag_file(src, tmp_path / "out.csv", tagger=default)
    with pytest.raises(BadInputError, match="does not exist"):
        tag_file(tmp_path / "nope.jsonl", tmp_path / "x.jsonl", tagger=default)


def interrupted_runner(tagger, after: int):
    """The local runner, raising KeyboardInterrupt (Ctrl-C) once ``after`` parts are out."""
    inner = local_runner(tagger)

    def run(chunks):
        for n, item in enumerate(inner(chunks)):
            if n == after:
                raise KeyboardInterrupt
            yield item

    return run


@pytest.mark.parametrize("suffix", [".jsonl", ".parquet"])
def test_resume_after_ctrl_c_gives_the_same_output(tmp_path, default, suffix):
    src = tmp_path / "in.jsonl"
    rows, bad = write_jsonl(src, 30)
    whole = tmp_path / f"whole{suffix}"
    tag_file(src, whole, tagger=default, part_rows=4)
    out = tmp_path / f"out{suffix}"
    with pytest.raises(KeyboardInterrupt):
        tag_file(src, out, tagger=default, part_rows=4, runner=interrupted_runner(default, 3))
    state = json.loads((tmp_path / f"out{suffix}.parts" / "state.json").read_text())
    assert len(state["parts"]) == 3 and not out.exists()
    with pytest.raises(BadInputError, match="exists"):
        tag_file(src, out, tagger=default, part_rows=4)
    with pytest.raises(BadInputError, match="cannot resume: text_col"):
        tag_file(src, out, tagger=default, text_col="text", resume=True)
    summary = tag_file(src, out, tagger=default, part_rows=50, resume=True)  # keeps part_rows=4
    assert summary.resumed_from == 12 and summary.rows_read == rows
    assert read_output(out).to_dict("records") == read_output(whole).to_dict("records")
    assert errors_of(out) == errors_of(whole) and len(errors_of(out)) == bad


def errors_of(out: Path) -> list[dict]:
    return lines(out.with_name(out.name + ".errors.jsonl"))


def test_kill_mid_run_then_resume_accounts_for_every_row_once(tmp_path):
    """SIGKILL the CLI half-way; ``--resume`` finishes with each row exactly once."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    rows, bad = write_jsonl(src, 2500)
    cmd = [sys.executable, "-m", "tagger", "batch", str(src), "--out", str(out)]
    cmd += ["--part-rows", "100", "--no-progress"]
    state = tmp_path / "out.jsonl.parts" / "state.json"
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        if state.exists() and len(json.loads(state.read_text())["parts"]) >= 8:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(json.loads(state.read_text())["parts"])
    assert done < 28 and not out.exists()
    refused = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert refused.returncode == 2 and "--resume" in refused.stderr
    resumed = subprocess.run([*cmd, "--resume"], cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 1, resumed.stderr  # some rows failed and no --tolerate-errors
    assert f"resumed after {done * 100:,}" in resumed.stderr
    got, errors = lines(out), errors_of(out)
    assert [r["id"] for r in got] == [f"a{i}" for i in range(2500)]
    assert len(errors) == bad and len(got) + len(errors) == rows
    assert len({e["row"] for e in errors}) == bad  # no row in the error file twice


def test_cli_exit_status_and_summary(tmp_path, default):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, 8)
    out = tmp_path / "out.parquet"
    failed = runner.invoke(app, ["batch", str(src), "--out", str(out), "--no-progress"])
    assert failed.exit_code == 1
    assert "failed 1" in failed.output and "--tolerate-errors" in failed.output
    ok = runner.invoke(
        app, ["batch", str(src), "--out", str(out), "--overwrite", "--tolerate-errors"]
    )
    assert ok.exit_code == 0, ok.output
    assert "rows read 9" in ok.output and "tagged 8" in ok.output and "rows/s" in ok.output
    clean = tmp_path / "clean.jsonl"
    write_jsonl(clean, 3, bad=False)
    result = runner.invoke(app, ["batch", str(clean), "--out", str(tmp_path / "c.jsonl")])
    assert result.exit_code == 0 and "failed 0" in result.output
    bad_engine = runner.invoke(app, ["batch", str(clean), "--out", "x.jsonl", "--engine", "spark"])
    assert bad_engine.exit_code == 2 and "--engine" in bad_engine.output


def test_n_process_two_gives_the_same_rows(tmp_path, default):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, 20)
    tag_file(src, tmp_path / "one.jsonl", tagger=default, part_rows=6)
    tag_file(src, tmp_path / "two.jsonl", tagger=default, part_rows=6, n_process=2)
    assert lines(tmp_path / "one.jsonl") == lines(tmp_path / "two.jsonl")


def test_readers_stream_lazily(tmp_path):
    src = tmp_path / "in.jsonl"
    write_jsonl(src, 5, bad=False)
    records = read_records(src)
    assert next(records).id == "a0"  # a generator: nothing read past what was asked
    assert [r.id for r in read_records(src, skip=3)] == ["a3", "a4"]


def test_tag_dataframe(default):
    df = pd.DataFrame({"body": [story(0), None, 7, story(1)]}, index=[5, 6, 7, 8])
    result = default.tag_dataframe(df)
    assert list(result.index) == [5, 6, 7, 8]
    assert list(result.columns) == [
        "tags", "topics", "people", "countries", "organisations", "apps", "locations", "error",
    ]  # fmt: skip
    assert result.loc[5, "tags"] == default.tag(story(0)).to_dict()
    assert result.loc[6, "error"].startswith("missing text") and result.loc[6, "tags"] is None
    assert "is int" in result.loc[7, "error"]
    assert "WhatsApp" in result.loc[8, "apps"] and result.loc[8, "error"] is None
    with pytest.raises(BadInputError, match="'text' not found"):
        default.tag_dataframe(df, text="text")
