"""Learning the entity decision (``suggested``) from a newsroom's own entity tags.

``train(..., entities=True)`` and ``tagger train --entities``: the columns ``people``,
``countries``, ``organisations`` and ``apps`` (the columns ``tagger batch`` writes, corrected by
editors, or an archive's own tag fields) say which entities the editors attached to each article.
The tagger finds the entities of every article, each is labelled by whether the editors tagged it
(``tagger.entity_match``), and one logistic regression per type is fitted on the same features
as the shipped model's. Editors differ in what they tag (a quoted source named once, a country
named in passing); this is how the decision learns a newsroom's own habits.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from tagger.entity_match import TYPES, match
from tagger.errors import BadInputError
from tagger.io import parse_labels, require_columns
from tagger.suggest import FEATURES, SUGGESTED_TYPES, SuggestModel, fit_suggest_model
from tagger.text import clean_text

# below this many entities of a type (or with one class only among fewer) the data cannot teach
# that type's decision: the shipped model's is kept, and the model card says so
MIN_ENTITIES = 10
# the logit of a type the editors never (or always) tag: the decision is then a constant
CONSTANT_LOGIT = 50.0


def entity_tag_lists(df: pd.DataFrame, text: str) -> tuple[list[str], list[dict[str, list[str]]], dict[str, int]]:  # fmt: skip
    """The articles with a text: (texts, tags per type, skipped rows by reason).

    An empty or missing cell means the editors tagged nothing of that type (a CSV cannot tell an
    empty list from a missing value), so every row with a text teaches the decision: pass only
    articles whose entity tags the editors attached or reviewed.
    """
    require_columns(df, text, *TYPES)
    texts: list[str] = []
    tags: list[dict[str, list[str]]] = []
    skipped: Counter[str] = Counter()
    for row in df[[text, *TYPES]].itertuples(index=False):
        body, cells = row[0], row[1:]
        if not isinstance(body, str) or not body.strip():
            skipped["empty or missing text"] += 1
            continue
        parsed = [parse_labels(cell) for cell in cells]
        texts.append(body)
        tags.append({field: p or [] for field, p in zip(TYPES, parsed, strict=True)})
    for reason, count in skipped.items():
        warnings.warn(f"entity tags: skipped {count} row(s): {reason}", stacklevel=3)
    if len(texts) < MIN_ENTITIES:
        raise BadInputError(
            f"too little to learn entity suggestions from: {len(texts)} article(s) with entity "
            f"tags in the columns {', '.join(TYPES)}"
        )
    return texts, tags, dict(skipped)


def entity_rows(
    nlp: Any, texts: Sequence[str], tags: Sequence[dict[str, list[str]]], ids: Sequence[str]
) -> tuple[list[tuple[str, list[float], int]], list[str]]:
    """(type, features, tagged) for every entity the pipeline finds, and each row's article."""
    kb = nlp.get_pipe("tagger_entities").kb
    rows: list[tuple[str, list[float], int]] = []
    groups: list[str] = []
    off = [name for name in ("tagger_suggest", "tagger_topics") if name in nlp.pipe_names]
    with nlp.select_pipes(disable=off):
        # the text as tag() reads it (control characters, hard wrapping)
        docs = nlp.pipe([clean_text(t) for t in texts], batch_size=16)
        for doc, gold, aid in zip(docs, tags, ids, strict=True):
            entities = doc._.tagger_entities or []
            for field, label in TYPES.items():
                mine = [e for e in entities if e["label"] == label]
                found = [(e["name"], [m["text"] for m in e["mentions"]]) for e in mine]
                hits, _ = match(gold[field], found, kb)
                for entity, hit in zip(mine, hits, strict=True):
                    rows.append((label, entity["features"], int(hit is not None)))
                    groups.append(aid)
    return rows, groups


def learn_suggestions(
    texts: Sequence[str],
    tags: Sequence[dict[str, list[str]]],
    fallback: SuggestModel | None,
    kb_dir: str | Path | None = None,
) -> SuggestModel:
    """A suggestion model fitted on editors' entity tags; a type the data cannot teach keeps
    ``fallback``'s decision (``info["kept_from_shipped_model"]``)."""
    from tagger.pipeline import build_nlp

    nlp = build_nlp(kb_dir=kb_dir, topic_model=None, suggest_model=None)
    ids = [str(i) for i in range(len(texts))]
    rows, groups = entity_rows(nlp, texts, tags, ids)
    model = fit_suggest_model(rows, groups)
    counts = model.info["rows"]
    constant, kept = [], []
    for label in SUGGESTED_TYPES:
        if label in model.weights:
            continue
        n, tagged = counts[label]["entities"], counts[label]["tagged"]
        if n >= MIN_ENTITIES and tagged in (0, n):
            # the editors never (or always) tag this type: learned, as a constant
            sign = 1.0 if tagged else -1.0
            model.weights[label] = [0.0] * len(FEATURES) + [sign * CONSTANT_LOGIT]
            model.thresholds[label] = 0.5
            constant.append(label)
        elif fallback is not None and label in fallback.weights:
            model.weights[label] = list(fallback.weights[label])
            model.thresholds[label] = fallback.thresholds[label]
            kept.append(label)
    model.info.update(
        {
            "articles": len(texts),
            "constant_types": constant,
            "kept_from_shipped_model": kept,
        }
    )
    return model
