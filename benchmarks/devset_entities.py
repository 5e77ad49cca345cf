"""Document-level entity tags on the development set's measuring part, as an editor tags them.

    python -m benchmarks.devset_entities            # -> results/devset_entities.json

Three rows per type (people, countries, organisations, apps), micro over articles:
- ``suggested``: the entities ``tag()`` marks ``suggested`` (the learned editor's decision);
- ``all``: every entity ``tag()`` returns (what the project gave before ``suggested``);
- ``bare spaCy``: ``en_core_web_sm`` entities with a plain name normalisation (PERSON -> people,
  GPE -> countries, ORG -> organisations; it has no app type), one tag per distinct name.
Matching is ``tagger.entity_match`` (normalised names, KB aliases, mention texts).
The gold is the measuring part's settled entity tags (two blind readings, disputes settled by a
third; ``benchmarks.devset.labels``); ``suggested, reading A alone`` scores the same suggestions
against the first reading only, the gold of the figures before stop 29.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import spacy

from benchmarks.common import bootstrap_interval, f1_of_counts
from benchmarks.devset.data import load
from tagger.entity_match import TYPES, score_article
from tagger.knowledge import normalise
from tagger.metrics import prf
from tagger.pipeline import NER_ONLY_EXCLUDE, base_model_name
from tagger.tagger import Tagger
from tagger.tags import Entity, Mention

RESULTS = Path(__file__).parent / "results"
BARE = {"PERSON": "PERSON", "GPE": "COUNTRY", "ORG": "ORG"}


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p, r, f = prf(tp, fp, fn)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn, "predicted": tp + fp}  # fmt: skip


def bare_entities(doc: spacy.tokens.Doc) -> list[Entity]:
    by_name: dict[tuple[str, str], Entity] = {}
    for ent in doc.ents:
        label = BARE.get(ent.label_)
        if label is None:
            continue
        key = (label, normalise(ent.text))
        entity = by_name.setdefault(key, Entity(name=ent.text.strip(), label=label, suggested=True))
        entity.mentions.append(Mention(ent.start_char, ent.end_char, ent.text))
    return list(by_name.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", default="measure", choices=["measure", "fit"])
    args = parser.parse_args()
    frame = load(args.part)
    tagger = Tagger.load()
    kb = tagger.nlp.get_pipe("tagger_entities").kb  # type: ignore[attr-defined]
    bare = spacy.load(base_model_name(), exclude=NER_ONLY_EXCLUDE)
    totals: dict[str, dict[str, list[int]]] = {
        way: {f: [0, 0, 0] for f in TYPES}
        for way in ("suggested", "all", "bare spaCy", "suggested, reading A alone")
    }
    texts = frame["text"].tolist()
    per_article: dict[str, list[tuple[int, int, int]]] = {f: [] for f in TYPES}
    for (_, article), tags, doc in zip(frame.iterrows(), tagger.tag_many(texts), bare.pipe(texts), strict=True):  # fmt: skip
        gold = {f: article[f] for f in TYPES}
        for way, entities, only in (
            ("suggested", tags.entities, True),
            ("all", tags.entities, False),
            ("bare spaCy", bare_entities(doc), False),
        ):
            for field, (tp, fp, fn) in score_article(gold, entities, kb, only).items():
                for i, n in enumerate((tp, fp, fn)):
                    totals[way][field][i] += n
                if way == "suggested":
                    per_article[field].append((tp, fp, fn))
        first_reading = {f: article[f"{f}_a"] for f in TYPES}
        for field, counts in score_article(first_reading, tags.entities, kb, True).items():
            for i, n in enumerate(counts):
                totals["suggested, reading A alone"][field][i] += n
    result = {
        "data": f"development set, {args.part} part ({len(frame)} articles), "
        + (
            "settled entity tags (readings A and B/E, disputes settled by F)"
            if args.part == "measure"
            else "entity reading A"
        ),
        "command": "python -m benchmarks.devset_entities",
        **{way: {f: _prf(*c) for f, c in per.items()} for way, per in totals.items()},
        # how far each suggested F1 moves with the sample of articles alone (1,000 resamples)
        "suggested_f1_95_interval": {
            f: bootstrap_interval(rows, f1_of_counts) for f, rows in per_article.items()
        },
    }
    RESULTS.mkdir(exist_ok=True)
    suffix = "" if args.part == "measure" else f"_{args.part}"
    (RESULTS / f"devset_entities{suffix}.json").write_text(json.dumps(result, indent=1) + "\n")
    for way in totals:
        print(way, {f: (v["precision"], v["recall"], v["f1"]) for f, v in result[way].items()})


if __name__ == "__main__":
    main()
