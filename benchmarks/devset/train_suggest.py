"""Fit the entity suggestion model on the development set's fitting part and put it in a bundle.

    python -m benchmarks.devset.train_suggest --bundle models/default

Tags every article of the fitting part with the bundle's pipeline (entity features before the
decision), labels each entity by whether the editors' reading tagged it (``tagger.entity_match``),
fits ``tagger.suggest.fit_suggest_model`` and writes ``suggest_model.json`` into the bundle (listed
in its manifest): what ``tagger train --entities`` does with a newsroom's own tags. Needs ../shared.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from benchmarks.devset.data import load
from tagger.entity_match import TYPES
from tagger.model import add_to_bundle, read_bundle
from tagger.pipeline import build_nlp
from tagger.suggest import SUGGEST_FILE, fit_suggest_model
from tagger.suggest_training import entity_rows
from tagger.tagger import Tagger


def training_rows(tagger: Tagger, part: str = "fit") -> tuple[list, list[str]]:
    """The fitting part's entities, each labelled by whether the editors' reading tagged it."""
    frame = load(part)
    tags = [{field: list(article[field]) for field in TYPES} for _, article in frame.iterrows()]
    return entity_rows(tagger.nlp, frame["text"].tolist(), tags, frame["id"].tolist())


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
