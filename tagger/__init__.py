"""tagger: a local news tagger. ``tagger.tag(text)`` gives the entities and topics of a story."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from tagger.tagger import Tagger
from tagger.tags import Entity, Mention, Tags, Topic

__version__ = "0.1.0"
__all__ = ["Entity", "Mention", "Tagger", "Tags", "Topic", "default_tagger", "tag", "tag_many"]


@cache
def default_tagger() -> Tagger:
    """The shipped default model, loaded once per process and reused."""
    return Tagger.load()


def tag(text: str) -> Tags:
    """Tag one text with the default model."""
    return default_tagger().tag(text)


def tag_many(texts: Iterable[str], batch_size: int = 64, n_process: int = 1) -> Iterator[Tags]:
    """Tag many texts with the default model, in input order."""
    return default_tagger().tag_many(texts, batch_size=batch_size, n_process=n_process)


def __getattr__(name: str) -> object:
    """``tagger.evaluate`` and ``tagger.train``: loaded (with pandas) on first use only."""
    if name == "evaluate":
        import importlib

        return importlib.import_module("tagger.evaluate")
    if name == "train":
        from tagger.training import train

        return train
    raise AttributeError(f"module 'tagger' has no attribute {name!r}")
