"""Model bundles on disk: pure I/O. Reads and writes the parts; never imports ``Tagger``.

A bundle holds the topic model as JSON and ``.npz`` arrays (never pickle: loading a model file
cannot run code), its taxonomy, an optional ``kb/`` folder of knowledge-base tables, a model card
and ``manifest.json`` with the SHA-256 of every file the bundle loads. ``read_bundle`` checks every
checksum first and refuses a file that is not in the manifest.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tagger.errors import ConfigurationError, ModelIntegrityError
from tagger.knowledge import TABLES
from tagger.pipeline import (
    MODEL_ARRAYS,
    MODEL_JSON,
    TAXONOMY_FILE,
    base_model_name,
    load_suggest_model,
    load_topic_model,
    save_topic_model,
)
from tagger.suggest import SUGGEST_FILE, SuggestModel
from tagger.topics import TopicModel

CARD_FILE = "MODEL_CARD.md"
MANIFEST_FILE = "manifest.json"
LEGACY_PICKLE = "topic_model.joblib"
FORMAT_VERSION = 2


@dataclass
class Bundle:
    """What a bundle on disk holds, verified: its manifest, topic model and KB folder (if any)."""

    path: Path
    manifest: dict[str, Any]
    topic_model: TopicModel
    kb_dir: Path | None
    suggest_model: SuggestModel | None = None


def default_bundle_dir() -> Path:
    """``models/default`` in a source checkout, or the copy packed into the wheel."""
    here = Path(__file__).resolve().parent
    candidates = (here / "_models" / "default", here.parent / "models" / "default")
    for candidate in candidates:
        if (candidate / MANIFEST_FILE).exists():
            return candidate
    raise ConfigurationError(
        f"the default model bundle is missing (looked in {candidates[0]} and {candidates[1]}); "
        "reinstall tagger, pass a bundle path, or use Tagger.entities_only() for entities only"
    )


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

    from tagger import __version__

    base = base_model_name()
    try:
        base_version = spacy.util.get_package_version(base) or "unknown"
    except Exception:  # pragma: no cover - metadata missing
        base_version = "unknown"
    return {
        "tagger": __version__,
        "spacy": spacy.__version__,
        "scikit-learn": sklearn.__version__,
        "base_model": f"{base}=={base_version}",
        "python": platform.python_version(),
    }


def save_bundle(
    model: TopicModel,
    path: str | Path,
    info: dict[str, Any],
    kb_dir: str | Path | None = None,
    suggest_model: SuggestModel | None = None,
) -> Path:
    """Write a bundle: model, taxonomy, (KB tables, entity suggestion model), card, manifest."""
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    names = save_topic_model(model, out)
    if suggest_model is not None:
        suggest_model.save(out / SUGGEST_FILE)
        names.append(SUGGEST_FILE)
    if kb_dir is not None:
        (out / "kb").mkdir(exist_ok=True)
        for table in TABLES:
            (out / "kb" / table).write_bytes((Path(kb_dir) / table).read_bytes())
            names.append(f"kb/{table}")
    (out / CARD_FILE).write_text(model_card(model, info), encoding="utf-8")
    names.append(CARD_FILE)
    manifest = {
        "format": FORMAT_VERSION,
        "name": out.name,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": versions(),
        "files": {name: sha256_file(out / name) for name in names},
        **info,
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return out


def clear_bundle(path: Path) -> None:
    """Remove a bundle's own files (those its manifest lists, the manifest, an old pickle).

    Other files a user keeps in the folder are left alone.
    """
    try:
        listed = list(
            json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8")).get("files", {})
        )
    except (ValueError, OSError, AttributeError):
        listed = []
    for name in [*listed, MANIFEST_FILE, LEGACY_PICKLE, CARD_FILE, MODEL_JSON, MODEL_ARRAYS]:
        file = path / name
        if ".." not in Path(name).parts and file.is_file():
            file.unlink()
    kb = path / "kb"
    if kb.is_dir() and not any(kb.iterdir()):
        kb.rmdir()


def verify_bundle(path: str | Path) -> dict[str, Any]:
    """The manifest, once every file it lists exists and matches its SHA-256.

    Every file the bundle loads (the model's JSON and arrays, the taxonomy, each ``kb/`` table)
    must be listed; a file present but not listed is refused, as is the old pickle format.
    """
    root = Path(path)
    if not root.is_dir():
        raise ConfigurationError(f"model bundle {root} is not a directory")
    manifest_path = root / MANIFEST_FILE
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelIntegrityError(f"{manifest_path} is missing") from None
    except (ValueError, UnicodeDecodeError):
        raise ModelIntegrityError(f"{manifest_path} is not valid JSON") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if LEGACY_PICKLE in (files or {}) or (root / LEGACY_PICKLE).exists():
        raise ModelIntegrityError(
            f"{root} holds a pickled model ({LEGACY_PICKLE}), an old format that can run code "
            "when loaded: it is refused. Retrain it with `tagger train ... --out NEW_BUNDLE` "
            "(the training command is in its MODEL_CARD.md) to get the safe format"
        )
    if not isinstance(files, dict) or any(
        name not in files for name in (MODEL_JSON, MODEL_ARRAYS, TAXONOMY_FILE)
    ):
        raise ModelIntegrityError(
            f"{manifest_path} is not a valid bundle manifest: it must list {MODEL_JSON}, "
            f"{MODEL_ARRAYS} and {TAXONOMY_FILE} with their SHA-256"
        )
    loaded = [MODEL_JSON, MODEL_ARRAYS, TAXONOMY_FILE]
    if (root / SUGGEST_FILE).exists():
        loaded.append(SUGGEST_FILE)
    if (root / "kb").is_dir():
        loaded += [f"kb/{p.name}" for p in sorted((root / "kb").iterdir())]
    for name in loaded:
        if name not in files:
            raise ModelIntegrityError(
                f"{root / name} is not listed in {MANIFEST_FILE}: refusing a bundle with "
                "unchecked files"
            )
    for name, expected in files.items():
        file = root / name
        if ".." in Path(name).parts or Path(name).is_absolute() or not file.is_file():
            raise ModelIntegrityError(f"{file} is listed in the manifest but missing")
        if sha256_file(file) != expected:
            raise ModelIntegrityError(
                f"{file} does not match its SHA-256 in {MANIFEST_FILE}: refusing to load it"
            )
    return manifest


def read_bundle(path: str | Path | None = None, *, with_suggest: bool = True) -> Bundle:
    """A verified bundle's parts; with no path, the shipped default (an error if it is missing).

    ``with_suggest=False`` leaves the entity suggestion model unread (for refitting it, when the
    bundle's copy was built with other features)."""
    root = Path(path) if path is not None else default_bundle_dir()
    manifest = verify_bundle(root)
    model = load_topic_model(root)
    manifest["path"] = str(root)
    kb_dir = root / "kb" if (root / "kb").is_dir() else None
    suggest = None
    if with_suggest and SUGGEST_FILE in manifest["files"]:
        suggest = load_suggest_model(root / SUGGEST_FILE)
    return Bundle(root, manifest, model, kb_dir, suggest)


def default_suggest_model() -> SuggestModel | None:
    """The entity suggestion model of the shipped default bundle (verified), if it has one.

    Bundles trained on a newsroom's own topics get it too: the entity decision does not depend
    on the taxonomy.
    """
    try:
        root = default_bundle_dir()
        files = verify_bundle(root)["files"]  # checksums only: the topic model is not loaded
    except (ConfigurationError, ModelIntegrityError):
        return None
    return load_suggest_model(root / SUGGEST_FILE) if SUGGEST_FILE in files else None


def add_to_bundle(path: str | Path, name: str) -> None:
    """List a file just written into a bundle in its manifest (its SHA-256)."""
    root = Path(path)
    manifest = json.loads((root / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["files"][name] = sha256_file(root / name)
    (root / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _entity_lines(entity_tags: dict[str, Any] | None) -> list[str]:
    """The card's lines on the entity decision: learned from the data, or the shipped one."""
    if not entity_tags:
        return ["- entity suggestions: the shipped model's (learned on the project's development set)"]  # fmt: skip
    per_type = ", ".join(
        f"{label} {c['tagged']} of {c['entities']} tagged"
        for label, c in entity_tags.get("entities", {}).items()
    )
    return [
        f"- entity suggestions learned from the editors' entity tags of {entity_tags.get('rows_used')} "
        f"articles ({per_type}); skipped: {entity_tags.get('rows_skipped', {})}",
        f"- types the editors never or always tag: {entity_tags.get('constant_types') or 'none'}; "
        f"too few to learn, the shipped decision kept: {entity_tags.get('kept_from_shipped_model') or 'none'}",
    ]


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
        *_calibration_lines(info.get("calibration_data")),
        *_entity_lines(info.get("entity_tags")),
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
        f"{'Out of fold on the calibration articles' if info.get('calibration_data') else 'Cross-validated on the training data'} "
        f"({metrics.get('method', '')}): micro-F1 "
        f"{micro.get('f1', float('nan')):.3f}, precision {micro.get('precision', float('nan')):.3f}, "
        f"recall {micro.get('recall', float('nan')):.3f}; macro-F1 "
        f"{metrics.get('macro', {}).get('f1', float('nan')):.3f}.",
        "",
        "## Limitations",
        "- A bag-of-words model: it sees which words a story uses, not what it says about them.",
        "- Topics with too few positive examples to choose their own threshold share one "
        f"({', '.join(model.classifier.threshold_fallback_) or 'none here'}).",
        "- Cross-validated figures come from the training distribution; expect lower on other "
        "outlets, eras and styles.",
        "",
    ]
    return "\n".join(lines)


def _calibration_lines(cal: dict[str, Any] | None) -> list[str]:
    """The model card's lines about full-length articles the aggregator was fitted on."""
    if not cal:
        return ["- length-aware aggregator and thresholds: fitted out of fold on the training rows"]
    return [
        f"- calibration articles (joined the training data; the length-aware aggregator and the "
        f"thresholds are fitted on their out-of-fold scores): {cal.get('rows_used')} from "
        f"`{cal.get('source')}`, SHA-256 `{cal.get('sha256')}`",
    ]


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
