"""Metrics as pandas DataFrames: how well a model's topics and entities match a gold standard.

Inputs are plain Python so the functions work with any model, not only ours:

- topics: per document a list of labels (taken as assigned, in rank order), a ``{label: score}``
  mapping, a list of :class:`~tagger.tags.Topic`, or a :class:`~tagger.tags.Tags`; a whole
  DataFrame of scores (one row per document, one column per label) works too.
- entities: per document a list of ``(start, end, label)`` spans, of ``{"start", "end",
  "label"}`` dicts, or a ``Tags`` (every mention of every entity is one span).

Every table has one row per label, then ``micro`` and ``macro`` rows, with the columns
precision, recall, f1, support (gold count), predicted, tp, fp and fn. The metric definitions
are the ones subject-indexing and NER people report (Annif's ``eval``, CoNLL's exact match).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from tagger.errors import BadInputError
from tagger.metrics import prf
from tagger.tags import Tags, Topic
from tagger.topics import ASSIGNED

if TYPE_CHECKING:
    from tagger.tagger import Tagger

COLUMNS = ["precision", "recall", "f1", "support", "predicted", "tp", "fp", "fn"]
Span = tuple[int, int, str]

# our entity labels -> the PER / LOC / ORG of CoNLL-style gold data (NORP-like demonyms and
# everything else are not scored); an app is a company's product, scored as ORG like CoNLL does
TO_PLO = {"PERSON": "PER", "COUNTRY": "LOC", "LOCATION": "LOC", "ORG": "ORG", "APP": "ORG"}
PLO = ("PER", "LOC", "ORG")


def _table(counts: Mapping[str, tuple[int, int, int]]) -> pd.DataFrame:
    """Per-label rows from (tp, fp, fn), then micro (pooled) and macro (mean over labels with
    gold support; a label that is never gold has no recall to average)."""
    rows = {}
    for label, (tp, fp, fn) in counts.items():
        p, r, f = prf(tp, fp, fn)
        rows[label] = [p, r, f, tp + fn, tp + fp, tp, fp, fn]
    tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
    p, r, f = prf(tp, fp, fn)
    rows["micro"] = [p, r, f, tp + fn, tp + fp, tp, fp, fn]
    scored = [rows[label] for label, c in counts.items() if c[0] + c[2] > 0]
    macro = [float(np.mean([row[i] for row in scored])) if scored else 0.0 for i in range(3)]
    rows["macro"] = [*macro, tp + fn, tp + fp, tp, fp, fn]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS)
    frame.index.name = "label"
    return frame.astype({c: int for c in COLUMNS[3:]})


def _check_lengths(gold: Sequence[Any], predicted: Sequence[Any]) -> None:
    if len(gold) != len(predicted):
        raise BadInputError(
            f"gold has {len(gold)} document(s) but predicted has {len(predicted)}; "
            "give one entry per document in the same order"
        )
    if not len(gold):
        raise BadInputError("nothing to evaluate: no documents")


def _as_list(items: Any, what: str) -> list[Any]:
    if isinstance(items, pd.DataFrame):
        return [
            {str(c): float(v) for c, v in row.items() if pd.notna(v)} for _, row in items.iterrows()
        ]
    if isinstance(items, str | bytes) or not isinstance(items, Iterable):
        raise BadInputError(f"{what} must be a sequence with one entry per document")
    return list(items)


# -- topics -------------------------------------------------------------------------------------
@dataclass
class _Ranked:
    """One document's topics: all labels best first, and the assigned ones."""

    ranked: list[str]
    assigned: set[str]
    scores: dict[str, float] | None


def _ranked(item: Any, threshold: float, where: str) -> _Ranked:
    if isinstance(item, Tags):
        item = item.topics
    if isinstance(item, Mapping):
        scores = {str(k): float(v) for k, v in item.items()}
        ranked = sorted(scores, key=lambda s: -scores[s])
        return _Ranked(ranked, {s for s in ranked if scores[s] >= threshold}, scores)
    if item is None or (isinstance(item, float) and np.isnan(item)):
        return _Ranked([], set(), None)
    if isinstance(item, str):
        raise BadInputError(f"{where} is a string ({item[:40]!r}); give a list of labels")
    if not isinstance(item, Iterable):
        raise BadInputError(f"{where} must be a list of labels, not {type(item).__name__}")
    item = list(item)
    if item and all(isinstance(t, Topic) for t in item):
        return _ranked({t.slug: t.score for t in item}, threshold, where)
    labels = [str(x).strip() for x in item if str(x).strip()]
    return _Ranked(list(dict.fromkeys(labels)), set(labels), None)


