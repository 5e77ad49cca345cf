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

import numpy as np
import pandas as pd

from tagger.entity_match import TYPES, match
from tagger.errors import BadInputError
from tagger.io import parse_labels, require_columns
from tagger.suggest import FEATURES, SUGGESTED_TYPES, SuggestModel, fit_suggest_model
from tagger.tagger import PIECE_CHARS
from tagger.text import clean_text

# below this many entities of a type (or with one class only among fewer) the data cannot teach
# that type's decision: the shipped model's is kept, and the model card says so
MIN_ENTITIES = 10
MIN_ARTICLES = 10
# the logit of a type the editors never (or always) tag: the decision is then a constant
CONSTANT_LOGIT = 50.0


def entity_tag_lists(df: pd.DataFrame, text: str) -> tuple[list[str], list[dict[str, list[str]]], dict[str, int]]:  # fmt: skip
    """The articles with a text: (texts, tags per type, skipped rows by reason). Rows whose text
    is empty, broken or longer than ``PIECE_CHARS`` are skipped and counted.

    An empty or missing cell means the editors tagged nothing of that type (a CSV cannot tell an
    empty list from a missing value), so every row with a text teaches the decision: pass only
    articles whose entity tags the editors attached or reviewed.
    """
    require_columns(df, text, *TYPES)
    texts: list[str] = []
    tags: list[dict[str, list[str]]] = []
    skipped: Counter[str] = Counter()
    for n, row in enumerate(df[[text, *TYPES]].itertuples(index=False)):
        body, cells = row[0], row[1:]
        if not isinstance(body, str) or not body.strip():
            skipped["empty or missing text"] += 1
            continue
        try:
            clean_text(body)
        except BadInputError:
            skipped["text tag() refuses (a lone surrogate: broken encoding)"] += 1
            continue
        if len(body) > PIECE_CHARS:
            # tag() decides such a text piece by piece; its whole-text features would teach
            # the decision something it never sees (and cost gigabytes)
            skipped[f"longer than {PIECE_CHARS:,} characters"] += 1
            continue
        texts.append(body)
        tags.append(
            {
                field: names_in(cell, f"row {n + 1}, column {field!r}")
                for field, cell in zip(TYPES, cells, strict=True)
            }
        )
    for reason, count in skipped.items():
        warnings.warn(f"entity tags: skipped {count} row(s): {reason}", stacklevel=3)
    if len(texts) < MIN_ARTICLES:
        raise BadInputError(
            f"too little to learn entity suggestions from: {len(texts)} article(s) with entity "
            f"tags in the columns {', '.join(TYPES)}"
        )
    return texts, tags, dict(skipped)


def names_in(cell: Any, where: str) -> list[str]:
    """The names an entity-tag cell holds (a list, a JSON list or a delimited string; missing is
    none), or a clear error naming ``where`` for anything else (a number, a dict)."""
    missing = cell is None or (isinstance(cell, float) and cell != cell)
    listed = isinstance(cell, list | tuple | np.ndarray | pd.Series)
    if not (missing or isinstance(cell, str) or (listed and all(isinstance(x, str) for x in cell))):
        raise BadInputError(
            f"{where}: expected a list of names or a delimited string, not "
            f"{type(cell).__name__} {str(cell)[:40]!r}"
        )
    return parse_labels(cell) or []


def entity_rows(
    nlp: Any,
    texts: Sequence[str],
    tags: Sequence[dict[str, list[str]]],
    ids: Sequence[str],
    rejected: Sequence[dict[str, list[str]] | None] | None = None,
) -> tuple[list[tuple[str, list[float], int]], list[str]]:
    """(type, features, tagged) for every entity the pipeline finds, and each row's article.

    ``rejected`` (per article, or None): an article given with rejected names is labelled only
    in part, as editors' verdicts label it: an entity matching a tagged name is a positive, one
    matching a rejected name a negative, any other is left out (nobody judged it)."""
    kb = nlp.get_pipe("tagger_entities").kb
    rejected = rejected if rejected is not None else [None] * len(texts)
    rows: list[tuple[str, list[float], int]] = []
    groups: list[str] = []
    off = [name for name in ("tagger_suggest", "tagger_topics") if name in nlp.pipe_names]
    with nlp.select_pipes(disable=off):
        # the text as tag() reads it (control characters, hard wrapping)
        docs = nlp.pipe([clean_text(t) for t in texts], batch_size=16)
        for doc, gold, aid, no in zip(docs, tags, ids, rejected, strict=True):
            entities = doc._.tagger_entities or []
            for field, label in TYPES.items():
                mine = [e for e in entities if e["label"] == label]
                found = [(e["name"], [m["text"] for m in e["mentions"]]) for e in mine]
                hits, _ = match(gold[field], found, kb)
                misses = match(no[field], found, kb)[0] if no else [None] * len(mine)
                for entity, hit, miss in zip(mine, hits, misses, strict=True):
                    if no is not None and hit is None and miss is None:
                        continue  # a verdict's article: nobody judged this entity
                    rows.append((label, entity["features"], int(hit is not None)))
                    groups.append(aid)
    return rows, groups


