"""The scikit-learn side: taxonomy, features, a one-vs-rest linear model, thresholds, evidence.

``TopicClassifier`` is a scikit-learn estimator (``fit`` / ``predict_proba`` / ``predict``), so it
can be cross-validated, grid-searched and pickled like any other. Per-topic thresholds are chosen
from out-of-fold predictions on the training data; scores are rescaled so that each topic's
threshold sits at 0.5, which makes scores comparable across topics.
"""

from __future__ import annotations

import csv
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from tagger.errors import BadInputError
from tagger.tags import Topic

ASSIGNED = 0.5  # a rescaled score at or above this means the topic is assigned
DEFAULT_THRESHOLD = 0.5
THRESHOLD_GRID = np.round(np.arange(0.05, 0.96, 0.025), 3)


@dataclass(frozen=True)
class Concept:
    """One taxonomy entry: a newsroom slug mapped to an IPTC Media Topic."""

    slug: str
    label: str
    iptc: str | None = None
    scope: str = ""


def read_taxonomy(path: str | Path) -> list[Concept]:
    """A taxonomy CSV with ``slug`` and optional ``iptc_qcode``, ``iptc_label``, ``scope``."""
    with Path(path).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "slug" not in reader.fieldnames:
            raise BadInputError(
                f"taxonomy {path} needs a 'slug' column; it has {reader.fieldnames}"
            )
        return [
            Concept(
                slug=row["slug"].strip(),
                label=(row.get("iptc_label") or row.get("label") or row["slug"]).strip(),
                iptc=(row.get("iptc_qcode") or "").strip() or None,
                scope=(row.get("scope") or "").strip(),
            )
            for row in reader
            if (row.get("slug") or "").strip()
        ]


def write_taxonomy(concepts: Sequence[Concept], path: str | Path) -> None:
    """The inverse of :func:`read_taxonomy`."""
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["slug", "iptc_qcode", "iptc_label", "scope"])
        for c in concepts:
            writer.writerow([c.slug, c.iptc or "", c.label, c.scope])


def make_features(seed: int = 0) -> FeatureUnion:
    """Word 1-2-grams and character 2-5-grams, TF-IDF with sublinear term frequency."""
    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_df=0.9,
                    strip_accents="unicode", token_pattern=r"(?u)\b[^\W\d_][\w'-]*\w\b",
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2,
                    max_features=300_000, strip_accents="unicode",
                ),
            ),
        ]
    )  # fmt: skip


class TopicClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label topic classifier over TF-IDF features with per-topic thresholds.

    ``y`` is a binary indicator matrix (n_samples, n_topics); ``classes`` names its columns.
    ``model="logreg"`` gives probabilities from logistic regression; ``model="svm"`` a linear
    SVM whose decision values are mapped through a logistic curve fitted out of fold.
    """

    def __init__(
        self,
        classes: Sequence[str] = (),
        model: str = "svm",
        C: float = 1.0,
        cv: int = 5,
        seed: int = 0,
    ) -> None:
        self.classes = classes
        self.model = model
        self.C = C
        self.cv = cv
        self.seed = seed

    # -- fitting ----------------------------------------------------------------------------
    def _estimator(self) -> Pipeline:
        if self.model == "svm":
            base: Any = LinearSVC(C=self.C, class_weight="balanced", random_state=self.seed)
        elif self.model == "logreg":
            base = LogisticRegression(
                C=self.C, class_weight="balanced", max_iter=2000, solver="liblinear"
            )
        else:
            raise BadInputError(f"model must be 'logreg' or 'svm', not {self.model!r}")
        return Pipeline(
            [("features", make_features(self.seed)), ("clf", OneVsRestClassifier(base))]
        )

    def _raw(self, pipeline: Pipeline, texts: Sequence[str]) -> np.ndarray:
        if self.model == "svm":
            return np.asarray(pipeline.decision_function(texts))
        return np.asarray(pipeline.predict_proba(texts))

    def fit(self, X: Sequence[str], y: Any) -> TopicClassifier:
        """Fit on texts and a label-indicator matrix; thresholds from out-of-fold scores."""
        texts = list(X)
        Y = np.asarray(y.toarray() if sparse.issparse(y) else y, dtype=int)
        if Y.ndim != 2 or Y.shape[0] != len(texts):
            raise BadInputError("y must be an indicator matrix with one row per text")
        self.classes_ = np.asarray(list(self.classes) or [str(i) for i in range(Y.shape[1])])
        # out-of-fold raw scores on the training data only
        oof = np.zeros(Y.shape, dtype=float)
        folds = KFold(n_splits=self.cv, shuffle=True, random_state=self.seed)
        for train, test in folds.split(texts):
            pipe = self._estimator()
            fit_y = Y[train]
            keep = fit_y.sum(axis=0) > 0
            if keep.all():
                pipe.fit([texts[i] for i in train], fit_y)
                oof[test] = self._raw(pipe, [texts[i] for i in test])
            else:  # a topic absent from this fold's training part: score it lowest
                pipe.fit([texts[i] for i in train], fit_y[:, keep])
                oof[np.ix_(test, np.flatnonzero(keep))] = self._raw(pipe, [texts[i] for i in test])
                oof[np.ix_(test, np.flatnonzero(~keep))] = oof.min() - 1
        self.calibration_ = self._fit_calibration(oof, Y)
        probs = self._calibrate(oof)
        self.oof_proba_ = probs
        self.thresholds_, self.threshold_fallback_ = self._choose_thresholds(probs, Y)
        self.pipeline_ = self._estimator().fit(texts, Y)
        self.word_features_ = self._word_feature_names()
        return self

    def _fit_calibration(self, oof: np.ndarray, Y: np.ndarray) -> np.ndarray | None:
        """Per-topic logistic curves mapping SVM decision values to probabilities (Platt)."""
        if self.model != "svm":
            return None
        params = np.zeros((Y.shape[1], 2))
        for k in range(Y.shape[1]):
            if 0 < Y[:, k].sum() < len(Y):
                lr = LogisticRegression(C=1e4, max_iter=1000).fit(oof[:, [k]], Y[:, k])
                params[k] = (lr.coef_[0, 0], lr.intercept_[0])
            else:
                params[k] = (1.0, 0.0)
        return params

    def _calibrate(self, raw: np.ndarray) -> np.ndarray:
        if self.calibration_ is None:
            return raw
        a, b = self.calibration_[:, 0], self.calibration_[:, 1]
        return 1.0 / (1.0 + np.exp(-(raw * a + b)))

    def _choose_thresholds(self, probs: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, list[str]]:
        thresholds = np.full(Y.shape[1], DEFAULT_THRESHOLD)
        fallback = []
        for k, name in enumerate(self.classes_):
            positives = int(Y[:, k].sum())
            if positives < self.cv:
                warnings.warn(
                    f"topic {str(name)!r} has {positives} examples, fewer than {self.cv} folds: "
                    f"using the fallback threshold {DEFAULT_THRESHOLD}",
                    stacklevel=3,
                )
                fallback.append(str(name))
                continue
            thresholds[k] = best_threshold(probs[:, k], Y[:, k])
        return thresholds, fallback

    def _word_feature_names(self) -> np.ndarray:
        words = self.pipeline_.named_steps["features"].transformer_list[0][1]
        return np.asarray(words.get_feature_names_out())

    # -- predicting -------------------------------------------------------------------------
    def _features(self, texts: Sequence[str]) -> tuple[Any, Any]:
        """All features, and the word features alone (for evidence), computed once."""
        union = self.pipeline_.named_steps["features"]
        parts = [transformer.transform(texts) for _, transformer in union.transformer_list]
        return sparse.hstack(parts, format="csr"), parts[0].tocsr()

    def _proba_from_features(self, features: Any) -> np.ndarray:
        clf = self.pipeline_.named_steps["clf"]
        if self.model == "svm":
            return self._calibrate(np.asarray(clf.decision_function(features)))
        return np.asarray(clf.predict_proba(features))

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Probability-like score per topic, (n_samples, n_topics)."""
        check_is_fitted(self, "pipeline_")
        return self._proba_from_features(self._features(list(X))[0])

    def decision_scores(self, X: Sequence[str]) -> np.ndarray:
        """Scores rescaled so that each topic's threshold maps to 0.5."""
        return rescale(self.predict_proba(X), self.thresholds_)

    def scores_and_words(self, X: Sequence[str]) -> tuple[np.ndarray, Any]:
        """:meth:`decision_scores` and the word-feature rows, from one pass over the texts."""
        check_is_fitted(self, "pipeline_")
        features, words = self._features(list(X))
        return rescale(self._proba_from_features(features), self.thresholds_), words

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """Indicator matrix of assigned topics."""
        return (self.decision_scores(X) >= ASSIGNED).astype(int)

    def evidence(self, text: str, k: int, top: int = 5) -> list[str]:
        """Words (and word pairs) in ``text`` that pushed topic ``k`` up most, by weight x TF-IDF."""
        check_is_fitted(self, "pipeline_")
        return self.evidence_from_row(self._features([text])[1], k, top)

    def evidence_from_row(self, row: Any, k: int, top: int = 5) -> list[str]:
        """:meth:`evidence` from a precomputed word-feature row (a 1 x n_words sparse matrix)."""
        clf = self.pipeline_.named_steps["clf"].estimators_[k]
        coef = np.asarray(clf.coef_).ravel()[: len(self.word_features_)]
        idx = row.indices
        contrib = row.data * coef[idx]
        picked: list[str] = []
        for i in np.argsort(-contrib):
            if contrib[i] <= 0 or len(picked) >= top:
                break
            term = str(self.word_features_[idx[i]])
            if all(word in ENGLISH_STOP_WORDS for word in term.split()):
                continue
            if not any(term in p or p in term for p in picked):
                picked.append(term)
        return picked


