"""Model bundles: checksums checked before any pickle is read; tampering is refused cleanly."""

from __future__ import annotations

import json
import shutil
import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

from tagger.cli import app
from tagger.errors import ConfigurationError, ModelIntegrityError
from tagger.model import default_bundle_dir, load_bundle, verify_bundle
from tagger.training import train

TEXTS = {
    "energy": "Gas prices rose as the pipeline was shut and the power grid struggled with demand.",
    "justice": "The court sentenced the defendant to prison after a two-week trial and appeal.",
}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    rows = [
        {"body": f"{text} Report number {i} from the regional desk.", "tags": [slug]}
        for i in range(15)
        for slug, text in TEXTS.items()
    ]
    out = tmp_path_factory.mktemp("bundles") / "tiny"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        train(pd.DataFrame(rows), cv=3, out=out)
    return out


@pytest.fixture
def copy(bundle, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(bundle, target)
    return target


def test_bundle_round_trip_and_manifest(bundle):
    manifest = verify_bundle(bundle)
    assert set(manifest["files"]) == {"topic_model.joblib", "taxonomy.csv", "MODEL_CARD.md"}
    assert {"tagger", "spacy", "scikit-learn", "base_model"} <= set(manifest["versions"])
    assert manifest["training_data"]["sha256"] and manifest["metrics"]["micro"]["f1"] >= 0
    tagger = load_bundle(bundle)
    assert tagger.tag(TEXTS["energy"]).topics[0].slug == "energy"
    card = (bundle / "MODEL_CARD.md").read_text()
    assert "## Labels" in card and "| energy |" in card and "## Limitations" in card


def test_tampered_pickle_is_refused_before_joblib_reads_it(copy, monkeypatch):
    with (copy / "topic_model.joblib").open("ab") as handle:
        handle.write(b"\x00evil")

    def forbidden(*args, **kwargs):
        raise AssertionError("joblib.load must not run on a file that failed its checksum")

    monkeypatch.setattr("tagger.model.joblib.load", forbidden)
    with pytest.raises(
        ModelIntegrityError, match=r"topic_model\.joblib does not match its SHA-256"
    ):
        load_bundle(copy)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: (p / "manifest.json").unlink(), "manifest.json is missing"),
        (lambda p: (p / "manifest.json").write_text("{not json"), "not a valid bundle manifest"),
        (
            lambda p: (p / "taxonomy.csv").unlink(),
            "taxonomy.csv is listed in the manifest but missing",
        ),
        (lambda p: (p / "MODEL_CARD.md").write_text("edited"), "MODEL_CARD.md does not match"),
    ],
)
def test_damaged_bundles_name_the_file(copy, damage, message):
    damage(copy)
    with pytest.raises(ModelIntegrityError, match=message):
        load_bundle(copy)


def test_manifest_cannot_point_outside_the_bundle(copy):
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["files"]["../secret"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelIntegrityError, match="missing"):
        load_bundle(copy)


def test_a_directory_that_is_not_a_bundle(tmp_path):
    with pytest.raises(ConfigurationError):
        load_bundle(tmp_path / "nowhere")


def test_cli_reports_a_tampered_bundle_without_a_traceback(copy):
    (copy / "topic_model.joblib").write_bytes(b"not a pickle")
    result = CliRunner().invoke(app, ["tag", "--model", str(copy), "Some text."])
    assert result.exit_code == 3
    assert "Model integrity:" in result.output and "Traceback" not in result.output


def test_default_bundle_ships_and_info_shows_taxonomy_and_metrics():
    assert default_bundle_dir() is not None
    info = json.loads(CliRunner().invoke(app, ["info"]).output)
    assert len(info["taxonomy"]) == 18
    assert info["metrics"]["micro"]["f1"] > 0.6


def test_rebuilding_the_default_reproduces_its_metrics(tmp_path):
    """The command in the README rebuilds models/default from data/ with the same figures."""
    shipped = verify_bundle(default_bundle_dir())
    args = ["train", "data/corpus/news_topics.jsonl", "--text-col", "text", "--labels-col",
            "tags", "--taxonomy", "data/taxonomy/starter_topics.csv", "--negatives",
            "--seed", "0", "--out", str(tmp_path / "rebuilt")]  # fmt: skip
    import os

    from tests.conftest import ROOT

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        assert CliRunner().invoke(app, args).exit_code == 0
    finally:
        os.chdir(cwd)
    rebuilt = verify_bundle(tmp_path / "rebuilt")
    assert rebuilt["training_data"]["sha256"] == shipped["training_data"]["sha256"]
    assert rebuilt["metrics"] == shipped["metrics"]
