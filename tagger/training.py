"""``train``: a topic model from an archive's editor-assigned tags (a DataFrame or a file)."""

from __future__ import annotations

import hashlib
import json
import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tagger.errors import BadInputError
from tagger.io import parse_labels, require_columns
from tagger.model import default_suggest_model, save_bundle
from tagger.pipeline import build_nlp
from tagger.suggest_training import entity_tag_lists, fold_entity_feedback, learn_suggestions
from tagger.tagger import Tagger
from tagger.topics import ASSIGNED, Concept, TopicClassifier, TopicModel, read_taxonomy, rescale


def data_hash(texts: Sequence[str], labels: Sequence[Sequence[str]]) -> str:
    """SHA-256 over the exact (text, sorted labels) rows a model was trained on."""
    digest = hashlib.sha256()
    for text, labs in zip(texts, labels, strict=True):
        digest.update(json.dumps([text, sorted(labs)], ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def cross_validated_metrics(
    clf: TopicClassifier, Y: np.ndarray, seed: int, short: bool = False
) -> dict[str, Any]:
    """Micro, macro and per-topic P/R/F1 from out-of-fold scores, with thresholds chosen on the
    other half of the out-of-fold rows (so no score is judged by a threshold tuned on it).
    ``short``: the same for the texts under ``SHORT_WORDS`` words (headlines)."""
    from tagger.topics import best_threshold

    if short:
        probs, Y = clf.short_oof_proba_, clf.short_oof_truth_
    else:
        probs, Y = clf.oof_proba_, clf.oof_truth_
    rng = np.random.default_rng(seed)
    half = rng.permutation(len(Y)) % 2 == 0
    pred = np.zeros_like(Y)
    for part in (half, ~half):
        other = ~part
        thresholds = np.array(
            [best_threshold(probs[other, k], Y[other, k]) for k in range(Y.shape[1])]
        )
        pred[part] = (rescale(probs[part], thresholds) >= ASSIGNED).astype(int)
    per_topic = {}
    for k, slug in enumerate(clf.classes_):
        per_topic[str(slug)] = prf(pred[:, k], Y[:, k])
    micro = prf(pred.ravel(), Y.ravel())
    macro = {
        key: round(float(np.mean([m[key] for m in per_topic.values()])), 4)
        for key in ("precision", "recall", "f1")
    }
    return {
        "method": f"{clf.cv}-fold out-of-fold scores, thresholds from the other half",
        "rows": len(Y),
        "micro": micro,
        "macro": macro,
        "per_topic": per_topic,
    }


def prf(pred: np.ndarray, truth: np.ndarray) -> dict[str, Any]:
    """Precision, recall, F1 and support of binary predictions (scikit-learn's arithmetic)."""
    from sklearn.metrics import precision_recall_fscore_support

    p, r, f, _ = precision_recall_fscore_support(
        truth, pred, average="binary", pos_label=1, zero_division=0
    )
    support = int(np.sum(truth == 1))
    return {"precision": round(float(p), 4), "recall": round(float(r), 4), "f1": round(float(f), 4), "support": support}  # fmt: skip


def prepare(
    df: pd.DataFrame,
    text: str,
    labels: str,
    taxonomy: Sequence[Concept] | None,
    sep: str | None,
    negatives: bool,
) -> tuple[list[str], list[list[str]], list[Concept], dict[str, int]]:
    """Clean rows, count what is skipped and why, and settle the taxonomy."""
    if not isinstance(df, pd.DataFrame):
        raise BadInputError(f"train() expects a pandas DataFrame, not {type(df).__name__}")
    require_columns(df, text, labels)
    skipped: Counter[str] = Counter()
    texts: list[str] = []
    label_lists: list[list[str]] = []
    known = {c.slug for c in taxonomy} if taxonomy else None
    unknown: Counter[str] = Counter()
    for body, raw in zip(df[text].tolist(), df[labels].tolist(), strict=True):
        if not isinstance(body, str) or not body.strip():
            skipped["empty or missing text"] += 1
            continue
        labs = parse_labels(raw, sep)
        if labs is None or (not labs and not negatives):
            skipped["no labels"] += 1
            continue
        if known is not None:
            unknown.update(lab for lab in labs if lab not in known)
            labs = [lab for lab in labs if lab in known]
            if not labs and not negatives:
                skipped["no labels in the taxonomy"] += 1
                continue
        texts.append(body)
        label_lists.append(sorted(set(labs)))
    for reason, count in skipped.items():
        warnings.warn(f"skipped {count} row(s): {reason}", stacklevel=3)
    if unknown:
        warnings.warn(
            f"labels not in the taxonomy were ignored: {dict(unknown.most_common(10))}",
            stacklevel=3,
        )
    seen = Counter(lab for labs in label_lists for lab in labs)
    if taxonomy is None:
        concepts = [Concept(slug, slug) for slug in sorted(seen)]
    else:
        concepts = [c for c in taxonomy if seen[c.slug] > 0]
        absent = [c.slug for c in taxonomy if seen[c.slug] == 0]
        if absent:
            warnings.warn(f"taxonomy topics with no training example: {absent}", stacklevel=3)
    if len(texts) < 10 or not concepts:
        raise BadInputError(
            f"too little to train on: {len(texts)} usable row(s), {len(concepts)} label(s)"
        )
    return texts, label_lists, concepts, dict(skipped)


def train(
    df: pd.DataFrame,
    text: str = "body",
    labels: str = "tags",
    taxonomy: str | Path | Sequence[Concept] | None = None,
    seed: int = 0,
    *,
    sep: str | None = None,
    negatives: bool = False,
    model: str = "svm",
    C: float = 1.0,
    cv: int = 5,
    out: str | Path | None = None,
    source: str = "DataFrame",
    extra_info: dict[str, Any] | None = None,
    feedback: str | Path | None = None,
    calibration: pd.DataFrame | None = None,
    calibration_source: str = "DataFrame",
    entities: bool = False,
) -> Tagger:
    """Train a topic model on editor-assigned tags and return a ``Tagger`` that uses it.

    ``labels`` holds a list or a delimited string per row (``sep``; auto-detected from | ; ,).
    Without ``taxonomy`` the labels found in the data are the taxonomy. Rows with empty text or
    no labels are skipped with a warning and counted in the model card; with ``negatives=True``
    an empty label list is kept as an example of "none of these topics". With ``out`` the
    bundle is written there. ``feedback`` is a feedback database of the service (see
    :func:`fold_feedback`): editors' verdicts are folded in and counted in the model card.

    ``calibration``: full-length articles with editors' labels (same ``text`` and ``labels``
    columns) on which the length-aware aggregator and the thresholds are fitted. Without it they
    are fitted on out-of-fold scores of the training rows, which is right when the training rows
    are themselves real articles (a newsroom's archive) and wrong when they are short passages.

    ``entities=True``: also learn which entities to suggest from the editors' entity tags in the
    columns ``people``, ``countries``, ``organisations`` and ``apps`` (lists or delimited strings;
    :mod:`tagger.suggest_training`). Without it the bundle gets the shipped suggestion model.
    """
    # the entity columns are checked before the topic model's minutes of fitting
    entity_data = entity_tag_lists(df, text) if entities else None
    concepts_in = read_taxonomy(taxonomy) if isinstance(taxonomy, str | Path) else taxonomy
    texts, label_lists, concepts, skipped = prepare(df, text, labels, concepts_in, sep, negatives)
    feedback_info = None
    if feedback is not None:
        texts, label_lists, feedback_info = fold_feedback(
            texts, label_lists, {c.slug for c in concepts}, feedback, entities_learned=entities
        )
    slugs = [c.slug for c in concepts]
    index = {s: i for i, s in enumerate(slugs)}
    Y = _indicator(label_lists, index)
    cal_texts, Y_cal = None, None
    if calibration is not None:
        cal_texts, cal_labels, _, _ = prepare(
            calibration, text, labels, concepts, sep, negatives=True
        )
        Y_cal = _indicator(cal_labels, index)
    clf = TopicClassifier(classes=slugs, model=model, C=C, cv=cv, seed=seed).fit(
        texts, Y, X_calibration=cal_texts, y_calibration=Y_cal
    )
    topic_model = TopicModel(clf, concepts)
    info = {
        "name": Path(out).name if out else "in-memory",
        "training_data": {
            "source": source,
            "rows_used": len(texts),
            "rows_skipped": skipped,
            "sha256": data_hash(texts, label_lists),
            "label_counts": {s: int(Y[:, i].sum()) for i, s in enumerate(slugs)},
            "negatives": int((Y.sum(axis=1) == 0).sum()),
            **({"feedback": feedback_info} if feedback_info is not None else {}),
        },
        "params": {"model": model, "C": C, "cv": cv, "seed": seed},
        **(
            {
                "calibration_data": {
                    "source": calibration_source,
                    "rows_used": len(cal_texts),
                    "sha256": data_hash(cal_texts, cal_labels),
                }
            }
            if cal_texts is not None
            else {}
        ),
        "metrics": cross_validated_metrics(clf, Y, seed),
        **(
            {"metrics_short_texts": cross_validated_metrics(clf, Y, seed, short=True)}
            if hasattr(clf, "short_oof_proba_")
            else {}
        ),
        **(extra_info or {}),
    }
    suggest_model = default_suggest_model()
    if entity_data is not None:
        ent_texts, ent_tags, ent_skipped = entity_data
        ent_rejected = None
        ent_feedback = None
        if feedback is not None:
            ent_texts, ent_tags, ent_rejected, ent_feedback = fold_entity_feedback(
                ent_texts, ent_tags, feedback
            )
        suggest_model = learn_suggestions(
            ent_texts, ent_tags, fallback=suggest_model, rejected=ent_rejected
        )
        info["entity_tags"] = {
            "source": source,
            "rows_used": len(ent_texts),
            "rows_skipped": ent_skipped,
            "sha256": data_hash(ent_texts, [_flat_tags(t) for t in ent_tags]),
            "entities": suggest_model.info["rows"],
            "thresholds": suggest_model.thresholds,
            "constant_types": suggest_model.info["constant_types"],
            "kept_from_shipped_model": suggest_model.info["kept_from_shipped_model"],
            **({"feedback": ent_feedback} if ent_feedback is not None else {}),
        }
        suggest_model.info["data"] = f"{source}: the editors' entity tags of {len(ent_texts)} articles"  # fmt: skip
    if out is not None:
        save_bundle(topic_model, out, info, suggest_model=suggest_model)
        return Tagger.load(out)
    nlp = build_nlp(topic_model=topic_model, suggest_model=suggest_model)
    return Tagger(nlp, topic_model=topic_model, manifest=info)


def _flat_tags(tags: dict[str, list[str]]) -> list[str]:
    return [f"{field}:{name}" for field, names in tags.items() for name in names]


def _indicator(label_lists: Sequence[Sequence[str]], index: dict[str, int]) -> np.ndarray:
    Y = np.zeros((len(label_lists), len(index)), dtype=int)
    for row, labs in enumerate(label_lists):
        for lab in labs:
            if lab in index:
                Y[row, index[lab]] = 1
    return Y


def fold_feedback(
    texts: list[str],
    label_lists: list[list[str]],
    topics: set[str],
    path: str | Path,
    entities_learned: bool = False,
) -> tuple[list[str], list[list[str]], dict[str, Any]]:
    """Editors' verdicts from a feedback database as training rows.

    Accepted and added topics become positives and rejected ones negatives. A story that is
    already in the training data has its labels corrected (positives added, negatives
    removed); any other story with an accepted or added topic becomes a new row labelled with
    its positives (one with only rejections is counted and left out: a rejection alone says
    nothing about the story's other topics). Only feedback stored with its text can be used
    (``tagger serve --keep-text``); hash-only rows, entity verdicts (unless ``entities_learned``:
    then the entity decision learns from them) and topics the model does
    not know are counted and reported, never dropped silently.
    """
    from tagger.feedback import FeedbackStore, text_sha256

    file = Path(path)
    if not file.is_file():
        raise BadInputError(f"feedback database {file} does not exist")
    rows = FeedbackStore(file).training_rows(known_topics=topics)
    if entities_learned:  # the entity decision learns from them (fold_entity_feedback)
        rows.skipped = {k: v for k, v in rows.skipped.items() if not k.startswith("entity")}
    where = {text_sha256(t): i for i, t in enumerate(texts)}
    texts, label_lists = list(texts), [list(labs) for labs in label_lists]
    corrected = added_rows = 0
    for body, pos, neg in zip(rows.texts, rows.positives, rows.negatives, strict=True):
        i = where.get(text_sha256(body))
        if i is None and not pos:
            # a rejection alone says nothing about the story's other topics: not a safe row
            rows.skipped["only rejections, on a story outside the training data"] = (
                rows.skipped.get("only rejections, on a story outside the training data", 0) + 1
            )
        elif i is None:
            texts.append(body)
            label_lists.append(sorted(set(pos)))
            added_rows += 1
        else:
            label_lists[i] = sorted((set(label_lists[i]) | set(pos)) - set(neg))
            corrected += 1
    info = {
        "source": file.name,
        "verdicts": rows.verdicts,
        "stories": len(rows),
        "positives": sum(map(len, rows.positives)),
        "negatives": sum(map(len, rows.negatives)),
        "rows_corrected": corrected,
        "rows_added": added_rows,
        "not_used": rows.skipped,
    }
    for reason, count in rows.skipped.items():
        warnings.warn(f"feedback: {count} verdict(s) not used: {reason}", stacklevel=3)
    return texts, label_lists, info
