import json

from tagger.tags import Entity, Mention, Tags, Topic


def sample() -> Tags:
    return Tags(
        entities=[Entity("Vladimir Putin", "PERSON", "Q7747", 1, 0.8, [Mention(0, 5, "Putin")])],
        topics=[
            Topic(
                "censorship",
                "censorship and freedom of speech",
                "medtop:20000588",
                0.9,
                ["blocking"],
            )
        ],
    )


def test_to_dict_is_plain_json_and_round_trips():
    tags = sample()
    data = tags.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["entities"][0]["mentions"][0] == {"start": 0, "end": 5, "text": "Putin"}
    assert Tags.from_dict(data) == tags


def test_empty_tags_are_falsy_and_by_label_filters():
    assert not Tags()
    assert [e.name for e in sample().by_label("PERSON")] == ["Vladimir Putin"]
    assert sample().by_label("APP") == []


def test_to_dict_is_dataclasses_asdict(default):
    """``to_dict`` is written out for speed; it must stay the same dict as ``asdict``."""
    from dataclasses import asdict

    tags = default.tag(
        "Vladimir Putin signed the law on Monday, the Kremlin said. Russia will restrict "
        "WhatsApp and Telegram and promote the state messenger MAX."
    )
    assert tags.entities and tags.topics
    want = {
        "entities": [asdict(e) for e in tags.entities],
        "topics": [asdict(t) for t in tags.topics],
    }
    got = tags.to_dict()
    assert got == want
    assert [list(e) for e in got["entities"]] == [list(e) for e in want["entities"]]  # key order
    assert [list(t) for t in got["topics"]] == [list(t) for t in want["topics"]]
