"""The Tagger contract: input checks, empty input, long input, tag_many order and processes."""

from __future__ import annotations

import pytest

import tagger
from tagger.errors import InputTypeError
from tagger.tagger import Tagger, _split_long
from tagger.tags import Tags

NEWS = [
    "Vladimir Putin met Xi Jinping in Beijing on Tuesday.",
    "",
    "WhatsApp said it would challenge the ban in court in Brazil.",
    "   ",
    "Ukraine's parliament in Kyiv approved the budget; the EU welcomed it.",
]


@pytest.mark.parametrize("bad", [None, 42, b"bytes", ["a list"], 3.5])
def test_non_strings_raise_type_error_naming_the_type(default, bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        default.tag(bad)
    with pytest.raises(InputTypeError):
        tagger.tag(bad)


@pytest.mark.parametrize("blank", ["", " ", "\n\t  \r\n"])
def test_blank_text_gives_empty_tags(default, blank):
    assert default.tag(blank) == Tags()


def test_module_level_tag_reuses_one_default_model():
    assert tagger.default_tagger() is tagger.default_tagger()
    assert tagger.tag("Kyiv").entities[0].name == "Kyiv"


def test_tag_many_keeps_input_order_and_matches_tag(default):
    many = list(default.tag_many(NEWS, batch_size=2))
    assert many == [default.tag(t) for t in NEWS]
    assert many[1] == Tags() and many[3] == Tags()


def test_tag_many_with_two_processes_gives_the_same_answer(default):
    texts = NEWS * 3
    assert list(default.tag_many(texts, batch_size=4, n_process=2)) == [
        default.tag(t) for t in texts
    ]


def test_tag_many_rejects_a_non_string_naming_its_position(default):
    with pytest.raises(TypeError, match=r"texts\[1\] must be str, not NoneType"):
        list(default.tag_many(["Kyiv", None]))


def test_split_long_cuts_at_boundaries_and_covers_everything():
    text = ("One sentence here. " * 30 + "\n\n") * 5
    pieces = _split_long(text, 300)
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= 300 for _, p in pieces)
    assert all(text[o : o + len(p)] == p for o, p in pieces)


def test_text_over_max_length_is_tagged_in_pieces_with_exact_offsets():
    small = Tagger(topic_model=tagger.default_tagger().topic_model)
    small.nlp.max_length = 2000
    paragraph = "Emmanuel Macron spoke to Olaf Scholz about Ukraine and Poland. " * 8 + "\n\n"
    text = paragraph * 12
    assert len(text) > small.max_length
    tags = small.tag(text)
    macron = next(e for e in tags.entities if e.name == "Emmanuel Macron")
    assert macron.count == 8 * 12
    for e in tags.entities:
        for m in e.mentions:
            assert text[m.start : m.end] == m.text
    assert list(small.tag_many([text])) == [tags]


def test_text_over_max_length_keeps_the_suggested_decision():
    """A huge document is tagged in pieces; the editor's decision must survive the merge."""
    small = Tagger.load()
    small.nlp.max_length = 2000
    paragraph = "Emmanuel Macron spoke to Olaf Scholz about Ukraine and Poland. " * 8 + "\n\n"
    text = paragraph * 12
    whole = {e.name: e.suggested for e in Tagger.load().tag(text).entities}
    pieces = {e.name: e.suggested for e in small.tag(text).entities}
    assert whole["Emmanuel Macron"] and pieces == whole


PAGE = (
    "Related: Football scores | Weather\n\n"
    "Russia pounds Ukraine's grid as EU weighs new sanctions\n\n"
    "Advertisement\n\n"
    + "\n\n".join(
        [
            "Russian missiles and drones struck power plants across Ukraine overnight, and "
            "troops fought for the town of Pokrovsk, where shelling killed four civilians. "
            "Ukraine's army said it had repelled eleven assaults and shot down most of the "
            "drones, while fighting continued along the front line in the east. " * 2,
            "The weather was mild and the shops opened as usual in the capital on Monday. " * 6,
            "In Brussels, European Union ministers discussed a new package of sanctions on "
            "Russian banks and an oil price cap, aimed at Moscow's revenue, with a ban on "
            "exports of machine tools and asset freezes on shipping firms. " * 2,
        ]
    )
)


def test_each_topic_points_to_its_passage_in_the_text_sent(default):
    """Evidence keeps its passage: ``text[passage.start:passage.end]`` is the story's window that
    scored highest for the topic, in the caller's offsets (the topic model reads the story
    without the page's chrome lines, whose length must be added back), and it holds the topic's
    evidence words."""
    tags = default.tag(PAGE)
    by_slug = {t.slug: t for t in tags.topics}
    assert {"war", "sanctions"} <= set(by_slug), by_slug
    for topic in tags.topics:
        passage = topic.passage
        assert passage is not None and 0 <= passage.start < passage.end <= len(PAGE)
        quoted = PAGE[passage.start : passage.end].lower()
        assert quoted.strip() == quoted.strip(" .\n") + ("." if quoted.endswith(".") else "")
        assert any(word.split()[0] in quoted for word in topic.evidence), topic
    war, sanctions = by_slug["war"].passage, by_slug["sanctions"].passage
    assert "pokrovsk" in PAGE[war.start : war.end].lower()
    assert "price cap" in PAGE[sanctions.start : sanctions.end].lower()
    assert war != sanctions
    assert sanctions.end == len(PAGE.rstrip())  # the last window ends where the story does
    assert Tags.from_dict(tags.to_dict()) == tags
    # the same passages through nlp.pipe, and for a text tagged in pieces
    assert list(default.tag_many([PAGE])) == [tags]
    small = Tagger(topic_model=default.topic_model)
    small.nlp.max_length = 600
    pieces = small.tag(PAGE)
    assert [(t.slug, t.passage) for t in pieces.topics] == [
        (t.slug, t.passage) for t in tags.topics
    ]
