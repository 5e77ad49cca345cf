"""The development set's settled entity tags: two blind readings, disputes settled by a third.

These read only the repository's readings (ids and the project's own labels), not ../shared.
"""

from __future__ import annotations

from benchmarks.devset.labels import (
    ENTITY_FIELDS,
    SETTLED_ENTITIES,
    _read_jsonl,
    _split,
    gold,
    reading,
    second_entity_reading,
)
from tagger.knowledge import KnowledgeBase


def test_two_spellings_of_one_entity_are_agreed_not_disputed():
    kb = KnowledgeBase.load()
    agreed, disputed = _split(
        ["Volodymyr Zelenskyy", "Mikhail Mishustin"], ["Volodymyr Zelensky", "Sergei Lavrov"], kb
    )
    assert agreed == ["Volodymyr Zelenskyy"]  # the first reading's spelling stands
    assert disputed == ["Mikhail Mishustin", "Sergei Lavrov"]


def test_settled_tags_come_only_from_the_two_readings():
    settled = _read_jsonl(SETTLED_ENTITIES)
    first, second = reading("a"), second_entity_reading()
    assert len(settled) >= 200  # the whole measuring part
    for aid, row in settled.items():
        for field in ENTITY_FIELDS:
            given = set(first[aid].get(field, [])) | set(second[aid].get(field, []))
            assert set(row[field]) <= given, (aid, field)


def test_gold_uses_the_settled_tags_and_keeps_the_first_reading_beside():
    settled = _read_jsonl(SETTLED_ENTITIES)
    labels, first = gold(), reading("a")
    aid = next(iter(settled))
    assert labels[aid]["people"] == settled[aid]["people"]
    assert labels[aid]["people_a"] == first[aid].get("people", [])
    unsettled = next(a for a in first if a not in settled)
    assert labels[unsettled]["organisations"] == first[unsettled].get("organisations", [])