def learn_suggestions(
    texts: Sequence[str],
    tags: Sequence[dict[str, list[str]]],
    fallback: SuggestModel | None,
    kb_dir: str | Path | None = None,
    rejected: Sequence[dict[str, list[str]] | None] | None = None,
) -> SuggestModel:
    """A suggestion model fitted on editors' entity tags (``rejected``: see :func:`entity_rows`);
    a type the data cannot teach keeps ``fallback``'s decision
    (``info["kept_from_shipped_model"]``)."""
    from tagger.pipeline import build_nlp

    nlp = build_nlp(kb_dir=kb_dir, topic_model=None, suggest_model=None)
    ids = [str(i) for i in range(len(texts))]
    rows, groups = entity_rows(nlp, texts, tags, ids, rejected)
    model = fit_from_rows(rows, groups, fallback)
    model.info["articles"] = len(texts)
    return model


def fit_from_rows(
    rows: Sequence[tuple[str, Sequence[float], int]],
    groups: Sequence[str],
    fallback: SuggestModel | None,
) -> SuggestModel:
    """``fit_suggest_model``, then the types the rows cannot teach: a type the editors never (or
    always) tag becomes a constant decision, one with too few entities keeps ``fallback``'s."""
    model = fit_suggest_model(rows, groups)
    counts = model.info["rows"]
    constant, kept = [], []
    for label in SUGGESTED_TYPES:
        if label in model.weights:
            continue
        n, tagged = counts[label]["entities"], counts[label]["tagged"]
        if n >= MIN_ENTITIES and tagged in (0, n):
            sign = 1.0 if tagged else -1.0
            model.weights[label] = [0.0] * len(FEATURES) + [sign * CONSTANT_LOGIT]
            model.thresholds[label] = 0.5
            constant.append(label)
        elif fallback is not None and label in fallback.weights:
            model.weights[label] = list(fallback.weights[label])
            model.thresholds[label] = fallback.thresholds[label]
            kept.append(label)
    model.info.update({"constant_types": constant, "kept_from_shipped_model": kept})
    return model


def fold_entity_feedback(
    texts: list[str], tags: list[dict[str, list[str]]], path: str | Path
) -> tuple[list[str], list[dict[str, list[str]]], list[dict[str, list[str]] | None], dict[str, Any]]:  # fmt: skip
    """Editors' entity verdicts from a feedback database (``tagger serve --keep-text``) joined to
    the archive's entity tags: an archive article gets its accepted and added names added and its
    rejected ones removed; any other judged story becomes an article labelled only where judged.
    Returns (texts, tags, rejected per article or None, what was used)."""
    from tagger.feedback import FeedbackStore, text_sha256

    file = Path(path)
    if not file.is_file():
        raise BadInputError(f"feedback database {file} does not exist")
    stored, verdicts, skipped = FeedbackStore(file).entity_verdicts()
    fields = {label: field for field, label in TYPES.items()}
    where = {text_sha256(t): i for i, t in enumerate(texts)}
    texts, tags = list(texts), [{f: list(v) for f, v in t.items()} for t in tags]
    rejected: list[dict[str, list[str]] | None] = [None] * len(texts)
    corrected = added = used = 0
    for digest, judged in verdicts.items():
        yes = {
            f: [n for (lab, n), v in judged.items() if v and fields.get(lab) == f] for f in TYPES
        }
        no = {
            f: [n for (lab, n), v in judged.items() if not v and fields.get(lab) == f]
            for f in TYPES
        }
        other = sum(1 for lab, _ in judged if lab not in fields)
        if other:
            skipped["entity verdicts on places (editors tag no places)"] = skipped.get("entity verdicts on places (editors tag no places)", 0) + other  # fmt: skip
        if not any(yes.values()) and not any(no.values()):
            continue
        used += len(judged) - other
        i = where.get(digest)
        if i is None:
            texts.append(stored[digest])
            tags.append(yes)
            rejected.append(no)
            added += 1
        else:
            for f in TYPES:
                tags[i][f] = sorted((set(tags[i][f]) | set(yes[f])) - set(no[f]))
            corrected += 1
    info = {
        "source": file.name,
        "entity_verdicts_used": used,
        "articles_corrected": corrected,
        "articles_added": added,
        "not_used": skipped,
    }
    for reason, count in skipped.items():
        warnings.warn(f"feedback: {count} entity verdict(s) not used: {reason}", stacklevel=3)
    return texts, tags, rejected, info
