"""Model bundles on disk: the fitted topic model, its taxonomy, a manifest and a model card.

``manifest.json`` records the SHA-256 of every file in the bundle. Loading checks every checksum
before any pickle is read: joblib files are pickles, and a tampered pickle can run code.
"""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib

from tagger.errors import ConfigurationError, ModelIntegrityError
from tagger.tagger import Tagger, base_model_name, build_nlp
from tagger.topics import TopicModel, write_taxonomy

MODEL_FILE = "topic_model.joblib"
TAXONOMY_FILE = "taxonomy.csv"
CARD_FILE = "MODEL_CARD.md"
MANIFEST_FILE = "manifest.json"
FORMAT_VERSION = 1


def default_bundle_dir() -> Path | None:
    """``models/default`` in a source checkout, or the copy packed into the wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_models" / "default", here.parent / "models" / "default"):
        if (candidate / MANIFEST_FILE).exists():
            return candidate
    return None


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Versions of everything a bundle's behaviour depends on."""
    import sklearn
    import spacy

    import tagger

    base = base_model_name()
    try:
        base_version = spacy.util.get_package_version(base) or "unknown"
    except Exception:  # pragma: no cover - metadata missing
        base_version = "unknown"
    return {
        "tagger": tagger.__version__,
        "spacy": spacy.__version__,
        "scikit-learn": sklearn.__version__,
        "base_model": f"{base}=={base_version}",
        "python": platform.python_version(),
    }


