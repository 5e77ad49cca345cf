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
    assert not hasattr(fresh, "coef_")
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


def test_rare_label_gets_a_warning_and_the_shared_threshold():
    texts, y = corpus(24)
    y = np.column_stack([y, np.zeros(len(texts), dtype=int)])
    y[0, 2] = 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = TopicClassifier(classes=["a", "b", "rare"], cv=3).fit(texts, y)
    assert any("'rare' has 1 examples" in str(w.message) and "shared threshold" in str(w.message) for w in caught)  # fmt: skip
    shared = best_threshold(clf.oof_proba_.ravel(), clf.oof_truth_.ravel())
    assert "rare" in clf.threshold_fallback_ and clf.thresholds_[2] == shared


@pytest.mark.parametrize("model", ["svm", "logreg"])
def test_both_linear_models_fit_and_predict(model):
    texts, y = corpus()
    clf = TopicClassifier(classes=["elections", "justice"], model=model, cv=3).fit(texts, y)
    assert clf.get_params()["model"] == model
    probs = clf.predict_proba([VOTE, CASE])
    assert probs.shape == (2, 2) and np.all((probs >= 0) & (probs <= 1))
    assert clf.predict([VOTE, CASE, SPORT]).tolist() == [[1, 0], [0, 1], [0, 0]]


def test_svm_and_logreg_learn_different_weights():
    texts, y = corpus()
    svm = TopicClassifier(classes=["e", "j"], model="svm", cv=3).fit(texts, y)
    logreg = TopicClassifier(classes=["e", "j"], model="logreg", cv=3).fit(texts, y)
    assert svm.coef_.shape == logreg.coef_.shape and not np.allclose(svm.coef_, logreg.coef_)


def test_an_unknown_model_is_a_clear_error():
    texts, y = corpus()
    with pytest.raises(Exception, match="model must be 'logreg' or 'svm'"):
        TopicClassifier(classes=["e", "j"], model="forest", cv=3).fit(texts, y)


def test_windows_cover_a_long_story_in_paragraph_sized_pieces():
    from tagger.topics import windows

    story = "\n\n".join(" ".join(f"w{p}_{i}" for i in range(70)) for p in range(10))
    spans = windows(story, size=120)
    assert len(spans) == 5  # two 70-word paragraphs per window
    assert spans[0][0] == 0 and spans[-1][1] == len(story)
    assert all(story[a:b].strip() == story[a:b] for a, b in spans)
    assert windows("short text", size=120) == [(0, 10)] and windows("   ") == []


def test_a_topic_in_two_paragraphs_of_a_long_story_is_not_diluted(fitted):
    filler = " ".join(["The weather was mild and the shops opened as usual in the town."] * 6)
    story = "\n\n".join([filler] * 8 + [VOTE * 3] + [filler] * 8)
    assert len(story.split()) > 1000
    assert fitted.predict([story]).tolist() == [[1, 0]]


def test_shipped_taxonomy_has_iptc_codes():
    concepts = read_taxonomy(ROOT / "data" / "taxonomy" / "starter_topics.csv")
    assert len(concepts) == 18
    assert all(c.iptc and c.iptc.startswith("medtop:") and c.label for c in concepts)


def test_short_texts_get_thresholds_chosen_on_short_texts():
    """Headlines read differently from articles: with enough short training texts, a text under
    SHORT_WORDS words is judged by thresholds chosen on the short texts' out-of-fold scores."""
    from tagger.topics import MIN_SHORT_TEXTS, SHORT_WORDS, TopicClassifier

    short, y_short = corpus(MIN_SHORT_TEXTS + 10)
    long = [" ".join([t] * 4) for t in short[:30]]
    assert all(len(t.split()) < SHORT_WORDS for t in short)
    assert all(len(t.split()) >= SHORT_WORDS for t in long)
    texts = short + long
    y = np.vstack([y_short, y_short[:30]])
    clf = TopicClassifier(classes=["elections", "justice"], cv=3, seed=0).fit(texts, y)
    assert clf.short_texts_ == len(short)
    assert clf.short_oof_proba_.shape == (len(short), 2)
    probs = clf.predict_proba([VOTE, long[1]])
    scores = clf.decision_scores([VOTE, long[1]])
    assert np.allclose(scores[0], rescale(probs[0], clf.short_thresholds_))
    assert np.allclose(scores[1], rescale(probs[1], clf.thresholds_))
    assert clf.decision_scores([]).shape == (0, 2)
    # the state keeps them; a state from before them gives every text the article thresholds
    meta, arrays = clf.to_state()
    again = TopicClassifier.from_state(meta, arrays)
    assert np.array_equal(again.short_thresholds_, clf.short_thresholds_)
    older = TopicClassifier.from_state(meta, {k: v for k, v in arrays.items() if k != "short_thresholds"})  # fmt: skip
    assert np.array_equal(older.short_thresholds_, clf.thresholds_)
    with pytest.raises(ValueError, match="short_thresholds"):
        TopicClassifier.from_state(meta, {**arrays, "short_thresholds": np.zeros(3)})


def test_few_short_texts_keep_the_article_thresholds(fitted):
    assert fitted.short_texts_ < 50
    assert np.array_equal(fitted.short_thresholds_, fitted.thresholds_)


def test_the_word_ngram_cache_counts_as_sklearn_does():
    """Same matrix as ``CountVectorizer(analyzer="char_wb").transform``: accents, ligatures, a
    no-break space, words shorter than the n-grams, empty texts, a word met twice."""
    from sklearn.feature_extraction.text import CountVectorizer

    from tagger.topics import WordNgramCache

    fitted = CountVectorizer(analyzer="char_wb", ngram_range=(3, 4), strip_accents="unicode")
    fitted.fit(["Sanctions on Russia's banks", "Café owners fined", "I a an Straße"])
    vectorizer = CountVectorizer(
        analyzer="char_wb", ngram_range=(3, 4), strip_accents="unicode",
        vocabulary=fitted.vocabulary_, dtype=np.float64,
    )  # fmt: skip
    texts = [
        "Sanctions on Russia's banks: sanctions again",
        "Ünïcödé\u00a0café ﬁned I a an",
        "",
        "   ",
        "Straße",
    ]
    cache = WordNgramCache(vectorizer)
    for _ in range(2):  # cold, then from the cache
        got, want = cache.transform(texts), vectorizer.transform(texts)
        assert got.shape == want.shape and got.dtype == want.dtype
        assert (got != want).nnz == 0
        assert got.has_canonical_format
