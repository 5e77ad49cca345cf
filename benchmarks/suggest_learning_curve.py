"""How many tagged articles a newsroom needs for ``tagger train --entities``: a learning curve.

    python -m benchmarks.suggest_learning_curve      # -> results/suggest_learning_curve.json

The suggestion model is learned as ``train(..., entities=True)`` learns it
(``tagger.suggest_training.fit_from_rows``: a type never or always tagged is a constant, the
shipped decision is kept for a type too few entities teach) from
random samples of N articles of the development set's fitting part (three samples per N), and
each model's ``suggested`` entities are scored on the measuring part (settled gold, as
``benchmarks.devset_entities``). N = all is the shipped model. Needs ../shared; a few minutes.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from benchmarks.common import Timer, write_result
from benchmarks.devset.data import load
from tagger.entity_match import TYPES, score_article
from tagger.metrics import prf
from tagger.model import default_suggest_model
from tagger.pipeline import build_nlp
from tagger.suggest_training import MIN_ENTITIES, entity_rows, fit_from_rows
from tagger.tagger import Tagger

SIZES = (25, 50, 100, 200, 400, 800)
SAMPLES = 3


def _score(tagger: Tagger, frame: Any) -> dict[str, float]:
    kb = tagger.nlp.get_pipe("tagger_entities").kb
    totals = {f: [0, 0, 0] for f in TYPES}
    for (_, article), tags in zip(frame.iterrows(), tagger.tag_many(frame["text"].tolist()), strict=True):  # fmt: skip
        gold = {f: article[f] for f in TYPES}
        for field, counts in score_article(gold, tags.entities, kb, True).items():
            totals[field] = [a + b for a, b in zip(totals[field], counts, strict=True)]
    return {f: round(prf(*c)[2], 4) for f, c in totals.items()}


def main() -> None:
    fit, measure = load("fit"), load("measure")
    shipped = default_suggest_model()
    tagger = Tagger.load()
    with Timer() as clock:
        nlp = build_nlp(topic_model=None, suggest_model=None)
        tags = [{f: list(a[f]) for f in TYPES} for _, a in fit.iterrows()]
        ids = fit["id"].tolist()
        rows, groups = entity_rows(nlp, fit["text"].tolist(), tags, ids)
    by_article: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by_article.setdefault(g, []).append(i)
    curve = []
    for size in (*SIZES, len(ids)):
        runs = []
        for sample in range(SAMPLES if size < len(ids) else 1):
            chosen = random.Random(sample).sample(ids, size) if size < len(ids) else ids
            idx = [i for a in chosen for i in by_article.get(a, [])]
            model = fit_from_rows([rows[i] for i in idx], [groups[i] for i in idx], shipped)
            tagger.nlp.get_pipe("tagger_suggest").model = model
            runs.append(
                {
                    "f1": _score(tagger, measure),
                    "kept_from_shipped_model": model.info["kept_from_shipped_model"],
                    "constant_types": model.info["constant_types"],
                }
            )
        curve.append(
            {
                "articles": size,
                "samples": len(runs),
                "f1_mean": {f: round(float(np.mean([r["f1"][f] for r in runs])), 4) for f in TYPES},
                "f1_min": {f: min(r["f1"][f] for r in runs) for f in TYPES},
                "f1_max": {f: max(r["f1"][f] for r in runs) for f in TYPES},
                "runs": runs,
            }
        )
        print(size, curve[-1]["f1_mean"])
    write_result(
        "suggest_learning_curve",
        {
            "command": "python -m benchmarks.suggest_learning_curve",
            "data": f"learned on random samples of the fitting part ({len(ids)} articles, reading A); "
            f"scored on the measuring part ({len(measure)} articles, settled entity tags)",
            "min_entities_per_type": MIN_ENTITIES,
            "feature_seconds": round(clock.seconds, 1),
            "curve": curve,
        },
    )


if __name__ == "__main__":
    main()
