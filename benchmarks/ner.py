"""NER quality, latency and throughput: our pipeline against the bare base model, same run.

Quality: exact-span precision/recall/F1 for PER, LOC and ORG on CoNLL-2003 English test.
Label mapping (both pipelines): PERSON -> PER; base GPE/LOC/FAC and our COUNTRY/LOCATION -> LOC;
ORG (and our APP) -> ORG; the base model's NORP and our demonym mentions ("Russian") are
CoNLL's MISC and are not scored. The CoNLL files here have no document boundaries, so
consecutive sentences are grouped 30 at a time into one text.

Speed: median single-text latency over 100 news-length texts (``Tagger.tag`` against the base
model's ``nlp(text)``), and ``tag_many`` against ``nlp.pipe`` over 2,000 texts.
Usage: python -m benchmarks.ner
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import spacy

from benchmarks.common import Timer, shared, write_result
from tagger.tagger import NER_ONLY_EXCLUDE, Tagger, base_model_name

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
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
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


def main() -> None:
    docs = read_conll(shared("eval", "conll2003", "eng.testb"))
    texts = [t for t, _ in docs]
    base = spacy.load(base_model_name(), exclude=NER_ONLY_EXCLUDE)
    tagger = Tagger.load()
    kb = tagger.nlp.get_pipe("tagger_entities").kb
    demonyms = {
        a for e in kb.entries.values() for a, kind in e.aliases.items() if kind == "demonym"
    }
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
