"""The scikit-learn topic classifier: estimator API, thresholds, rescaling, evidence."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.base import clone

from tagger.topics import TopicClassifier, best_threshold, read_taxonomy, rescale
from tests.conftest import ROOT

SPORT = "The striker scored twice as the club won the league title in front of its fans."
VOTE = "Voters queued at polling stations as the election campaign ended and ballots were counted."
CASE = "The court sentenced the former minister to six years after prosecutors proved the bribery."


def corpus(n: int = 24) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(0)
    texts, rows = [], []
    for i in range(n):
        pick = i % 3
        extra = " ".join(rng.choice(["today", "officials", "said", "report", "city"], 6))
        texts.append([SPORT, VOTE, CASE][pick] + f" Story {i} {extra}.")
        rows.append([int(pick == 1), int(pick == 2)])
    return texts, np.array(rows)


@pytest.fixture(scope="module")
def fitted() -> TopicClassifier:
    texts, y = corpus()
    return TopicClassifier(classes=["elections", "justice"], cv=3, seed=0).fit(texts, y)


def test_is_a_scikit_learn_estimator(fitted):
    params = fitted.get_params()
    assert params["classes"] == ["elections", "justice"] and params["cv"] == 3
    fresh = clone(fitted)
    assert not hasattr(fresh, "pipeline_")
    assert list(fitted.classes_) == ["elections", "justice"]


def test_predicts_the_right_topic_with_evidence_from_the_text(fitted):
    scores = fitted.decision_scores([VOTE, CASE, SPORT])
    assert scores.shape == (3, 2)
    assert fitted.predict([VOTE, CASE, SPORT]).tolist() == [[1, 0], [0, 1], [0, 0]]
    evidence = fitted.evidence(VOTE, 0)
    assert evidence and all(term.split()[0] in VOTE.lower() for term in evidence)
    assert fitted.thresholds_.shape == (2,)


def test_rescale_puts_each_threshold_at_one_half():
    probs = np.array([[0.2, 0.6], [0.1, 0.9], [0.0, 1.0]])
    out = rescale(probs, np.array([0.2, 0.6]))
    assert out[0].tolist() == [0.5, 0.5]
    assert out[2].tolist() == [0.0, 1.0]
    assert np.all(np.diff(rescale(np.linspace(0, 1, 11)[:, None], np.array([0.3])), axis=0) >= 0)


def test_best_threshold_separates_clean_scores():
    probs = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    truth = np.array([0, 0, 0, 1, 1, 1])
    assert 0.3 < best_threshold(probs, truth) <= 0.7


def test_rare_label_gets_a_warning_and_the_fallback_threshold():
    texts, y = corpus(24)
    y = np.column_stack([y, np.zeros(len(texts), dtype=int)])
    y[0, 2] = 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = TopicClassifier(classes=["a", "b", "rare"], cv=3).fit(texts, y)
    assert any("rare" in str(w.message) and "fewer than 3 folds" in str(w.message) for w in caught)
    assert clf.threshold_fallback_ == ["rare"] and clf.thresholds_[2] == 0.5


def test_svm_variant_gives_probabilities(fitted):
    texts, y = corpus()
    svm = TopicClassifier(classes=["elections", "justice"], model="svm", C=1.0, cv=3).fit(texts, y)
    probs = svm.predict_proba([VOTE])
    assert probs.shape == (1, 2) and np.all((probs >= 0) & (probs <= 1))
    assert svm.predict([VOTE]).tolist() == [[1, 0]]


def test_shipped_taxonomy_has_iptc_codes():
    concepts = read_taxonomy(ROOT / "data" / "taxonomy" / "starter_topics.csv")
    assert len(concepts) == 18
    assert all(c.iptc and c.iptc.startswith("medtop:") and c.label for c in concepts)