def save_bundle(model: TopicModel, path: str | Path, info: dict[str, Any]) -> Path:
    """Write a bundle: model, taxonomy, model card, then the manifest with every checksum."""
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, out / MODEL_FILE, compress=3)
    write_taxonomy(model.concepts, out / TAXONOMY_FILE)
    (out / CARD_FILE).write_text(model_card(model, info), encoding="utf-8")
    files = {name: sha256_file(out / name) for name in (MODEL_FILE, TAXONOMY_FILE, CARD_FILE)}
    manifest = {
        "format": FORMAT_VERSION,
        "name": out.name,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": versions(),
        "files": files,
        **info,
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return out


def verify_bundle(path: str | Path) -> dict[str, Any]:
    """The manifest, once every file it lists exists and matches its SHA-256."""
    root = Path(path)
    if not root.is_dir():
        raise ConfigurationError(f"model bundle {root} is not a directory")
    manifest_path = root / MANIFEST_FILE
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = manifest["files"]
        assert isinstance(files, dict) and MODEL_FILE in files
    except FileNotFoundError:
        raise ModelIntegrityError(f"{manifest_path} is missing") from None
    except (ValueError, KeyError, AssertionError, UnicodeDecodeError):
        raise ModelIntegrityError(f"{manifest_path} is not a valid bundle manifest") from None
    for name, expected in files.items():
        file = root / name
        if Path(name).name != name or not file.is_file():
            raise ModelIntegrityError(f"{file} is listed in the manifest but missing")
        if sha256_file(file) != expected:
            raise ModelIntegrityError(
                f"{file} does not match its SHA-256 in {MANIFEST_FILE}: refusing to load it"
            )
    return manifest


def load_bundle(path: str | Path | None = None) -> Tagger:
    """A ``Tagger`` from a verified bundle; with no path, the shipped default."""
    root = Path(path) if path is not None else default_bundle_dir()
    if root is None:
        return Tagger()  # a checkout without a trained default: entities only
    manifest = verify_bundle(root)
    try:
        model = joblib.load(root / MODEL_FILE)
    except Exception as exc:
        raise ModelIntegrityError(f"{root / MODEL_FILE} could not be read: {exc}") from None
    if not isinstance(model, TopicModel):
        raise ModelIntegrityError(f"{root / MODEL_FILE} does not hold a tagger TopicModel")
    kb_dir = root / "kb" if (root / "kb").is_dir() else None
    manifest["path"] = str(root)
    return Tagger(build_nlp(kb_dir=kb_dir), topic_model=model, manifest=manifest)


def describe(tagger: Tagger) -> dict[str, Any]:
    """What ``tagger info`` prints: model, versions, knowledge base, taxonomy, metrics."""
    resolver = tagger.nlp.get_pipe("tagger_entities")
    manifest = tagger.manifest
    info: dict[str, Any] = {
        "model": manifest.get("path", "(no topic model: entities only)"),
        "pipeline": tagger.nlp.pipe_names,
        "versions": manifest.get("versions") or versions(),
        "knowledge_base": resolver.kb.sizes(),  # type: ignore[attr-defined]
    }
    if tagger.topic_model is not None:
        info["taxonomy"] = [
            {"slug": c.slug, "label": c.label, "iptc": c.iptc} for c in tagger.topic_model.concepts
        ]
        info["metrics"] = manifest.get("metrics", {})
        info["training_data"] = manifest.get("training_data", {})
    return info


def model_card(model: TopicModel, info: dict[str, Any]) -> str:
    """A short human-readable card: data, label counts, metrics, limitations."""
    data = info.get("training_data", {})
    metrics = info.get("metrics", {})
    counts = data.get("label_counts", {})
    per_topic = metrics.get("per_topic", {})
    lines = [
        f"# Model card: {info.get('name', 'topic model')}",
        "",
        "## What it does",
        "Suggests topics from the taxonomy below for English news text, with a score in [0, 1]",
        "(0.5 is each topic's own threshold) and the words that pushed each score up.",
        "",
        "## Training data",
        f"- source: {data.get('source', 'unknown')}",
        f"- rows used: {data.get('rows_used')}; skipped: {data.get('rows_skipped', {})}",
        f"- SHA-256 of the training rows: `{data.get('sha256')}`",
        f"- editors' feedback folded in: {feedback_line(data.get('feedback'))}",
        "",
        "## Labels",
        "| slug | IPTC | training examples | CV F1 | threshold |",
        "|---|---|---|---|---|",
    ]
    thresholds = dict(zip(model.classifier.classes_, model.classifier.thresholds_, strict=True))
    for c in model.concepts:
        f1 = per_topic.get(c.slug, {}).get("f1")
        lines.append(
            f"| {c.slug} | {c.iptc or ''} {c.label} | {counts.get(c.slug, 0)} | "
            f"{'' if f1 is None else f'{f1:.3f}'} | {thresholds.get(c.slug, 0.5):.3f} |"
        )
    micro = metrics.get("micro", {})
    lines += [
        "",
        "## Metrics",
        f"Cross-validated on the training data ({metrics.get('method', '')}): micro-F1 "
        f"{micro.get('f1', float('nan')):.3f}, precision {micro.get('precision', float('nan')):.3f}, "
        f"recall {micro.get('recall', float('nan')):.3f}; macro-F1 "
        f"{metrics.get('macro', {}).get('f1', float('nan')):.3f}.",
        "",
        "## Limitations",
        "- A bag-of-words model: it sees which words a story uses, not what it says about them.",
        "- Topics with few training examples get a fallback threshold "
        f"({', '.join(model.classifier.threshold_fallback_) or 'none here'}).",
        "- Cross-validated figures come from the training distribution; expect lower on other "
        "outlets, eras and styles.",
        "",
    ]
    return "\n".join(lines)


def feedback_line(info: dict[str, Any] | None) -> str:
    """One readable line for the model card about the feedback a model was trained with."""
    if not info:
        return "none"
    unused = ", ".join(f"{n} {why}" for why, n in (info.get("not_used") or {}).items())
    return (
        f"{info.get('verdicts', 0)} verdicts on {info.get('stories', 0)} stories from "
        f"`{info.get('source')}`: {info.get('positives', 0)} positive and "
        f"{info.get('negatives', 0)} negative labels; {info.get('rows_corrected', 0)} training "
        f"rows corrected, {info.get('rows_added', 0)} added"
        + (f"; not used: {unused}" if unused else "")
    )