def _rank_all(items: Any, threshold: float, what: str) -> list[_Ranked]:
    return [_ranked(x, threshold, f"{what}[{i}]") for i, x in enumerate(_as_list(items, what))]


def topics(
    gold: Any,
    predicted: Any,
    k: int = 3,
    threshold: float = ASSIGNED,
    labels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Per-label precision, recall, F1 and support of assigned topics, plus micro and macro rows.

    A scored prediction is assigned at ``score >= threshold`` (0.5 is the model's own threshold);
    a plain list counts as assigned. The ``precision@k``, ``recall@k`` and ``f1@k`` columns
    score the ``k`` best-ranked labels of each document instead, whatever their score, as
    Annif's F1@k does; the ``samples`` row averages over documents with a gold label (what
    subject-indexing papers call F1@k). ``labels`` restricts the table to those labels.
    """
    gold_r = _rank_all(gold, threshold, "gold")
    pred_r = _rank_all(predicted, threshold, "predicted")
    _check_lengths(gold_r, pred_r)
    if k < 1:
        raise BadInputError(f"k must be at least 1, not {k}")
    truth = [g.assigned for g in gold_r]
    assigned = [p.assigned for p in pred_r]
    topk = [set(p.ranked[:k]) for p in pred_r]
    if labels is None:
        universe = sorted(set().union(*truth, *assigned))
    else:
        universe = list(dict.fromkeys(labels))
        keep = set(universe)
        truth = [t & keep for t in truth]
        assigned = [a & keep for a in assigned]
        topk = [t & keep for t in topk]

    def counts(pred: list[set[str]]) -> dict[str, tuple[int, int, int]]:
        out = {}
        for label in universe:
            tp = sum(1 for g, p in zip(truth, pred, strict=True) if label in g and label in p)
            fp = sum(1 for g, p in zip(truth, pred, strict=True) if label not in g and label in p)
            fn = sum(1 for g, p in zip(truth, pred, strict=True) if label in g and label not in p)
            out[label] = (tp, fp, fn)
        return out

    frame = _table(counts(assigned))
    at_k = _table(counts(topk))
    for col in ("precision", "recall", "f1"):
        frame[f"{col}@{k}"] = at_k[col]
    with_gold = [(g, a, t) for g, a, t in zip(truth, assigned, topk, strict=True) if g]
    samples: list[float | int] = []
    for sets in ((a for _, a, _ in with_gold), (t for _, _, t in with_gold)):
        per_doc = [
            prf(len(g & p), len(p - g), len(g - p))
            for (g, _, _), p in zip(with_gold, sets, strict=True)
        ]
        samples.extend(
            float(np.mean([d[i] for d in per_doc])) if per_doc else 0.0 for i in range(3)
        )
    frame.loc["samples"] = [
        *samples[:3],
        len(with_gold),
        sum(len(a) for _, a, _ in with_gold),
        sum(len(g & a) for g, a, _ in with_gold),
        sum(len(a - g) for g, a, _ in with_gold),
        sum(len(g - a) for g, a, _ in with_gold),
        *samples[3:],
    ]
    return frame.astype({c: int for c in COLUMNS[3:]})


def threshold_sweep(
    gold: Any,
    scores: Any,
    thresholds: Sequence[float] | None = None,
    labels: Sequence[str] | None = None,
    per_label: bool = False,
) -> pd.DataFrame:
    """Micro precision/recall/F1, macro-F1 and topics per document at each threshold.

    ``scores`` as for :func:`topics` (mappings, Tags or a score DataFrame). Tags hold only the
    topics scoring 0.25 or more, so below 0.25 use the full scores of :func:`topic_scores`.
    With ``per_label=True``: one row per (threshold, label), the points of a
    precision-recall curve per label.
    """
    grid = np.round(np.arange(0.05, 1.0, 0.05), 2) if thresholds is None else np.asarray(thresholds)
    score_list = _as_list(scores, "scores")
    rows = []
    for t in grid:
        table = topics(gold, score_list, k=1, threshold=float(t), labels=labels)
        if per_label:
            for label, row in table.drop(index=["micro", "macro", "samples"]).iterrows():
                rows.append(
                    {"threshold": float(t), "label": label,
                     **{c: row[c] for c in ("precision", "recall", "f1", "support", "predicted")}}
                )  # fmt: skip
        else:
            micro = table.loc["micro"]
            rows.append(
                {"threshold": float(t), "precision": micro["precision"],
                 "recall": micro["recall"], "f1": micro["f1"],
                 "macro_f1": table.loc["macro", "f1"],
                 "per_doc": micro["predicted"] / len(score_list)}
            )  # fmt: skip
    frame = pd.DataFrame(rows)
    return frame if per_label else frame.set_index("threshold")


def topic_scores(tagger: Tagger, texts: Sequence[str]) -> pd.DataFrame:
    """Every topic's score for every text (what ``Tagger.tag`` ranks before it cuts at 0.25):
    one row per text, one column per topic slug."""
    from tagger.pipeline import story_text

    if tagger.topic_model is None:
        raise BadInputError("this model has no topic model to evaluate")
    clf = tagger.topic_model.classifier
    texts = list(texts)
    matrix = clf.decision_scores([story_text(t) for t in texts]) if texts else np.zeros((0, 0))
    return pd.DataFrame(matrix, columns=[str(s) for s in clf.classes_])


def topic_errors(
    gold: Any,
    predicted: Any,
    threshold: float = ASSIGNED,
    top: int | None = 10,
    texts: Sequence[str] | None = None,
    tagger: Tagger | None = None,
) -> pd.DataFrame:
    """The most confident mistakes: false positives with the highest scores and missed gold
    topics with the lowest, each with the words behind its score: from the Tags where the
    prediction is a Tags, else from ``tagger``'s topic model when ``texts`` and ``tagger`` are
    given (the words that pushed the score up, few or none for a missed topic)."""
    gold_r = _rank_all(gold, threshold, "gold")
    items = _as_list(predicted, "predicted")
    pred_r = [_ranked(x, threshold, f"predicted[{i}]") for i, x in enumerate(items)]
    _check_lengths(gold_r, pred_r)
    if texts is not None and len(texts) != len(items):
        raise BadInputError(f"texts has {len(texts)} entries for {len(items)} documents")
    rows = []
    for i, (g, p, item) in enumerate(zip(gold_r, pred_r, items, strict=True)):
        evidence = {t.slug: t.evidence for t in item.topics} if isinstance(item, Tags) else {}
        scores = p.scores or {}
        for label in sorted(p.assigned - g.assigned):
            s = scores.get(label, 1.0)
            rows.append((i, label, "false positive", s, s - threshold, evidence.get(label)))
        for label in sorted(g.assigned - p.assigned):
            s = scores.get(label, 0.0)
            rows.append((i, label, "missed", s, threshold - s, evidence.get(label)))
    frame = pd.DataFrame(rows, columns=["doc", "label", "error", "score", "margin", "evidence"])
    frame = frame.sort_values(["margin", "doc"], ascending=[False, True], kind="stable")
    frame = frame.reset_index(drop=True)
    if top is not None:
        frame = frame.head(top).copy()
    frame["evidence"] = [
        e if e is not None else _evidence(tagger, texts, doc, label)
        for doc, label, e in zip(frame["doc"], frame["label"], frame["evidence"], strict=True)
    ]
    return frame


def _evidence(tagger: Tagger | None, texts: Sequence[str] | None, doc: int, label: str) -> list:
    if tagger is None or texts is None or tagger.topic_model is None:
        return []
    from tagger.pipeline import story_text

    classes = [str(c) for c in tagger.topic_model.classifier.classes_]
    if label not in classes:
        return []
    return list(
        tagger.topic_model.classifier.evidence(story_text(texts[doc]), classes.index(label))
    )


# -- entities -----------------------------------------------------------------------------------
def _spans(item: Any, where: str, label_map: Mapping[str, str] | None) -> list[Span]:
    if isinstance(item, Tags):
        raw: list[Span] = [(m.start, m.end, e.label) for e in item.entities for m in e.mentions]
    elif isinstance(item, str) or not isinstance(item, Iterable):
        raise BadInputError(f"{where} must be a list of (start, end, label) spans")
    else:
        raw = []
        for span in item:
            if isinstance(span, Mapping):
                label = span.get("label", span.get("type"))
                values = (span.get("start"), span.get("end"), label)
            elif isinstance(span, Sequence) and not isinstance(span, str) and len(span) == 3:
                values = tuple(span)
            else:
                raise BadInputError(f"{where}: {span!r} is not a (start, end, label) span")
            start, end, label = values
            if not isinstance(start, int | np.integer) or not isinstance(end, int | np.integer):
                raise BadInputError(f"{where}: {span!r} needs integer start and end")
            if end <= start or label is None:
                raise BadInputError(f"{where}: {span!r} is empty or has no label")
            raw.append((int(start), int(end), str(label)))
    if label_map is not None:
        raw = [(s, e, label_map[lab]) for s, e, lab in raw if lab in label_map]
    return sorted(set(raw))


def _overlap_matches(gold: list[Span], pred: list[Span]) -> int:
    """One-to-one matches between overlapping spans (same label), largest overlaps first."""
    pairs = sorted(
        ((min(g[1], p[1]) - max(g[0], p[0]), i, j)
         for i, g in enumerate(gold) for j, p in enumerate(pred)
         if g[0] < p[1] and p[0] < g[1]),
        reverse=True,
    )  # fmt: skip
    used_g: set[int] = set()
    used_p: set[int] = set()
    for _, i, j in pairs:
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
    return len(used_g)


def entities(
    gold: Any,
    predicted: Any,
    match: Literal["exact", "overlap", "both"] = "both",
    labels: Sequence[str] | None = None,
    label_map: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per-label precision, recall, F1 and support of entity spans, plus micro and macro rows.

    ``exact``: a predicted span counts only with the same start, end and label (CoNLL).
    ``overlap``: a predicted span matches a gold span of the same label that it overlaps, one to
    one (lenient about "the", titles and possessives). ``both`` (default) stacks the two tables
    under a ``match`` index level. ``label_map`` renames predicted labels (e.g. :data:`TO_PLO`;
    labels it lacks are dropped); ``labels`` restricts both sides to those labels.
    """
    if match not in ("exact", "overlap", "both"):
        raise BadInputError(f"match must be 'exact', 'overlap' or 'both', not {match!r}")
    gold_l = _as_list(gold, "gold")
    pred_l = _as_list(predicted, "predicted")
    _check_lengths(gold_l, pred_l)
    gold_s = [_spans(x, f"gold[{i}]", None) for i, x in enumerate(gold_l)]
    pred_s = [_spans(x, f"predicted[{i}]", label_map) for i, x in enumerate(pred_l)]
    if labels is None:
        universe = sorted({s[2] for doc in gold_s + pred_s for s in doc})
    else:
        universe = list(dict.fromkeys(labels))
    tables = {}
    for kind in ("exact", "overlap"):
        if match not in (kind, "both"):
            continue
        counts = {}
        for label in universe:
            tp = fp = fn = 0
            for g_doc, p_doc in zip(gold_s, pred_s, strict=True):
                g = [s for s in g_doc if s[2] == label]
                p = [s for s in p_doc if s[2] == label]
                hits = len(set(g) & set(p)) if kind == "exact" else _overlap_matches(g, p)
                tp, fp, fn = tp + hits, fp + len(p) - hits, fn + len(g) - hits
            counts[label] = (tp, fp, fn)
        tables[kind] = _table(counts)
    if match != "both":
        return tables[match]
    return pd.concat(tables, names=["match", "label"])


def entity_tags(
    gold: Sequence[Mapping[str, Sequence[str]]],
    predicted: Sequence[Tags],
    kb: Any = None,
    suggested_only: bool = True,
) -> pd.DataFrame:
    """Document-level entity tags, as an editor attaches them: per type (people, countries,
    organisations, apps) precision, recall and F1 of the ``suggested`` entities (every entity
    with ``suggested_only=False``) against each document's gold names, plus micro and macro.

    ``gold``: per document a mapping from some of those four fields to names (a type a document
    lacks is not scored there). Names match as :mod:`tagger.entity_match` matches them
    (normalised names, the knowledge base's aliases with ``kb``, mention texts).
    """
    from tagger.entity_match import TYPES, match
    from tagger.knowledge import KnowledgeBase

    gold_l, pred_l = list(gold), list(predicted)
    _check_lengths(gold_l, pred_l)
    kb = kb if kb is not None else KnowledgeBase.load()
    fields = [f for f in TYPES if any(f in g for g in gold_l)]
    if not fields:
        raise BadInputError(f"the gold has none of the entity fields {', '.join(TYPES)}")
    counts = {f: [0, 0, 0] for f in fields}
    for i, (g, tags) in enumerate(zip(gold_l, pred_l, strict=True)):
        if not isinstance(tags, Tags):
            raise BadInputError(f"predicted[{i}] is a {type(tags).__name__}, not Tags")
        for field in fields:
            if field not in g:
                continue
            names = list(g[field])
            chosen = [
                e
                for e in tags.entities
                if e.label == TYPES[field] and (e.suggested or not suggested_only)
            ]
            hits, missed = match(names, [(e.name, [m.text for m in e.mentions]) for e in chosen], kb)  # fmt: skip
            tp = sum(h is not None for h in hits)
            c = counts[field]
            c[0], c[1], c[2] = c[0] + tp, c[1] + len(hits) - tp, c[2] + missed
    return _table({f: (tp, fp, fn) for f, (tp, fp, fn) in counts.items()})


def tag_spans(
    tags: Tags, label_map: Mapping[str, str] | None = TO_PLO, skip: Iterable[str] = ()
) -> list[Span]:
    """The mention spans of one ``Tags``, relabelled; mentions whose text is in ``skip`` (say,
    demonyms such as "Russian", which CoNLL-style gold data calls MISC) are left out."""
    drop = set(skip)
    spans = [
        (m.start, m.end, e.label) for e in tags.entities for m in e.mentions if m.text not in drop
    ]
    if label_map is not None:
        spans = [(s, e, label_map[lab]) for s, e, lab in spans if lab in label_map]
    return sorted(set(spans))


def demonyms(tagger: Tagger) -> set[str]:
    """The knowledge base's demonyms ("Russian", "Ukrainians"): our COUNTRY mentions that
    CoNLL-style gold data labels MISC, so evaluations against PER/LOC/ORG leave them out."""
    try:
        kb = tagger.nlp.get_pipe("tagger_entities").kb  # type: ignore[attr-defined]
    except KeyError:
        return set()
    return {a for e in kb.entries.values() for a, kind in e.aliases.items() if kind == "demonym"}


# -- gold entity spans in the shared evaluation formats ------------------------------------------
_DETERMINERS = ("the ", "The ")


def _trim_name(start: int, end: int, text: str) -> tuple[int, int]:
    """A mention as a name: without a leading "the" or a trailing possessive "'s" / "'"."""
    for det in _DETERMINERS:
        if text.startswith(det) and len(text) > len(det):
            start, text = start + len(det), text[len(det) :]
            break
    for tail in (" 's", " '", "'s"):
        if text.endswith(tail) and len(text) > len(tail):
            return start, end - len(tail)
    return start, end


GUM_TYPES = {"person": "PER", "place": "LOC", "organization": "ORG"}
MEANTIME_TYPES = {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}


def gum_spans(entities: Sequence[Mapping[str, Any]]) -> list[Span]:
    """GUM (``gum_wikinews_entities.jsonl``) mentions as PER/LOC/ORG names: person, place and
    organization mentions that contain a proper noun, without a leading "the" or a trailing
    "'s". Nested mentions all stay ("the University of Helsinki" and "Helsinki"): gold is gold,
    and overlap matching shows what a flat tagger loses to nesting."""
    spans = []
    for e in entities:
        if e.get("type") in GUM_TYPES and e.get("contains_propn"):
            start, end = _trim_name(int(e["start"]), int(e["end"]), str(e["text"]))
            spans.append((start, end, GUM_TYPES[e["type"]]))
    return sorted(set(spans))


def meantime_spans(mentions: Sequence[Mapping[str, Any]]) -> list[Span]:
    """MEANTIME entity mentions that are names (syntactic type NAM or PRE.NAM) of a PER, LOC or
    ORG instance, trimmed as :func:`gum_spans` does; nested mentions all stay."""
    spans = []
    for m in mentions:
        if (
            m.get("kind") == "ENTITY_MENTION"
            and m.get("syntactic_type") in ("NAM", "PRE.NAM")
            and m.get("ent_type") in MEANTIME_TYPES
        ):
            start, end = _trim_name(int(m["start"]), int(m["end"]), str(m["text"]))
            spans.append((start, end, MEANTIME_TYPES[m["ent_type"]]))
    return sorted(set(spans))


def meantime_annotated_text(text: str, mentions: Sequence[Mapping[str, Any]]) -> str:
    """MEANTIME annotates only the title and first sentences: the text up to the end of the
    line holding the last annotation of any kind (the rest would count every name as wrong)."""
    if not mentions:
        return ""
    last = max(int(m["end"]) for m in mentions)
    cut = text.find("\n", last)
    return text if cut < 0 else text[:cut]


def gold_entities(frame: pd.DataFrame, text: str) -> tuple[list[str], list[list[Span]]] | None:
    """Texts and gold spans from a table in one of the shared formats, or None when it has no
    entity spans. ``entities`` with GUM's fields, ``mentions`` with MEANTIME's, or ``entities``
    holding plain ``{"start", "end", "label"}`` dicts or ``[start, end, label]`` lists."""
    texts = [t if isinstance(t, str) else "" for t in frame[text].tolist()]
    if "mentions" in frame.columns:
        cells = [m if isinstance(m, list) else [] for m in frame["mentions"].tolist()]
        if any(isinstance(x, Mapping) and "kind" in x for c in cells for x in c):
            texts = [meantime_annotated_text(t, c) for t, c in zip(texts, cells, strict=True)]
            return texts, [meantime_spans(c) for c in cells]
    if "entities" in frame.columns:
        cells = [e if isinstance(e, list) else [] for e in frame["entities"].tolist()]
        first = next((x for c in cells for x in c), None)
        if isinstance(first, Mapping) and "contains_propn" in first:
            return texts, [gum_spans(c) for c in cells]
        if first is not None:
            return texts, [_spans(c, f"entities[{i}]", None) for i, c in enumerate(cells)]
    return None


LENGTH_BUCKETS = ((0, 300, "under 300 words"), (300, 1000, "300-1,000 words"), (1000, None, "over 1,000 words"))  # fmt: skip


def length_bucket(words: int) -> str:
    """The article-length bucket a text of ``words`` words falls in."""
    for low, high, name in LENGTH_BUCKETS:
        if words >= low and (high is None or words < high):
            return name
    raise ValueError(words)


def topics_by_length(gold: Any, predicted: Any, texts: Sequence[str]) -> pd.DataFrame:
    """Micro precision, recall and F1 of assigned topics per article-length bucket.

    Long articles are where a bag-of-words model's scores shrink; this table shows whether
    recall holds as articles grow.
    """
    gold_l, pred_l = _as_list(gold, "gold"), _as_list(predicted, "predicted")
    _check_lengths(gold_l, pred_l)
    buckets = [length_bucket(len(t.split())) for t in texts]
    rows = {}
    for _, _, name in LENGTH_BUCKETS:
        picked = [i for i, b in enumerate(buckets) if b == name]
        if not picked:
            continue
        table = topics([gold_l[i] for i in picked], [pred_l[i] for i in picked], k=1)
        micro = table.loc["micro"]
        rows[name] = {
            "articles": len(picked),
            **{c: micro[c] for c in ("precision", "recall", "f1", "support", "predicted")},
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "length"
    return frame