def best_threshold(probs: np.ndarray, truth: np.ndarray) -> float:
    """The grid threshold with the best F1 for one topic (ties: the middle of the best run)."""
    best_f1, best = -1.0, []
    for t in THRESHOLD_GRID:
        pred = probs >= t
        tp = float(np.sum(pred & (truth == 1)))
        denom = float(pred.sum() + truth.sum())
        f1 = 2 * tp / denom if denom else 0.0
        if f1 > best_f1 + 1e-12:
            best_f1, best = f1, [t]
        elif abs(f1 - best_f1) <= 1e-12:
            best.append(t)
    return float(best[len(best) // 2]) if best else DEFAULT_THRESHOLD


def rescale(probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Piecewise-linear map of [0, t] to [0, 0.5] and [t, 1] to [0.5, 1], per topic."""
    t = np.clip(thresholds, 1e-6, 1 - 1e-6)
    low = 0.5 * probs / t
    high = 0.5 + 0.5 * (probs - t) / (1 - t)
    return np.clip(np.where(probs < t, low, high), 0.0, 1.0)


class TopicModel:
    """A fitted classifier with its taxonomy: what a bundle holds and ``Tagger`` calls."""

    def __init__(self, classifier: TopicClassifier, taxonomy: Sequence[Concept]) -> None:
        self.classifier = classifier
        by_slug = {c.slug: c for c in taxonomy}
        self.concepts = [by_slug.get(s, Concept(str(s), str(s))) for s in classifier.classes_]

    def topics_for_many(self, texts: Sequence[str], min_score: float = 0.25) -> list[list[Topic]]:
        """Topics scoring at least ``min_score`` for each text, best first, with evidence."""
        if not texts:
            return []
        scores, words = self.classifier.scores_and_words(texts)
        results = []
        for n, (text, row) in enumerate(zip(texts, scores, strict=True)):
            chosen = [k for k in np.argsort(-row) if row[k] >= min_score and text.strip()]
            word_row = words[n]
            results.append(
                [
                    Topic(
                        slug=self.concepts[k].slug,
                        label=self.concepts[k].label,
                        iptc=self.concepts[k].iptc,
                        score=round(float(row[k]), 4),
                        evidence=self.classifier.evidence_from_row(word_row, int(k)),
                    )
                    for k in chosen
                ]
            )
        return results

    def topics_for(self, text: str, min_score: float = 0.25) -> list[Topic]:
        """Topics of one text."""
        return self.topics_for_many([text], min_score)[0]
