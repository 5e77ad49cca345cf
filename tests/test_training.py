"""``train`` and ``tagger train``: formats, label columns, bad rows, reproducibility, bundles."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tagger.cli import app
from tagger.errors import BadInputError
from tagger.io import read_table
from tagger.training import parse_labels, train
from tests.conftest import ROOT

TOPICS = ["elections", "energy", "justice"]


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    """A small archive-shaped frame from the shipped corpus: three topics plus negatives."""
    rows = [json.loads(line) for line in (ROOT / "data/corpus/news_topics.jsonl").open()]
    picked, negatives = [], 0
    for row in rows:
        tags = [t for t in row["tags"] if t in TOPICS]
        if tags and len(picked) < 150:
            picked.append({"body": row["text"], "tags": tags})
        elif not row["tags"] and negatives < 30:
            picked.append({"body": row["text"], "tags": []})
            negatives += 1
    return pd.DataFrame(picked)


def test_parse_labels_accepts_lists_and_delimited_strings():
    assert parse_labels(["a", " b ", ""]) == ["a", "b"]
    assert parse_labels("a|b") == ["a", "b"]
    assert parse_labels("a; b") == ["a", "b"]
    assert parse_labels("a,b", sep=",") == ["a", "b"]
    assert parse_labels('["x", "y"]') == ["x", "y"]
    assert parse_labels(None) is None and parse_labels(float("nan")) is None
    assert parse_labels(np.array(["q"])) == ["q"]


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".jsonl.gz", ".parquet"])
def test_read_table_formats(tmp_path, small, suffix):
    path = tmp_path / f"data{suffix}"
    frame = small.head(5).assign(tags=small.head(5)["tags"].map("|".join))
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_json(path, orient="records", lines=True, compression="infer")
    back = read_table(path)
    assert back["body"].tolist() == frame["body"].tolist()


def test_read_table_rejects_unknown_and_missing_files(tmp_path):
    (tmp_path / "x.xlsx").write_text("nope")
    with pytest.raises(BadInputError, match=r"expected \.jsonl"):
        read_table(tmp_path / "x.xlsx")
    with pytest.raises(BadInputError, match="does not exist"):
        read_table(tmp_path / "missing.csv")
    (tmp_path / "broken.jsonl").write_text('{"body": "x"\n')
    with pytest.raises(BadInputError, match="could not be read"):
        read_table(tmp_path / "broken.jsonl")


def test_missing_column_names_the_columns_that_exist(small):
    with pytest.raises(BadInputError, match=r"'text'.*has: body, tags"):
        train(small, text="text", labels="tags")


def test_bad_rows_are_counted_and_reported(small):
    frame = pd.concat(
        [small, pd.DataFrame({"body": ["", None, "A story with no tags at all."],
                              "tags": [["energy"], ["energy"], None]})],
        ignore_index=True,
    )  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = train(frame, negatives=True, cv=3)
    messages = " ".join(str(w.message) for w in caught)
    assert "skipped 2 row(s): empty or missing text" in messages
    assert "skipped 1 row(s): no labels" in messages
    data = model.manifest["training_data"]
    assert data["rows_skipped"] == {"empty or missing text": 2, "no labels": 1}
    assert data["rows_used"] == len(small) and data["negatives"] == 30


def test_without_negatives_empty_label_lists_are_skipped(small):
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        model = train(small, cv=3)
    assert model.manifest["training_data"]["rows_skipped"] == {"no labels": 30}


def test_taxonomy_limits_labels_and_unknown_labels_are_reported(tmp_path, small):
    taxonomy = tmp_path / "tax.csv"
    taxonomy.write_text("slug,iptc_qcode,iptc_label\nenergy,medtop:20000256,energy and resource\n"
                        "justice,medtop:20000107,court\nwar,medtop:20000062,war\n")  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = train(small, taxonomy=taxonomy, negatives=True, cv=3)
    messages = " ".join(str(w.message) for w in caught)
    assert "'elections'" in messages and "no training example: ['war']" in messages
    assert [c.slug for c in model.topic_model.concepts] == ["energy", "justice"]
    assert model.topic_model.concepts[0].iptc == "medtop:20000256"


def test_too_little_data_is_an_error():
    with pytest.raises(BadInputError, match="too little to train on"):
        train(pd.DataFrame({"body": ["a b c"], "tags": [["x"]]}))
    with pytest.raises(BadInputError, match="DataFrame"):
        train([{"body": "x", "tags": ["y"]}])  # type: ignore[arg-type]


def test_training_is_reproducible_with_a_seed(small):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = train(small, negatives=True, cv=3, seed=3)
        second = train(small, negatives=True, cv=3, seed=3)
    texts = small["body"].tolist()[:20]
    a = first.topic_model.classifier.predict_proba(texts)
    b = second.topic_model.classifier.predict_proba(texts)
    assert np.allclose(a, b)
    assert first.manifest["training_data"]["sha256"] == second.manifest["training_data"]["sha256"]
    assert first.manifest["metrics"] == second.manifest["metrics"]


def test_cli_train_writes_a_bundle_and_refuses_to_overwrite(tmp_path, small):
    data = tmp_path / "archive.csv"
    small.assign(tags=small["tags"].map(";".join)).to_csv(data, index=False)
    out = tmp_path / "models" / "mine"
    runner = CliRunner()
    args = ["train", str(data), "--out", str(out), "--sep", ";", "--negatives"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "cross-validated micro-F1" in result.output
    assert {p.name for p in out.iterdir()} == {
        "topic_model.json", "topic_model.npz", "taxonomy.csv", "manifest.json", "MODEL_CARD.md",
        "suggest_model.json",
    }  # fmt: skip
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "--overwrite" in again.output
    (out / "notes.txt").write_text("mine")
    replaced = runner.invoke(app, [*args, "--overwrite"])
    assert replaced.exit_code == 0 and (out / "notes.txt").read_text() == "mine"
    tagged = runner.invoke(
        app, ["tag", "--model", str(out), "--json",
              "Voters went to the polls in a tight election as ballots were counted."],
    )  # fmt: skip
    assert tagged.exit_code == 0
    assert json.loads(tagged.output)["topics"][0]["slug"] == "elections"


def test_cli_train_reads_several_files_as_one_table(tmp_path, small):
    """Passages in one file and headlines in another (the shipped model's recipe)."""
    half = len(small) // 2
    first, second = tmp_path / "part1.csv", tmp_path / "part2.jsonl"
    small.iloc[:half].assign(tags=small["tags"].iloc[:half].map(";".join)).to_csv(
        first, index=False
    )
    small.iloc[half:].assign(tags=small["tags"].iloc[half:].map(";".join)).to_json(
        second, orient="records", lines=True
    )
    out = tmp_path / "both"
    args = ["train", str(first), str(second), "--out", str(out), "--sep", ";", "--negatives"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads((out / "manifest.json").read_text())["training_data"]
    assert data["source"] == "part1.csv+part2.jsonl"
    assert data["rows_used"] + sum(data["rows_skipped"].values()) == len(small)
    assert data["rows_used"] > len(small) // 2
    # a second file without the text column is refused by name, not read as rows of missing text
    other = tmp_path / "headlines.csv"
    small.iloc[:5].rename(columns={"body": "text"}).assign(tags="x").to_csv(other, index=False)
    refused = CliRunner().invoke(app, ["train", str(first), str(other), "--out", str(tmp_path / "no"), "--sep", ";"])  # fmt: skip
    assert (
        refused.exit_code == 2 and "headlines.csv" in refused.output and "'body'" in refused.output
    )
    assert not (tmp_path / "no").exists()


def test_cli_train_refuses_a_folder_that_is_not_a_bundle(tmp_path, small):
    data = tmp_path / "archive.csv"
    small.assign(tags=small["tags"].map(";".join)).to_csv(data, index=False)
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "thesis.docx").write_bytes(b"precious")
    for extra in ([], ["--overwrite"]):
        result = CliRunner().invoke(app, ["train", str(data), "--out", str(folder), "--sep", ";", *extra])  # fmt: skip
        assert result.exit_code == 2 and "holds no model bundle" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.docx"]
