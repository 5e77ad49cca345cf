"""The scikit-learn side: taxonomy, features, a one-vs-rest linear model, length-aware scores.

A news article is scored the way an editor reads it: in windows of about ``window`` words (whole
paragraphs where they fit). The linear model scores every window and the whole story; a small
logistic *aggregator*, fitted on data, turns those (best window, second best, mean, share of
windows over the line, whole story, length) into one probability per topic, so a topic that
fills two paragraphs of a 2,000-word article is not diluted below its threshold. Per-topic
thresholds are chosen on out-of-fold scores and scores are rescaled so each threshold sits at 0.5.

``TopicClassifier`` is a scikit-learn estimator (``fit`` / ``predict_proba`` / ``predict``). What
it learns is plain arrays and vocabularies (``to_state`` / ``from_state``), so a bundle stores it
as JSON and ``.npz`` without pickle, and loading a model file can never run code.
"""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from tagger.errors import BadInputError
from tagger.metrics import prf
from tagger.tags import Passage, Topic
from tagger.text import Story

ASSIGNED = 0.5  # a rescaled score at or above this means the topic is assigned
SUGGEST_FLOOR = 0.25  # topics below this (half their threshold) are not suggested at all
DEFAULT_THRESHOLD = 0.5
THRESHOLD_GRID = np.round(np.arange(0.05, 0.96, 0.025), 3)
WINDOW_WORDS = 120
# A text under this many words (a headline, a standfirst, a claim) reads differently from an
# article: its topics get thresholds chosen on short texts when training has enough of them.
SHORT_WORDS = 40
MIN_SHORT_TEXTS = 50
_EPS = 1e-4

# The two feature spaces: word 1-2-grams and character 3-4-grams inside word boundaries
# (3-4 scores as 2-5 did on the development set's fitting part, out of fold, at 60% of the cost).
FEATURE_PARAMS: dict[str, dict[str, Any]] = {
    "words": {
        "analyzer": "word",
        "ngram_range": [1, 2],
        "strip_accents": "unicode",
        "token_pattern": r"(?u)\b[^\W\d_][\w'-]*\w\b",
        "min_df": 2,
        "max_df": 0.9,
        "max_features": None,
    },
    "chars": {
        "analyzer": "char_wb",
        "ngram_range": [3, 4],
        "strip_accents": "unicode",
        "min_df": 2,
        "max_df": 1.0,
        "max_features": 300_000,
    },
}
_FIT_ONLY = ("min_df", "max_df", "max_features")


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


# ---------------------------------------------------------------- windows


def windows(text: str, size: int = WINDOW_WORDS) -> list[tuple[int, int]]:
    """Character spans of consecutive windows of about ``size`` words, whole paragraphs first.

    Paragraphs are joined until a window reaches ``size`` words; a paragraph longer than twice
    ``size`` is cut between words. A short tail joins the window before it. A story of up to 1.5x
    ``size`` words is one window.
    """
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    if len(words) <= size * 1.5:
        return [(0, len(text))] if words else []
    spans: list[tuple[int, int]] = []
    start_word, count = 0, 0
    for i, (_, end) in enumerate(words):
        count += 1
        at_paragraph_end = i + 1 < len(words) and "\n" in text[end : words[i + 1][0]]
        if (count >= size and at_paragraph_end) or count >= 2 * size:
            spans.append((words[start_word][0], end))
            start_word, count = i + 1, 0
    if count:
        tail = (words[start_word][0], words[-1][1])
        if spans and count < size // 2:
            spans[-1] = (spans[-1][0], tail[1])
        else:
            spans.append(tail)
    return spans


# ---------------------------------------------------------------- features


