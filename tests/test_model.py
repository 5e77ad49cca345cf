"""Model bundles: no pickle, every loaded file in the manifest, tampering refused with a clear error."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from tagger.cli import app
from tagger.errors import ConfigurationError, ModelIntegrityError
from tagger.model import default_bundle_dir, read_bundle, save_bundle, verify_bundle
from tagger.tagger import Tagger
from tagger.training import train
from tests.conftest import ROOT, shared_file

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


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rewrite_manifest(bundle: Path, **files: str) -> None:
    """What an attacker who can change a bundle does: make the manifest match the new files."""
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["files"].update(files)
    for name in list(manifest["files"]):
        if (bundle / name).is_file():
            manifest["files"][name] = _sha(bundle / name)
    (bundle / "manifest.json").write_text(json.dumps(manifest))


class Payload:
    """Unpickling this creates a marker file: proof that loading ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_bundle_round_trip_without_pickle(bundle):
    manifest = verify_bundle(bundle)
    assert set(manifest["files"]) == {
        "topic_model.json", "topic_model.npz", "taxonomy.csv", "MODEL_CARD.md", "suggest_model.json",
    }  # fmt: skip
    assert {"tagger", "spacy", "scikit-learn", "base_model"} <= set(manifest["versions"])
    with np.load(bundle / "topic_model.npz", allow_pickle=False) as npz:
        assert all(npz[name].dtype != object for name in npz.files)
    tagger = Tagger.load(bundle)
    for slug, text in TEXTS.items():
        assert tagger.tag(text).topics[0].slug == slug
    assert tagger.tag(TEXTS["energy"]).topics[0].evidence  # words behind the score
    card = (bundle / "MODEL_CARD.md").read_text()
    assert "## Labels" in card and "| energy |" in card and "## Limitations" in card


def test_loaded_model_scores_exactly_as_the_fitted_one(bundle):
    fitted = read_bundle(bundle).topic_model.classifier
    again = read_bundle(bundle).topic_model.classifier
    texts = [*TEXTS.values(), "A long story. " * 400]
    assert np.allclose(fitted.decision_scores(texts), again.decision_scores(texts))


def test_a_planted_pickle_is_refused_and_never_run(copy, tmp_path):
    marker = tmp_path / "code-ran"
    (copy / "topic_model.joblib").write_bytes(pickle.dumps(Payload(marker)))
    _rewrite_manifest(copy, **{"topic_model.joblib": ""})
    with pytest.raises(ModelIntegrityError, match=r"pickled model .* refused.*tagger train"):
        Tagger.load(copy)
    assert not marker.exists()


def test_an_object_array_in_the_npz_is_refused_and_never_run(copy, tmp_path):
    marker = tmp_path / "code-ran"
    with np.load(copy / "topic_model.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["coef"] = np.array([Payload(marker)], dtype=object)
    np.savez(copy / "topic_model.npz", **arrays)
    _rewrite_manifest(copy)
    with pytest.raises(ModelIntegrityError, match=r"not a valid topic model .*no pickle"):
        Tagger.load(copy)
    assert not marker.exists()


def test_a_model_of_another_version_is_refused_with_what_to_do(copy):
    """A bundle saved before the aggregator read more features (stop 20) has a shorter one."""
    with np.load(copy / "topic_model.npz", allow_pickle=False) as npz:
        arrays = {name: npz[name] for name in npz.files}
    arrays["aggregator"] = arrays["aggregator"][:7]
    np.savez(copy / "topic_model.npz", **arrays)
    _rewrite_manifest(copy)
    with pytest.raises(ModelIntegrityError, match=r"aggregator has shape .*retrain it with `tagger train`"):  # fmt: skip
        Tagger.load(copy)


def test_tampered_arrays_are_refused_by_checksum(copy):
    with (copy / "topic_model.npz").open("ab") as handle:
        handle.write(b"\x00evil")
    with pytest.raises(ModelIntegrityError, match=r"topic_model\.npz does not match its SHA-256"):
        Tagger.load(copy)


def test_knowledge_base_files_are_in_the_manifest(tmp_path, bundle):
    model = read_bundle(bundle).topic_model
    kb_source = ROOT / "data" / "kb"
    out = save_bundle(model, tmp_path / "with-kb", {"name": "with-kb"}, kb_dir=kb_source)
    manifest = verify_bundle(out)
    assert "kb/people.csv" in manifest["files"]
    with open(out / "kb" / "people.csv", "a", encoding="utf-8") as fh:
        fh.write("Evil Person,,,,\n")
    with pytest.raises(ModelIntegrityError, match=r"kb/people\.csv does not match"):
        Tagger.load(out)
    (out / "kb" / "extra.csv").write_text("name\nx\n")
    _rewrite_manifest(out)  # people.csv matches again; extra.csv is still not listed
    with pytest.raises(ModelIntegrityError, match=r"kb/extra\.csv is not listed"):
        Tagger.load(out)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: (p / "manifest.json").unlink(), "manifest.json is missing"),
        (lambda p: (p / "manifest.json").write_text("{not json"), "not valid JSON"),
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
        Tagger.load(copy)


