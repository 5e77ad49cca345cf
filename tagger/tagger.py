"""``Tagger``: the spaCy entity pipeline and the topic model behind one ``tag`` call."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from threadpoolctl import threadpool_limits

from tagger.columns import tag_frame
from tagger.errors import BadInputError, InputTypeError
from tagger.model import default_suggest_model, read_bundle, versions
from tagger.pipeline import build_nlp, story_of, tags_from_doc
from tagger.tags import Entity, Mention, Tags, Topic
from tagger.text import clean_text
from tagger.topics import SUGGEST_FLOOR, TopicModel

PIECE_CHARS = 50_000  # longer texts are tagged in pieces of about this size: memory stays bounded


def _check_text(text: object, where: str = "text") -> str:
    """The text ready for spaCy (see :func:`clean_text`), or a clear error."""
    if not isinstance(text, str):
        raise InputTypeError(f"{where} must be str, not {type(text).__name__}")
    try:
        return clean_text(text)
    except BadInputError as exc:
        raise BadInputError(str(exc.args[0]).replace("text", where, 1)) from None


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


def _with_original_mentions(tags: Tags, original: str) -> Tags:
    """Mention texts as the caller's text has them (``text == input[start:end]``), where cleaning
    turned control or format characters into spaces."""
    for entity in tags.entities:
        entity.mentions = [
            Mention(m.start, m.end, original[m.start : m.end]) for m in entity.mentions
        ]
    return tags


def _join_surnames(merged: dict[tuple[str, str], Entity]) -> None:
    """Fold a one-word PERSON into the one multi-word PERSON whose last word it is."""
    people = [e for (label, _), e in merged.items() if label == "PERSON"]
    for single in [e for e in people if " " not in e.name]:
        full = [e for e in people if e.name.endswith(" " + single.name)]
        if len(full) == 1:
            target = full[0]
            target.count += single.count
            target.salience = max(target.salience, single.salience)
            target.mentions = sorted(target.mentions + single.mentions, key=lambda m: m.start)
            del merged[("PERSON", single.name)]


class Tagger:
    """Tags news text with entities and topics.

    ``Tagger.load(path)`` reads a model bundle (see :mod:`tagger.model`), ``Tagger.load()`` the
    shipped default; ``Tagger.entities_only()`` has no topic model. ``Tagger(nlp, topic_model)``
    wraps a pipeline built elsewhere (``build_nlp``).
    """

    def __init__(
        self,
        nlp: Language | None = None,
        topic_model: TopicModel | None = None,
        manifest: dict[str, Any] | None = None,
    ) -> None:
        if nlp is None:
            nlp = build_nlp(topic_model=topic_model, suggest_model=default_suggest_model())
        elif topic_model is not None and "tagger_topics" not in nlp.pipe_names:
            nlp.add_pipe("tagger_topics", last=True)
            nlp.get_pipe("tagger_topics").model = topic_model  # type: ignore[attr-defined]
        self.nlp = nlp
        self.topic_model = topic_model
        self.manifest = manifest or {}

    @classmethod
    def load(cls, path: str | Path | None = None) -> Tagger:
        """A tagger from a model bundle directory; ``None`` means the shipped default bundle.

        A missing default bundle is an error naming where it was looked for (use
        :meth:`entities_only` for a tagger without topics).
        """
        bundle = read_bundle(path)
        suggest = bundle.suggest_model
        if suggest is None and path is not None:
            suggest = default_suggest_model()
        nlp = build_nlp(kb_dir=bundle.kb_dir, topic_model=bundle.topic_model, suggest_model=suggest)
        return cls(nlp, topic_model=bundle.topic_model, manifest=bundle.manifest)

    @classmethod
    def entities_only(cls) -> Tagger:
        """A tagger with the entity pipeline (and the default suggestion model), no topics."""
        return cls(build_nlp(suggest_model=default_suggest_model()))

    def to_disk(self, path: str | Path) -> None:
        """Save the whole spaCy pipeline (base model, knowledge base, topic model).

        ``spacy.load(path)`` gives it back; :func:`tagger.pipeline.tags_from_doc` reads a doc's tags.
        """
        self.nlp.to_disk(path)

    def describe(self) -> dict[str, Any]:
        """What ``tagger info`` prints: model, versions, knowledge base, taxonomy, metrics."""
        resolver = self.nlp.get_pipe("tagger_entities")
        info: dict[str, Any] = {
            "model": self.manifest.get("path", "(no topic model: entities only)"),
            "pipeline": self.nlp.pipe_names,
            "versions": self.manifest.get("versions") or versions(),
            "knowledge_base": resolver.kb.sizes(),  # type: ignore[attr-defined]
        }
        if self.topic_model is not None:
            info["taxonomy"] = [
                {"slug": c.slug, "label": c.label, "iptc": c.iptc}
                for c in self.topic_model.concepts
            ]
            info["metrics"] = self.manifest.get("metrics", {})
            info["training_data"] = self.manifest.get("training_data", {})
        suggest = getattr(self.nlp.get_pipe("tagger_suggest"), "model", None) if "tagger_suggest" in self.nlp.pipe_names else None  # fmt: skip
        if suggest is not None:
            # which editors' habits the `suggested` decision follows: the shipped development
            # set's, or a newsroom's own (``tagger train --entities``)
            info["entity_suggestions"] = {
                "learned_from": suggest.info.get("data", ""),
                "thresholds": suggest.thresholds,
            }
        return info

    @property
    def max_length(self) -> int:
        """Texts longer than this (characters) are tagged in pieces, so memory stays bounded."""
        return min(PIECE_CHARS, int(self.nlp.max_length))

    def tag(self, text: str) -> Tags:
        """Entities and topics of one text. Non-strings raise ``TypeError``; blank text: empty.

        Control and format characters count as spaces (offsets are unchanged); text with a lone
        surrogate raises ``BadInputError`` naming its position.
        """
        original, text = text, _check_text(text)
        if not text.strip():
            return Tags()
        if len(text) > self.max_length:
            return _with_original_mentions(self._tag_long(text), original)
        return _with_original_mentions(self._from_doc(self.nlp(text)), original)

    def tag_many(
        self, texts: Iterable[str], batch_size: int = 64, n_process: int = 1
    ) -> Iterator[Tags]:
        """Tags for each text, in input order, streamed through ``nlp.pipe``.

        With ``n_process > 1`` each worker keeps its matrix products on one thread (the workers
        already use the cores; two BLAS threads per worker made 500 BBC texts 10-20% slower).
        """

        def feed() -> Iterator[tuple[str, tuple[bool, str, str]]]:
            for i, raw in enumerate(texts):
                text = _check_text(raw, f"texts[{i}]")
                # the context travels with the doc: keep it small (the original only if cleaned)
                original = raw if text != raw else ""
                if len(text) > self.max_length:
                    yield "", (True, text, original)  # tagged in pieces below
                else:
                    yield text, (False, "", original)

        # the limit is set before the workers fork, so they inherit it
        one_thread = threadpool_limits(1, user_api="blas") if n_process != 1 else nullcontext()
        with one_thread:
            stream = self.nlp.pipe(
                feed(), as_tuples=True, batch_size=batch_size, n_process=n_process
            )
            for doc, (long, text, original) in stream:
                # a blank text's doc has no entities and no topics: _from_doc gives empty Tags
                tags = self._tag_long(text) if long else self._from_doc(doc)
                yield _with_original_mentions(tags, original) if original else tags

    def tag_dataframe(
        self, df: Any, text: str = "body", batch_size: int = 64, n_process: int = 1
    ) -> Any:
        """The tag columns (``tags``, ``topics``, ``people``, ...) of each row of ``df``.

        Same index as ``df``; join it back with ``df.join(...)``. See :func:`tagger.columns.tag_frame`.
        """
        return tag_frame(self, df, text=text, batch_size=batch_size, n_process=n_process)

    def _from_doc(self, doc: Doc) -> Tags:
        return tags_from_doc(doc)

    def _tag_long(self, text: str) -> Tags:
        """A text over ``max_length``: entities per piece, merged; offsets into the whole text.

        One piece is in memory at a time. A surname alone in one piece joins the full name found
        in another ("Putin" with "Vladimir Putin"), as it does within a piece. Topics are scored
        on the whole story (windows keep that bounded too).
        """
        merged: dict[tuple[str, str], Entity] = {}
        for offset, piece in _split_long(text, self.max_length):
            if not piece.strip():
                continue
            for ent in self._from_doc(self.nlp(piece)).entities:
                shifted = [Mention(m.start + offset, m.end + offset, m.text) for m in ent.mentions]
                have = merged.get((ent.label, ent.name))
                if have is None:
                    merged[(ent.label, ent.name)] = Entity(
                        ent.name, ent.label, ent.id, ent.count, ent.salience, shifted,
                        suggested=ent.suggested,
                    )  # fmt: skip
                else:
                    have.count += ent.count
                    have.salience = max(have.salience, ent.salience)
                    have.mentions.extend(shifted)
                    have.suggested = have.suggested or ent.suggested
        _join_surnames(merged)
        entities = sorted(merged.values(), key=lambda e: (-e.salience, -e.count, e.name))
        topics: list[Topic] = []
        if self.topic_model is not None:
            topics = self.topic_model.topics_for(story_of(text), SUGGEST_FLOOR)
        return Tags(entities=entities, topics=topics)