class Features:
    """TF-IDF over fixed vocabularies, computed from counts so windows add up to the story.

    A story's counts are the sum of its windows' counts, so each character of text is analysed
    once however many views (windows, whole story) are scored.
    """

    def __init__(self, vocabularies: dict[str, list[str]], idf: dict[str, np.ndarray]) -> None:
        self.vocabularies = vocabularies
        self.idf = idf
        self.counters = {
            name: CountVectorizer(
                vocabulary={term: i for i, term in enumerate(vocabularies[name])},
                dtype=np.float64,
                **_vectorizer_params(name, fitting=False),
            )
            for name in FEATURE_PARAMS
        }
        self._char_counter = WordNgramCache(self.counters["chars"])
        self.word_terms = np.asarray(vocabularies["words"], dtype=object)
        # every column's IDF and feature space, for tfidf() in one pass over the non-zeros
        self._idf_all = np.concatenate([np.asarray(idf[name]) for name in FEATURE_PARAMS])
        sizes = [len(vocabularies[name]) for name in FEATURE_PARAMS]
        self._space_of_column = np.repeat(np.arange(len(sizes)), sizes)

    @classmethod
    def fit(cls, texts: Sequence[str]) -> Features:
        vocabularies, idf = {}, {}
        for name in FEATURE_PARAMS:
            vec = TfidfVectorizer(sublinear_tf=True, **_vectorizer_params(name, fitting=True))
            try:
                vec.fit(texts)
            except ValueError as exc:  # "empty vocabulary", "max_df corresponds to < min_df"
                raise BadInputError(
                    f"no words to learn from in the training texts ({exc}); is the text column "
                    "the article text?"
                ) from None
            terms = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
            vocabularies[name] = terms
            idf[name] = np.asarray(vec.idf_, dtype=np.float64)
        return cls(vocabularies, idf)

    @property
    def n_words(self) -> int:
        return len(self.vocabularies["words"])

    def counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Raw term counts, words then characters, one row per text."""
        parts = [
            self._char_counter.transform(texts)
            if name == "chars"
            else self.counters[name].transform(texts)
            for name in FEATURE_PARAMS
        ]
        return sparse.hstack(parts, format="csr")

    def tfidf(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """Sublinear TF x IDF, each feature space L2-normalised on its own (as a FeatureUnion).

        Done on the non-zeros directly (the same arithmetic, in the same order, as scaling and
        ``sklearn.preprocessing.normalize`` per feature space, without slicing the matrix).
        """
        x = counts.tocsr(copy=True)
        x.sort_indices()
        x.data = (1.0 + np.log(x.data)) * self._idf_all[x.indices]
        n_spaces = len(FEATURE_PARAMS)
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        cell = rows * n_spaces + self._space_of_column[x.indices]
        norms = np.sqrt(np.bincount(cell, weights=x.data * x.data, minlength=x.shape[0] * n_spaces))
        norms[norms == 0.0] = 1.0
        x.data /= norms[cell]
        return x

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.tfidf(self.counts(texts))


class WordNgramCache:
    """``CountVectorizer(analyzer="char_wb", vocabulary=...).transform``, the same counts, with
    each word's n-grams cut and looked up once: news repeats its words, and cutting every word of
    every story into n-grams was two thirds of the topic model's time."""

    MAX_WORDS = 200_000  # then the cache starts again: a batch job's memory stays flat

    def __init__(self, vectorizer: CountVectorizer) -> None:
        if vectorizer.analyzer != "char_wb" or vectorizer.vocabulary is None:
            raise ValueError("WordNgramCache needs a char_wb CountVectorizer with a vocabulary")
        self.vocabulary: dict[str, int] = dict(vectorizer.vocabulary)
        self.preprocess = vectorizer.build_preprocessor()
        self.min_n, self.max_n = vectorizer.ngram_range
        self.dtype = vectorizer.dtype
        self._ids: dict[str, list[int]] = {}

    def _word_ids(self, word: str) -> list[int]:
        """Vocabulary ids of the n-grams of `` word `` (as sklearn's ``_char_wb_ngrams``)."""
        w = f" {word} "
        ids = []
        vocabulary = self.vocabulary
        for n in range(self.min_n, self.max_n + 1):
            last = max(0, len(w) - n)
            for offset in range(last + 1):
                idx = vocabulary.get(w[offset : offset + n])
                if idx is not None:
                    ids.append(idx)
            if last == 0:  # a word shorter than n is counted once, then no longer n-grams
                break
        return ids

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        cache = self._ids
        columns: list[int] = []
        ends = []
        for text in texts:
            for word in self.preprocess(text).split():
                ids = cache.get(word)
                if ids is None:
                    if len(cache) >= self.MAX_WORDS:
                        cache.clear()
                    ids = cache[word] = self._word_ids(word)
                columns += ids
            ends.append(len(columns))
        rows = np.repeat(np.arange(len(texts)), np.diff(ends, prepend=0))
        # duplicates (an n-gram seen twice in a text) are summed into its count
        matrix = sparse.coo_matrix(
            (np.ones(len(columns), dtype=self.dtype), (rows, np.asarray(columns, dtype=np.int32))),
            shape=(len(texts), len(self.vocabulary)),
        ).tocsr()
        matrix.sort_indices()
        return matrix


