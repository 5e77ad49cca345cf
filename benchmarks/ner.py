"""NER quality, latency and throughput: our pipeline against the bare base model, same run.

Quality: exact-span precision/recall/F1 for PER, LOC and ORG on CoNLL-2003 English test.
Label mapping (both pipelines): PERSON -> PER; base GPE/LOC/FAC and our COUNTRY/LOCATION -> LOC;
ORG (and our APP) -> ORG; the base model's NORP and our demonym mentions ("Russian") are
CoNLL's MISC and are not scored. The CoNLL files here have no document boundaries, so
consecutive sentences are grouped 30 at a time into one text.

GUM Wikinews (43 articles) and MEANTIME English (120 Wikinews articles, corporate news): the same
three labels, gold spans from ``tagger.evaluate.gum_spans`` / ``meantime_spans``: GUM's person /
place / organization mentions that contain a proper noun, MEANTIME's PER / LOC / ORG name
mentions (NAM, PRE.NAM); a leading "the" cut off, nested mentions reduced to the outermost (as
CoNLL's flat spans are). MEANTIME annotates only the title and first sentences, so only that
part of each text is tagged. Ours are the mentions of ``Tagger.tag_many``'s entities (what a user
gets), mapped with ``tagger.evaluate.TO_PLO``, demonyms left out; exact and overlapping spans.

Speed: median single-text latency over 100 news-length texts (``Tagger.tag`` against the base
model's ``nlp(text)``), and ``tag_many`` against ``nlp.pipe`` over 2,000 texts.
Usage: python -m benchmarks.ner [--only conll,gum,meantime]
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import spacy

from benchmarks.common import Timer, shared, write_result
from tagger.metrics import prf
from tagger.pipeline import NER_ONLY_EXCLUDE, base_model_name
from tagger.tagger import Tagger

BASE_MAP = {"PERSON": "PER", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "ORG": "ORG"}
OUR_MAP = {"PERSON": "PER", "COUNTRY": "LOC", "LOCATION": "LOC", "ORG": "ORG", "APP": "ORG"}
LABELS = ("PER", "LOC", "ORG")
Span = tuple[int, int, str]


def read_conll(path: Path, per_doc: int = 30) -> list[tuple[str, set[Span]]]:
    """Texts (sentences joined by newlines) with their gold (start, end, label) spans."""
    sentences: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
            continue
        parts = line.split()
        current.append((parts[0], parts[-1]))
    if current:
        sentences.append(current)
    docs = []
    for i in range(0, len(sentences), per_doc):
        text, gold, offset = [], set(), 0
        for sentence in sentences[i : i + per_doc]:
            open_span: list | None = None
            for word, tag in sentence:
                start = offset
                offset += len(word) + 1
                if tag.startswith("B-") or (tag.startswith("I-") and open_span is None):
                    if open_span:
                        gold.add(tuple(open_span))
                    open_span = [start, start + len(word), tag[2:]]
                elif tag.startswith("I-") and open_span is not None:
                    open_span[1] = start + len(word)
                else:
                    if open_span:
                        gold.add(tuple(open_span))
                    open_span = None
                text.append(word)
            if open_span:
                gold.add(tuple(open_span))
            text[-1] += "\n"
        joined = " ".join(text).replace("\n ", "\n")
        docs.append((joined, {s for s in gold if s[2] in LABELS}))
    return docs


def score(gold: Iterable[set[Span]], pred: Iterable[set[Span]]) -> dict[str, dict[str, float]]:
    counts: dict[str, Counter[str]] = {label: Counter() for label in (*LABELS, "micro")}
    for g, p in zip(gold, pred, strict=True):
        for label in LABELS:
            gl = {s for s in g if s[2] == label}
            pl = {s for s in p if s[2] == label}
            for key in (label, "micro"):
                counts[key]["tp"] += len(gl & pl)
                counts[key]["fp"] += len(pl - gl)
                counts[key]["fn"] += len(gl - pl)
    out = {}
    for label, c in counts.items():
        p, r, f = prf(c["tp"], c["fp"], c["fn"])
        out[label] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                      "support": c["tp"] + c["fn"]}  # fmt: skip
    return out


def base_spans(doc) -> set[Span]:
    return {
        (e.start_char, e.end_char, BASE_MAP[e.label_]) for e in doc.ents if e.label_ in BASE_MAP
    }


def our_spans(doc, demonyms: set[str]) -> set[Span]:
    return {
        (e.start_char, e.end_char, OUR_MAP[e.label_])
        for e in doc.ents
        if e.label_ in OUR_MAP and not (e.label_ == "COUNTRY" and e.text in demonyms)
    }


def wikinews(name: str, base, tagger: Tagger, demonyms: set[str]) -> dict:
    """Exact and overlapping-span P/R/F1 on GUM Wikinews or MEANTIME, base against ours."""
    import pandas as pd

    from tagger import evaluate as ev

    if name == "gum_wikinews":
        path = shared("eval", "gum_wikinews", "gum_wikinews_entities.jsonl")
    else:
        path = shared("eval", "meantime_en", "meantime_en_mentions.jsonl")
    frame = pd.read_json(path, lines=True, dtype=False)
    if "duplicate_of" in frame.columns:
        frame = frame[frame["duplicate_of"].isna()]
    found = ev.gold_entities(frame, "text")
    assert found is not None
    texts, gold = found
    base_pred = [base_spans(d) for d in base.pipe(texts)]
    ours_pred = [ev.tag_spans(t, ev.TO_PLO, demonyms) for t in tagger.tag_many(texts)]
    tables = {"base": ev.entities(gold, base_pred), "ours": ev.entities(gold, ours_pred)}

    def part(match: str) -> dict:
        return {
            who: {
                label: {**{k: round(float(table.loc[(match, label), k]), 4)
                           for k in ("precision", "recall", "f1")},
                        "support": int(table.loc[(match, label), "support"])}
                for label in (*LABELS, "micro")
            }
            for who, table in tables.items()
        }  # fmt: skip

    exact, overlap = part("exact"), part("overlap")
    return {
        "data": f"{path.relative_to(path.parents[2])}: {len(texts)} documents",
        "base_model": base_model_name() + " (ner only)",
        "label_mapping": {
            "gold": "GUM person/place/organization with a proper noun -> PER/LOC/ORG"
            if name == "gum_wikinews"
            else "MEANTIME NAM/PRE.NAM mentions of PER/LOC/ORG instances",
            "base": BASE_MAP,
            "ours": ev.TO_PLO,
        },
        "f1": {
            label: {"base": exact["base"][label]["f1"], "ours": exact["ours"][label]["f1"]}
            for label in (*LABELS, "micro")
        },
        "f1_overlap": {
            label: {"base": overlap["base"][label]["f1"], "ours": overlap["ours"][label]["f1"]}
            for label in (*LABELS, "micro")
        },
        "exact": exact,
        "overlap": overlap,
        "command": "python -m benchmarks.ner --only " + name.split("_")[0],
    }


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="conll,gum,meantime", help="comma-separated datasets")
    chosen = set(parser.parse_args().only.split(","))
    base = spacy.load(base_model_name(), exclude=NER_ONLY_EXCLUDE)
    tagger = Tagger.load()
    kb = tagger.nlp.get_pipe("tagger_entities").kb
    demonyms = {
        a for e in kb.entries.values() for a, kind in e.aliases.items() if kind == "demonym"
    }
    for name in ("gum_wikinews", "meantime_en"):
        if name.split("_")[0] in chosen:
            write_result(f"ner_{name}", wikinews(name, base, tagger, demonyms))
    if "conll" in chosen:
        conll(base, tagger, demonyms)


def conll(base, tagger: Tagger, demonyms: set[str]) -> None:
    docs = read_conll(shared("eval", "conll2003", "eng.testb"))
    texts = [t for t, _ in docs]
    base_pred = [base_spans(d) for d in base.pipe(texts)]
    ours_pred = [our_spans(d, demonyms) for d in tagger.nlp.pipe(texts)]
    gold = [g for _, g in docs]
    quality = {"base": score(gold, base_pred), "ours": score(gold, ours_pred)}

    news = [t for t in texts if 800 <= len(t) <= 6000][:100]
    for text in news[:5]:  # warm up both
        base(text), tagger.tag(text)
    base_lat, our_lat = [], []
    for text in news:  # interleaved, so both see the same machine load
        t0 = time.perf_counter()
        base(text)
        t1 = time.perf_counter()
        tagger.tag(text)
        t2 = time.perf_counter()
        base_lat.append(t1 - t0)
        our_lat.append(t2 - t1)
    stream = (news * 20)[:2000]
    with Timer() as base_t:
        for _ in base.pipe(stream, batch_size=64):
            pass
    with Timer() as our_t:
        for _ in tagger.tag_many(stream, batch_size=64):
            pass
    base_ms, our_ms = statistics.median(base_lat) * 1000, statistics.median(our_lat) * 1000
    write_result(
        "ner_conll2003",
        {
            "data": "CoNLL-2003 eng.testb, sentences grouped 30 per text",
            "base_model": base_model_name() + " (ner only)",
            "f1": {
                label: {"base": quality["base"][label]["f1"], "ours": quality["ours"][label]["f1"]}
                for label in (*LABELS, "micro")
            },
            "quality": quality,
            "latency_ms_median": {
                "base": round(base_ms, 2), "ours": round(our_ms, 2),
                "ratio_ours_over_base": round(our_ms / base_ms, 3), "texts": len(news),
                "mean_chars": round(statistics.mean(len(t) for t in news)),
            },
            "throughput_docs_per_s": {
                "base_nlp_pipe": round(len(stream) / base_t.seconds, 1),
                "ours_tag_many": round(len(stream) / our_t.seconds, 1),
                "ratio_ours_over_base": round(base_t.seconds / our_t.seconds, 3),
                "texts": len(stream),
            },
            "command": "python -m benchmarks.ner",
        },
    )  # fmt: skip


if __name__ == "__main__":
    main()