def test_a_manifest_that_omits_the_model_is_refused_even_under_python_O(copy):
    manifest = json.loads((copy / "manifest.json").read_text())
    del manifest["files"]["topic_model.npz"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    code = (
        "import sys\nfrom tagger.model import verify_bundle\nfrom tagger.errors import ModelIntegrityError\n"
        "try:\n    verify_bundle(sys.argv[1])\nexcept ModelIntegrityError as e:\n    print('refused', e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-O", "-c", code, str(copy)], capture_output=True, text=True
    )
    assert done.stdout.startswith("refused") and "topic_model.npz" in done.stdout, done.stderr


def test_manifest_cannot_point_outside_the_bundle(copy):
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["files"]["../secret"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelIntegrityError, match="missing"):
        Tagger.load(copy)


def test_a_directory_that_is_not_a_bundle(tmp_path):
    with pytest.raises(ConfigurationError):
        Tagger.load(tmp_path / "nowhere")


def test_a_missing_default_bundle_is_an_error_naming_the_path(monkeypatch, tmp_path):
    monkeypatch.setattr("tagger.model.__file__", str(tmp_path / "tagger" / "model.py"))
    with pytest.raises(
        ConfigurationError, match=r"default model bundle is missing .*models/default"
    ):
        Tagger.load()
    assert "tagger_topics" not in Tagger.entities_only().nlp.pipe_names


def test_cli_reports_a_tampered_bundle_without_a_traceback(copy):
    (copy / "topic_model.npz").write_bytes(b"not arrays")
    result = CliRunner().invoke(app, ["tag", "--model", str(copy), "Some text."])
    assert result.exit_code == 3
    assert "Model integrity:" in result.output and "Traceback" not in result.output


def test_default_bundle_ships_and_info_shows_taxonomy_and_metrics():
    info = json.loads(CliRunner().invoke(app, ["info"]).output)
    assert info["model"] == str(default_bundle_dir())
    assert len(info["taxonomy"]) == 18
    assert info["metrics"]["micro"]["f1"] > 0.6


@pytest.mark.slow
def test_rebuilding_the_default_reproduces_its_metrics(tmp_path):
    """The commands in the README rebuild models/default from data/ and the development set."""
    shared_file("eval", "LABELLING.md")
    shipped = verify_bundle(default_bundle_dir())
    cal = tmp_path / "devset_fit.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-m", "benchmarks.devset.data", "--part", "fit", "--out", str(cal)],
        cwd=ROOT, check=True, env=env, capture_output=True,
    )  # fmt: skip
    args = ["train", "data/corpus/news_topics.jsonl", "data/corpus/headlines.jsonl", "data/corpus/claims.jsonl", "--text-col", "text", "--labels-col",
            "tags", "--taxonomy", "data/taxonomy/starter_topics.csv", "--negatives",
            "--seed", "0", "--calibration", str(cal), "--out", str(tmp_path / "rebuilt")]  # fmt: skip
    done = subprocess.run([sys.executable, "-m", "tagger", *args], cwd=ROOT, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    rebuilt = verify_bundle(tmp_path / "rebuilt")
    assert rebuilt["training_data"]["sha256"] == shipped["training_data"]["sha256"]
    assert rebuilt["calibration_data"]["sha256"] == shipped["calibration_data"]["sha256"]
    assert rebuilt["metrics"] == shipped["metrics"]
    assert rebuilt["files"]["topic_model.npz"] == shipped["files"]["topic_model.npz"]