def _vectorizer_params(name: str, fitting: bool) -> dict[str, Any]:
    params = dict(FEATURE_PARAMS[name])
    params["ngram_range"] = tuple(params["ngram_range"])
    if not fitting:
        for key in _FIT_ONLY:
            params.pop(key)
    return params


# ---------------------------------------------------------------- the classifier


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p / (1 - p))


@dataclass
class StoryView:
    """How one story was scored: aggregator inputs, and per window its probabilities and span;
    ``window_x[rows_of_windows]`` are its windows' TF-IDF rows (for evidence)."""

    rows: np.ndarray
    window_probs: np.ndarray
    spans: list[tuple[int, int]]
    window_x: Any
    rows_of_windows: slice
    n_words: int = 0


AGGREGATE_FEATURES = (
    "best window", "second window", "mean window", "share over 0.5", "story", "log windows",
    "best window x log windows", "story x log windows", "share over 0.5 x log windows",
)  # fmt: skip


def aggregate_features(window_probs: np.ndarray, story_probs: np.ndarray) -> np.ndarray:
    """The aggregator's inputs for one story: (n_topics, len(AGGREGATE_FEATURES)).

    The products with the number of windows let one linear aggregator weigh a story's best
    window and its whole-story score differently in a long story than in a short one (on the
    development set's fitting part, out of fold, recall on articles over 1,000 words rose from
    0.81 to 0.83 with them, and micro- and macro-F1 a little)."""
    ordered = -np.sort(-window_probs, axis=0)
    best = _logit(ordered[0])
    second = _logit(ordered[1] if len(ordered) > 1 else ordered[0])
    share = (window_probs >= 0.5).mean(axis=0)
    story = _logit(story_probs)
    log_windows = np.full(best.shape, np.log(len(window_probs)))
    return np.column_stack(
        [
            best,
            second,
            _logit(window_probs.mean(axis=0)),
            share,
            story,
            log_windows,
            best * log_windows,
            story * log_windows,
            share * log_windows,
        ]
    )


