"""Result types of ``tag()``: one shape for every door (Python, CLI, HTTP, batch)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ENTITY_LABELS = ("PERSON", "COUNTRY", "LOCATION", "ORG", "APP")


@dataclass(frozen=True)
class Mention:
    """One occurrence of an entity: ``text == input[start:end]``."""

    start: int
    end: int
    text: str


@dataclass
class Entity:
    """One real-world thing named in the text, however often it is mentioned (or a suggested
    country the text implies without naming it: ``count`` 0, no ``mentions``).

    ``suggested`` is the editor's decision (tag it or not), learned from editors' tags of real
    articles; ``salience`` ranks (how central it is, 0-1).
    """

    name: str
    label: str
    id: str | None = None
    count: int = 0
    salience: float = 0.0
    mentions: list[Mention] = field(default_factory=list)
    suggested: bool = False


@dataclass(frozen=True)
class Passage:
    """Where a topic's evidence is: ``input[start:end]``, the story's window that scored
    highest for the topic (about 120 words; the whole story when it is short)."""

    start: int
    end: int


@dataclass
class Topic:
    """One taxonomy concept, with the words that pushed its score up most and the passage
    they come from."""

    slug: str
    label: str
    iptc: str | None
    score: float
    evidence: list[str] = field(default_factory=list)
    passage: Passage | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Topic:
        """A topic from its ``to_dict()`` (or ``dataclasses.asdict``) form."""
        passage = data.get("passage")
        return cls(**{**data, "passage": Passage(**passage) if passage else None})


@dataclass
class Tags:
    """What ``tag(text)`` returns: entities by salience, topics by score."""

    entities: list[Entity] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types only: the one shape every output of the project uses.

        The same dict as ``dataclasses.asdict`` (a test checks it), written out: ``asdict``
        copies recursively and cost a batch job almost a millisecond per article."""
        return {
            "entities": [
                {
                    "name": e.name,
                    "label": e.label,
                    "id": e.id,
                    "count": e.count,
                    "salience": e.salience,
                    "mentions": [
                        {"start": m.start, "end": m.end, "text": m.text} for m in e.mentions
                    ],
                    "suggested": e.suggested,
                }
                for e in self.entities
            ],
            "topics": [
                {
                    "slug": t.slug,
                    "label": t.label,
                    "iptc": t.iptc,
                    "score": t.score,
                    "evidence": list(t.evidence),
                    "passage": (
                        {"start": t.passage.start, "end": t.passage.end} if t.passage else None
                    ),
                }
                for t in self.topics
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Tags:
        """Inverse of :meth:`to_dict`."""
        entities = [
            Entity(**{**e, "mentions": [Mention(**m) for m in e.get("mentions", [])]})
            for e in data.get("entities", [])
        ]
        topics = [Topic.from_dict(t) for t in data.get("topics", [])]
        return cls(entities=entities, topics=topics)

    def by_label(self, label: str) -> list[Entity]:
        """Entities of one label, most salient first."""
        return [e for e in self.entities if e.label == label]

    @property
    def suggested(self) -> list[Entity]:
        """The entities an editor would tag, most salient first."""
        return [e for e in self.entities if e.suggested]

    def __bool__(self) -> bool:
        return bool(self.entities or self.topics)
