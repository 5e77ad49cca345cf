"""The entity suggestion model out of fold on the development set's fitting part.

    python -m benchmarks.devset.suggest_oof

What a change to the entity features or the decision is chosen on: the fitting part's articles
in five folds by article (``GroupKFold``); for each fold ``fit_suggest_model`` learns from the
other four (thresholds chosen out of fold inside them, as the shipped model's are) and decides
the held-out articles' entities. Precision, recall and F1 per type count the editors' tags the
tagger never returned as misses, as ``benchmarks.devset_entities`` does on the measuring part.
Writes ``benchmarks/results/devset_suggest_oof.json``. Needs ../shared.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold

from benchmarks.common import Timer, write_result
from benchmarks.devset.data import load
from tagger.entity_match import TYPES, match
from tagger.metrics import prf
from tagger.model import default_bundle_dir, read_bundle
from tagger.pipeline import build_nlp
from tagger.suggest import fit_suggest_model
from tagger.text import clean_text

FOLDS = 5


def article_rows(nlp: Any, frame: Any) -> list[tuple[str, dict[str, tuple[list, list, int]]]]:
    """Per article: for each entity type, the features and hit of each entity, and gold count."""
    kb = nlp.get_pipe("tagger_entities").kb
    out = []
    with nlp.select_pipes(disable=["tagger_suggest"]):
        texts = [clean_text(t) for t in frame["text"]]
        for (_, article), doc in zip(frame.iterrows(), nlp.pipe(texts, batch_size=16), strict=True):
            per = {}
            entities = doc._.tagger_entities or []
            for field, label in TYPES.items():
                mine = [e for e in entities if e["label"] == label]
                hits, _ = match(article[field], [(e["name"], [m["text"] for m in e["mentions"]]) for e in mine], kb)  # fmt: skip
                per[label] = (
                    [(e["features"], e["aside"]) for e in mine],
                    [int(h is not None) for h in hits],
                    len(article[field]),
                )
            out.append((article["id"], per))
    return out


def main() -> None:
    bundle = read_bundle(default_bundle_dir(), with_suggest=False)
    nlp = build_nlp(kb_dir=bundle.kb_dir, topic_model=None, suggest_model=None)
    with Timer() as clock:
        articles = article_rows(nlp, load("fit"))
        ids = np.array([a for a, _ in articles])
        counts = {label: [0, 0, 0] for label in TYPES.values()}  # tp, predicted, gold
        for train, test in GroupKFold(n_splits=FOLDS).split(ids, groups=ids):
            rows, groups = [], []
            for i in train:
                for label, (features, hits, _) in articles[i][1].items():
                    rows += [(label, f, y) for (f, _), y in zip(features, hits, strict=True)]
                    groups += [articles[i][0]] * len(hits)
            model = fit_suggest_model(rows, groups)
            for i in test:
                for label, (features, hits, gold) in articles[i][1].items():
                    chosen = [
                        y
                        for (f, aside), y in zip(features, hits, strict=True)
                        if label in model.thresholds and model.suggests(label, f, aside)
                    ]
                    counts[label][0] += sum(chosen)
                    counts[label][1] += len(chosen)
                    counts[label][2] += gold
    result = {}
    for field, label in TYPES.items():
        tp, predicted, gold = counts[label]
        precision, recall, f1 = prf(tp, predicted - tp, gold - tp)
        result[field] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": gold,
            "predicted": predicted,
        }
    write_result(
        "devset_suggest_oof",
        {
            "data": f"development set, fitting part ({len(articles)} articles), {FOLDS} folds by article",
            "command": "python -m benchmarks.devset.suggest_oof",
            "suggested_out_of_fold": result,
            "seconds": round(clock.seconds, 1),
        },
    )


if __name__ == "__main__":
    main()
