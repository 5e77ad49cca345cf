"""Matching the entities the tagger finds to an editor's entity tags (document level).

What the entity decision learns from (``tagger train --entities``, the development set's
suggestion model) and is measured against (``benchmarks.devset_entities``).

A gold name matches a predicted entity of the same type when their normalised names are equal
(case, accents, "the", possessives and dots ignored), when the knowledge base resolves the gold
name to that entity, or when the gold name equals one of the entity's mention texts (an entity
the KB does not know). Each gold name matches at most one entity and each entity at most one
gold name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tagger.knowledge import KnowledgeBase, normalise

TYPES = {"people": "PERSON", "countries": "COUNTRY", "organisations": "ORG", "apps": "APP"}
COUNTRY_ALIASES = {"soviet union": "russia", "ussr": "russia", "west germany": "germany"}


def _key(name: str) -> str:
    """Normalised, and dots dropped: "George W Bush" is "George W. Bush", "U.S." is "US"."""
    return " ".join(normalise(name).replace(".", "").split())


def _keys(name: str, kb: KnowledgeBase) -> set[str]:
    key = _key(name)
    keys = {key, COUNTRY_ALIASES.get(key, key)}
    entry = kb.lookup(name)
    if entry is not None:
        keys.add(_key(entry.name))
    return keys


def match(
    gold: Sequence[str], predicted: Sequence[tuple[str, Iterable[str]]], kb: KnowledgeBase
) -> tuple[list[int | None], int]:
    """For each predicted (name, mention texts): the index of the gold name it matches, or None;
    and the number of gold names left unmatched."""
    gold_keys = [_keys(g, kb) for g in gold]
    used: set[int] = set()
    out: list[int | None] = []
    for name, mentions in predicted:
        keys = _keys(name, kb) | {_key(m) for m in mentions}
        hit = next((i for i, gk in enumerate(gold_keys) if i not in used and gk & keys), None)
        if hit is not None:
            used.add(hit)
        out.append(hit)
    return out, len(gold) - len(used)


def score_article(
    gold: dict[str, list[str]], entities: Sequence[Any], kb: KnowledgeBase, only_suggested: bool
) -> dict[str, tuple[int, int, int]]:
    """(tp, fp, fn) per gold type for one article's ``Entity`` objects."""
    counts = {}
    for field, label in TYPES.items():
        chosen = [e for e in entities if e.label == label and (e.suggested or not only_suggested)]
        hits, missed = match(gold.get(field, []), [(e.name, [m.text for m in e.mentions]) for e in chosen], kb)  # fmt: skip
        tp = sum(h is not None for h in hits)
        counts[field] = (tp, len(hits) - tp, missed)
    return counts