class TopicClassifier(ClassifierMixin, BaseEstimator):
    """Multi-label topic classifier over TF-IDF features, length-aware, with per-topic thresholds.

    ``y`` is a binary indicator matrix (n_samples, n_topics); ``classes`` names its columns.
    ``model="svm"``: linear SVMs whose decision values are mapped to probabilities by logistic
    curves fitted out of fold; ``model="logreg"``: logistic regression. The aggregator and the
    thresholds are fitted on out-of-fold scores of the training texts, or, when
    ``fit(..., X_calibration=, y_calibration=)`` is given, on those texts (full-length articles
    labelled by editors: the way to teach a model trained on short passages how long stories
    read).
    """

    def __init__(
        self,
        classes: Sequence[str] = (),
        model: str = "svm",
        C: float = 1.0,
        cv: int = 5,
        seed: int = 0,
        window: int = WINDOW_WORDS,
        calibration_weight: float = 1.0,
    ) -> None:
        self.classes = classes
        self.model = model
        self.C = C
        self.cv = cv
        self.seed = seed
        self.window = window
        self.calibration_weight = calibration_weight

    # -- fitting ----------------------------------------------------------------------------
    def _linear(
        self, X: sparse.csr_matrix, Y: np.ndarray, weight: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Weights (n_topics, n_features) and intercepts of one binary linear model per topic."""
        if self.model == "svm":
            base: Any = LinearSVC(C=self.C, class_weight="balanced", random_state=self.seed)
        elif self.model == "logreg":
            base = LogisticRegression(
                C=self.C, class_weight="balanced", max_iter=2000, solver="liblinear"
            )
        else:
            raise BadInputError(f"model must be 'logreg' or 'svm', not {self.model!r}")
        coef = np.zeros((Y.shape[1], X.shape[1]))
        intercept = np.zeros(Y.shape[1])
        for k in range(Y.shape[1]):
            if len(set(Y[:, k].tolist())) < 2:  # one class only: never (or always) this topic
                intercept[k] = -10.0 if not Y[0, k] else 10.0
                continue
            est = clone(base).fit(X, Y[:, k], sample_weight=weight)
            coef[k] = np.asarray(est.coef_).ravel()
            intercept[k] = float(np.ravel(est.intercept_)[0])
        return coef, intercept

    def fit(
        self,
        X: Sequence[str],
        y: Any,
        X_calibration: Sequence[str] | None = None,
        y_calibration: Any = None,
    ) -> TopicClassifier:
        """Fit on texts and a label-indicator matrix (and optional full-length calibration texts).

        Calibration texts join the training texts; the aggregator and the thresholds are then
        fitted on the out-of-fold scores of the calibration texts alone (each scored by a model
        that never saw it), so they learn how real full-length articles read.
        """
        texts = list(X)
        Y = _indicator(y, len(texts))
        self.classes_ = np.asarray(list(self.classes) or [str(i) for i in range(Y.shape[1])])
        judged = np.arange(len(texts))  # rows whose out-of-fold scores fit the aggregator
        weight = np.ones(len(texts))
        if X_calibration is not None:
            cal_texts = list(X_calibration)
            judged = np.arange(len(texts), len(texts) + len(cal_texts))
            texts += cal_texts
            Y = np.vstack([Y, _indicator(y_calibration, len(cal_texts))])
            weight = np.concatenate([weight, np.full(len(cal_texts), self.calibration_weight)])
        # 1. out-of-fold scores: Platt curves from story scores, aggregator rows from windows
        n_topics = Y.shape[1]
        oof_story = np.zeros(Y.shape)
        oof_rows: dict[int, np.ndarray] = {}
        folds = KFold(n_splits=self.cv, shuffle=True, random_state=self.seed)
        fold_models = []
        for train, test in folds.split(texts):
            features = Features.fit([texts[i] for i in train])
            keep = Y[train].sum(axis=0) > 0
            coef = np.zeros((n_topics, features.counts(["x"]).shape[1]))
            intercept = np.full(n_topics, -10.0)  # a topic absent from this fold scores lowest
            coef[keep], intercept[keep] = self._linear(
                features.transform([texts[i] for i in train]), Y[train][:, keep], weight[train]
            )
            fold_models.append((test, features, coef, intercept))
            oof_story[test] = features.transform([texts[i] for i in test]) @ coef.T + intercept
        self.platt_ = self._fit_platt(oof_story, Y)
        short = np.array(
            [i for i, t in enumerate(texts) if len(t.split()) < SHORT_WORDS], dtype=int
        )
        wanted = set(judged.tolist()) | set(short.tolist())
        for test, features, coef, intercept in fold_models:
            mine = [int(i) for i in test if int(i) in wanted]
            rows = self._aggregate_rows(features, coef, intercept, [texts[i] for i in mine])
            oof_rows.update(zip(mine, rows, strict=True))
        # 2. the final linear model on every text
        self.features_ = Features.fit(texts)
        self.coef_, self.intercept_ = self._linear(self.features_.transform(texts), Y, weight)
        # 3. the aggregator and thresholds, on the judged rows' out-of-fold scores
        truth = Y[judged]
        self.aggregator_, oof_probs = self._fit_aggregator(
            [oof_rows[int(i)] for i in judged], truth
        )
        self.oof_proba_ = oof_probs
        self.oof_truth_ = truth
        self.thresholds_, self.threshold_fallback_ = self._choose_thresholds(oof_probs, truth)
        self._fit_short_thresholds(short, judged, oof_rows, oof_probs, Y)
        return self

    def _fit_short_thresholds(
        self,
        short: np.ndarray,
        judged: np.ndarray,
        oof_rows: dict[int, np.ndarray],
        oof_probs: np.ndarray,
        Y: np.ndarray,
    ) -> None:
        """Thresholds for texts under ``SHORT_WORDS`` words, chosen on the short training texts'
        out-of-fold scores; the article thresholds where there are too few short texts."""
        self.short_texts_ = len(short)
        if len(short) < MIN_SHORT_TEXTS:
            self.short_thresholds_ = self.thresholds_.copy()
            return
        position = {int(i): n for n, i in enumerate(judged)}
        probs = np.vstack(
            [
                oof_probs[position[int(i)]]
                if int(i) in position
                else self._aggregate(oof_rows[int(i)])
                for i in short
            ]
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # topics with few short examples use the shared one
            self.short_thresholds_, _ = self._choose_thresholds(probs, Y[short])
        self.short_oof_proba_, self.short_oof_truth_ = probs, Y[short]

    def _fit_platt(self, oof: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """Per-topic logistic curves from decision values to probabilities (Platt)."""
        params = np.zeros((Y.shape[1], 2))
        for k in range(Y.shape[1]):
            if 0 < Y[:, k].sum() < len(Y):
                lr = LogisticRegression(C=1e4, max_iter=1000).fit(oof[:, [k]], Y[:, k])
                params[k] = (lr.coef_[0, 0], lr.intercept_[0])
            else:
                params[k] = (1.0, 0.0)
        return params

    def _aggregate_rows(
        self, features: Features, coef: np.ndarray, intercept: np.ndarray, texts: Sequence[str]
    ) -> list[np.ndarray]:
        """For each text, the aggregator inputs (n_topics, n_aggregate_features)."""
        return [view.rows for view in self._score_views(features, coef, intercept, texts)]

    def _score_views(
        self, features: Features, coef: np.ndarray, intercept: np.ndarray, texts: Sequence[str]
    ) -> list[StoryView]:
        """Per text: aggregator inputs, window probabilities, spans and word features, one pass."""
        spans = [windows(t, self.window) or [(0, len(t))] for t in texts]
        pieces = [t[a:b] for t, sp in zip(texts, spans, strict=True) for a, b in sp]
        counts = features.counts(pieces)
        owner = np.repeat(np.arange(len(texts)), [len(sp) for sp in spans])
        story_counts = (
            sparse.csr_matrix(
                (np.ones(len(owner)), (owner, np.arange(len(owner)))),
                shape=(len(texts), len(owner)),
            )
            @ counts
        )
        window_x = features.tfidf(counts)
        weights = self._by_column(coef)
        window_p = self._platt(window_x @ weights + intercept)
        story_p = self._platt(features.tfidf(story_counts) @ weights + intercept)
        out, start = [], 0
        for n, sp in enumerate(spans):
            rows = slice(start, start + len(sp))
            wp = window_p[rows]
            n_words = len(texts[n].split())
            out.append(
                StoryView(aggregate_features(wp, story_p[n]), wp, sp, window_x, rows, n_words)
            )
            start += len(sp)
        return out

    def _by_column(self, coef: np.ndarray) -> np.ndarray:
        """``coef.T`` laid out row-major, kept between calls: scipy copies a transposed (column-
        major) operand on every sparse product, which cost more than the product itself."""
        cached = getattr(self, "_weights_by_column", None)
        if cached is None or cached[0] is not coef:
            cached = (coef, np.ascontiguousarray(coef.T))
            self._weights_by_column = cached
        return cached[1]

    def _platt(self, raw: np.ndarray) -> np.ndarray:
        a, b = self.platt_[:, 0], self.platt_[:, 1]
        return 1.0 / (1.0 + np.exp(-(np.asarray(raw) * a + b)))

    def _fit_aggregator(
        self, rows: list[np.ndarray], Y: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """One logistic model shared by all topics; returns its weights and out-of-fold probs."""
        A = np.stack(rows)  # (n_docs, n_topics, n_features)
        n_docs, n_topics, n_feat = A.shape
        flat, target = A.reshape(-1, n_feat), Y.reshape(-1)
        oof = np.zeros(n_docs * n_topics)
        doc_of_row = np.repeat(np.arange(n_docs), n_topics)
        folds = KFold(n_splits=min(self.cv, n_docs), shuffle=True, random_state=self.seed)
        for train_docs, _ in folds.split(np.arange(n_docs)):
            train = np.isin(doc_of_row, train_docs)
            test = ~train
            if len(set(target[train])) < 2:
                continue
            lr = LogisticRegression(C=1.0, max_iter=2000).fit(flat[train], target[train])
            oof[test] = lr.predict_proba(flat[test])[:, 1]
        lr = LogisticRegression(C=1.0, max_iter=2000).fit(flat, target)
        weights = np.concatenate([lr.coef_.ravel(), lr.intercept_])
        return weights, oof.reshape(n_docs, n_topics)

    def _aggregate(self, rows: np.ndarray) -> np.ndarray:
        w = self.aggregator_
        return 1.0 / (1.0 + np.exp(-(rows @ w[:-1] + w[-1])))

    def _choose_thresholds(self, probs: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Per topic where it has enough positives, else one threshold chosen over all topics."""
        shared = best_threshold(probs.ravel(), Y.ravel())
        thresholds = np.full(Y.shape[1], shared)
        fallback = []
        for k, name in enumerate(self.classes_):
            positives = int(Y[:, k].sum())
            if positives < max(self.cv, 8):
                if positives < self.cv:
                    warnings.warn(
                        f"topic {str(name)!r} has {positives} examples to choose a threshold on: "
                        f"using the shared threshold {shared:.3f}",
                        stacklevel=3,
                    )
                fallback.append(str(name))
                continue
            thresholds[k] = best_threshold(probs[:, k], Y[:, k])
        return thresholds, fallback

    # -- predicting -------------------------------------------------------------------------
    def score_stories(self, X: Sequence[str]) -> list[tuple[np.ndarray, StoryView]]:
        """Per text: rescaled topic scores and the view behind them (windows, their features)."""
        check_is_fitted(self, "coef_")
        texts = list(X)
        if not texts:
            return []
        views = self._score_views(self.features_, self.coef_, self.intercept_, texts)
        return [
            (rescale(self._aggregate(v.rows), self._thresholds_for(v.n_words)), v) for v in views
        ]

    def _thresholds_for(self, n_words: int) -> np.ndarray:
        """The article thresholds, or the short-text ones for a text under ``SHORT_WORDS``."""
        return self.short_thresholds_ if n_words < SHORT_WORDS else self.thresholds_

    def window_evidence(self, view: StoryView, k: int, top: int = 5) -> list[str]:
        """The words behind topic ``k`` in the story's best window for it (the passage)."""
        best = view.rows_of_windows.start + int(np.argmax(view.window_probs[:, k]))
        return self.evidence_from_row(view.window_x[best, : self.features_.n_words], k, top)

    @staticmethod
    def best_window(view: StoryView, k: int) -> tuple[int, int]:
        """The span (in the scored text) of the story's best window for topic ``k``."""
        return view.spans[int(np.argmax(view.window_probs[:, k]))]

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        """Probability per topic after aggregation, (n_samples, n_topics)."""
        check_is_fitted(self, "coef_")
        texts = list(X)
        if not texts:
            return np.zeros((0, len(self.classes_)))
        views = self._score_views(self.features_, self.coef_, self.intercept_, texts)
        return np.vstack([self._aggregate(v.rows) for v in views])

    def decision_scores(self, X: Sequence[str]) -> np.ndarray:
        """Scores rescaled so that each topic's threshold maps to 0.5."""
        texts = list(X)
        if not texts:
            return self.predict_proba(texts)
        thresholds = np.array([self._thresholds_for(len(t.split())) for t in texts])
        return rescale(self.predict_proba(texts), thresholds)

    def predict(self, X: Sequence[str]) -> np.ndarray:
        """Indicator matrix of assigned topics."""
        return (self.decision_scores(X) >= ASSIGNED).astype(int)

    def evidence(self, text: str, k: int, top: int = 5) -> list[str]:
        """Words (and word pairs) in ``text`` that pushed topic ``k`` up most, by weight x TF-IDF."""
        check_is_fitted(self, "coef_")
        row = self.features_.transform([text])[:, : self.features_.n_words]
        return self.evidence_from_row(row, k, top)

    def evidence_from_row(self, row: Any, k: int, top: int = 5) -> list[str]:
        """:meth:`evidence` from a word-feature row (a 1 x n_words sparse matrix)."""
        row = sparse.csr_matrix(row)
        coef = self.coef_[k, : self.features_.n_words]
        idx = row.indices
        contrib = row.data * coef[idx]
        picked: list[str] = []
        for i in np.argsort(-contrib):
            if contrib[i] <= 0 or len(picked) >= top:
                break
            term = str(self.features_.word_terms[idx[i]])
            if all(word in ENGLISH_STOP_WORDS for word in term.split()):
                continue
            if not any(term in p or p in term for p in picked):
                picked.append(term)
        return picked

    # -- state without pickle -----------------------------------------------------------------
    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """What was learned as JSON-ready values and plain numeric/string arrays."""
        check_is_fitted(self, "coef_")
        meta = {
            "params": self.get_params(),
            "classes": [str(c) for c in self.classes_],
            "threshold_fallback": list(self.threshold_fallback_),
            "feature_params": FEATURE_PARAMS,
        }
        meta["params"]["classes"] = list(meta["classes"])
        arrays = {
            **{
                f"vocabulary_{name}": np.asarray(self.features_.vocabularies[name], dtype=str)
                for name in FEATURE_PARAMS
            },
            **{f"idf_{name}": self.features_.idf[name] for name in FEATURE_PARAMS},
            "coef": self.coef_.astype(np.float32),
            "intercept": self.intercept_,
            "platt": self.platt_,
            "aggregator": self.aggregator_,
            "thresholds": self.thresholds_,
            "short_thresholds": self.short_thresholds_,
        }
        return meta, arrays

    @classmethod
    def from_state(cls, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> TopicClassifier:
        """The inverse of :meth:`to_state`; ValueError when the parts do not fit together."""
        params = dict(meta["params"])
        clf = cls(**params)
        if meta.get("feature_params") != FEATURE_PARAMS:
            raise ValueError("the model was built with other feature settings than this version")
        vocab = {
            name: [str(t) for t in arrays[f"vocabulary_{name}"].tolist()] for name in FEATURE_PARAMS
        }
        idf = {name: np.asarray(arrays[f"idf_{name}"], dtype=np.float64) for name in FEATURE_PARAMS}
        n_topics = len(meta["classes"])
        n_features = sum(len(v) for v in vocab.values())
        expected = {
            "coef": (n_topics, n_features),
            "intercept": (n_topics,),
            "platt": (n_topics, 2),
            "aggregator": (len(AGGREGATE_FEATURES) + 1,),
            "thresholds": (n_topics,),
        }
        for name, shape in expected.items():
            if tuple(arrays[name].shape) != shape:
                raise ValueError(
                    f"{name} has shape {arrays[name].shape}, expected {shape} (a model saved by "
                    "another version of tagger? retrain it with `tagger train`)"
                )
        if "short_thresholds" in arrays and arrays["short_thresholds"].shape != (n_topics,):
            raise ValueError("short_thresholds does not match the topics")
        for name in FEATURE_PARAMS:
            if idf[name].shape != (len(vocab[name]),):
                raise ValueError(f"idf_{name} does not match its vocabulary")
        clf.classes_ = np.asarray(meta["classes"])
        clf.features_ = Features(vocab, idf)
        clf.coef_ = np.asarray(arrays["coef"], dtype=np.float64)
        clf.intercept_ = np.asarray(arrays["intercept"], dtype=np.float64)
        clf.platt_ = np.asarray(arrays["platt"], dtype=np.float64)
        clf.aggregator_ = np.asarray(arrays["aggregator"], dtype=np.float64)
        clf.thresholds_ = np.asarray(arrays["thresholds"], dtype=np.float64)
        # a bundle from before short-text thresholds: every text gets the article thresholds
        clf.short_thresholds_ = np.asarray(
            arrays.get("short_thresholds", arrays["thresholds"]), dtype=np.float64
        )
        clf.threshold_fallback_ = list(meta.get("threshold_fallback", []))
        return clf


def _indicator(y: Any, n: int) -> np.ndarray:
    Y = np.asarray(y.toarray() if sparse.issparse(y) else y, dtype=int)
    if Y.ndim != 2 or Y.shape[0] != n:
        raise BadInputError("y must be an indicator matrix with one row per text")
    return Y


def best_threshold(probs: np.ndarray, truth: np.ndarray) -> float:
    """The grid threshold with the best F1 for one topic (ties: the middle of the best run)."""
    best_f1, best = -1.0, []
    for t in THRESHOLD_GRID:
        pred = probs >= t
        tp = int(np.sum(pred & (truth == 1)))
        f1 = prf(tp, int(pred.sum()) - tp, int(truth.sum()) - tp)[2]
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

    def topics_for_many(
        self, texts: Sequence[str | Story], min_score: float = SUGGEST_FLOOR
    ) -> list[list[Topic]]:
        """Topics scoring at least ``min_score`` for each text, best first, with evidence.

        Evidence is the words of the topic's best window and ``passage`` where that window is:
        offsets into the text, or for a :class:`~tagger.text.Story` into its original text.
        """
        if not texts:
            return []
        stories = [t if isinstance(t, Story) else Story(t) for t in texts]
        clf = self.classifier
        results = []
        for story, (row, view) in zip(
            stories, clf.score_stories([s.text for s in stories]), strict=True
        ):
            chosen = [k for k in np.argsort(-row) if row[k] >= min_score and story.text.strip()]
            topics = []
            for k in chosen:
                start, end = clf.best_window(view, int(k))
                topics.append(
                    Topic(
                        slug=self.concepts[k].slug,
                        label=self.concepts[k].label,
                        iptc=self.concepts[k].iptc,
                        score=round(float(row[k]), 4),
                        evidence=clf.window_evidence(view, int(k)),
                        passage=Passage(story.to_original(start), story.to_original(end)),
                    )
                )
            results.append(topics)
        return results

    def topics_for(self, text: str | Story, min_score: float = SUGGEST_FLOOR) -> list[Topic]:
        """Topics of one text."""
        return self.topics_for_many([text], min_score)[0]
