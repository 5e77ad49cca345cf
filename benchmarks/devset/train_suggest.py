"""Fit the entity suggestion model on the development set's fitting part and put it in a bundle.

    python -m benchmarks.devset.train_suggest --bundle models/default

Tags every article of the fitting part with the bundle's pipeline (entity features before the
decision), labels each entity by whether the editors' reading tagged it (``entity_match``), fits
``tagger.suggest.fit_suggest_model`` and writes ``suggest_model.json`` into the bundle (listed in
its manifest). Needs ../shared.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.devset.data import load
from benchmarks.devset.entity_match import TYPES, match
from tagger.model import add_to_bundle, read_bundle
from tagger.pipeline import build_nlp
from tagger.suggest import SUGGEST_FILE, fit_suggest_model
from tagger.tagger import Tagger
from tagger.text import clean_text


def training_rows(tagger: Tagger, part: str = "fit") -> tuple[list, list[str]]:
    frame = load(part)
    kb = tagger.nlp.get_pipe("tagger_entities").kb  # type: ignore[attr-defined]
    rows, groups = [], []
    with tagger.nlp.select_pipes(disable=["tagger_suggest", "tagger_topics"]):
        # the text as tag() reads it (control characters, hard wrapping: tagger.text.clean_text)
        docs = tagger.nlp.pipe([clean_text(t) for t in frame["text"]], batch_size=16)
        for (_, article), doc in zip(frame.iterrows(), docs, strict=True):
            entities = doc._.tagger_entities or []
            for field, label in TYPES.items():
                mine = [e for e in entities if e["label"] == label]
                hits, _ = match(article[field], [(e["name"], [m["text"] for m in e["mentions"]]) for e in mine], kb)  # fmt: skip
                for entity, hit in zip(mine, hits, strict=True):
                    rows.append((label, entity["features"], int(hit is not None)))
                    groups.append(article["id"])
    return rows, groups


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bundle", type=Path, default=Path("models/default"))
    args = parser.parse_args()
    bundle = read_bundle(args.bundle, with_suggest=False)  # the old one may have other features
    nlp = build_nlp(kb_dir=bundle.kb_dir, topic_model=bundle.topic_model, suggest_model=None)
    tagger = Tagger(nlp, topic_model=bundle.topic_model, manifest=bundle.manifest)
    rows, groups = training_rows(tagger)
    model = fit_suggest_model(rows, groups)
    model.info["data"] = "development set, fitting part (benchmarks/devset), entity reading A"
    model.save(args.bundle / SUGGEST_FILE)
    add_to_bundle(args.bundle, SUGGEST_FILE)
    print(model.thresholds, model.info["rows"])


if __name__ == "__main__":
    main()
