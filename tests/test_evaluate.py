"""Metrics as DataFrames (``tagger.evaluate``) and the ``tagger evaluate`` command."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

import tagger
from tagger import evaluate as ev
from tagger.cli import app
from tagger.errors import BadInputError
from tagger.tags import Entity, Mention, Tags, Topic
from tests.conftest import ROOT, shared_file

runner = CliRunner()

GOLD = [["a", "b"], ["b"], [], ["c"]]
SCORES = [{"a": 0.9, "b": 0.4, "c": 0.6}, {"b": 0.7}, {"a": 0.6}, {"c": 0.2, "a": 0.3}]


def test_topics_table_by_hand():
    table = ev.topics(GOLD, SCORES, k=1)
    assert list(table.index) == ["a", "b", "c", "micro", "macro", "samples"]
    # assigned (>= 0.5): doc0 {a, c}, doc1 {b}, doc2 {a}, doc3 {}
    assert table.loc["a", ["tp", "fp", "fn", "support", "predicted"]].tolist() == [1, 1, 0, 1, 2]
    assert table.loc["b", ["tp", "fp", "fn"]].tolist() == [1, 0, 1]
    assert table.loc["c", ["tp", "fp", "fn"]].tolist() == [0, 1, 1]
    micro = table.loc["micro"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (2, 2, 2)
    assert micro["precision"] == micro["recall"] == micro["f1"] == 0.5
    assert table.loc["macro", "f1"] == pytest.approx((2 / 3 + 2 / 3 + 0) / 3)
    # top-1: doc0 a, doc1 b, doc2 a, doc3 a -> a: tp 1 fp 2, b: tp 1 fn 1, c: fn 1
    assert table.loc["a", "precision@1"] == pytest.approx(1 / 3)
    assert table.loc["micro", "recall@1"] == pytest.approx(2 / 4)
    # samples: docs with gold (0, 1, 3): F1 0.5, 1.0, 0.0 (assigned) and 2/3, 1, 0 (top-1)
    assert table.loc["samples", "support"] == 3
    assert table.loc["samples", "f1"] == pytest.approx(0.5)
    assert table.loc["samples", "f1@1"] == pytest.approx((2 / 3 + 1) / 3)


def test_plain_lists_tags_and_frames_are_the_same_input():
    lists = [["a", "c"], ["b"], ["a"], []]
    tags = [
        Tags(topics=[Topic(s, s, None, v) for s, v in sorted(d.items(), key=lambda x: -x[1])])
        for d in SCORES
    ]
    frame = pd.DataFrame(SCORES)
    expected = ev.topics(GOLD, SCORES)[["precision", "recall", "f1", "support"]]
    for predicted in (lists, tags, frame):
        got = ev.topics(GOLD, predicted)[["precision", "recall", "f1", "support"]]
        pd.testing.assert_frame_equal(got, expected)


def test_labels_restrict_the_table():
    table = ev.topics(GOLD, SCORES, labels=["b", "z"])
    assert list(table.index[:2]) == ["b", "z"]
    assert table.loc["z", "support"] == 0
    assert table.loc["macro", "f1"] == table.loc["b", "f1"]  # z has no gold: not averaged


def test_threshold_sweep_trades_recall_for_precision():
    sweep = ev.threshold_sweep(GOLD, SCORES)
    assert list(sweep.columns) == ["precision", "recall", "f1", "macro_f1", "per_doc"]
    assert sweep["recall"].is_monotonic_decreasing
    assert sweep["per_doc"].is_monotonic_decreasing
    assert sweep.loc[0.5, "f1"] == ev.topics(GOLD, SCORES).loc["micro", "f1"]
    curve = ev.threshold_sweep(GOLD, SCORES, thresholds=[0.3, 0.8], per_label=True)
    assert set(curve["label"]) == {"a", "b", "c"} and len(curve) == 6


def test_topic_errors_most_confident_first():
    errors = ev.topic_errors(GOLD, SCORES)
    assert errors.iloc[0][["doc", "label", "error"]].tolist() == [3, "c", "missed"]
    assert set(errors["error"]) == {"missed", "false positive"}
    assert errors["margin"].is_monotonic_decreasing


def test_entities_exact_and_overlap():
    gold = [[(0, 5, "PER"), (10, 20, "LOC")], [(0, 4, "ORG")]]
    pred = [[(0, 5, "PER"), (12, 20, "LOC"), (14, 18, "LOC"), (30, 33, "ORG")], []]
    table = ev.entities(gold, pred)
    exact, overlap = table.loc["exact"], table.loc["overlap"]
    assert exact.loc["LOC", ["tp", "fp", "fn"]].tolist() == [0, 2, 1]
    # one gold span matches one prediction only: the second overlapping LOC is a false positive
    assert overlap.loc["LOC", ["tp", "fp", "fn"]].tolist() == [1, 1, 0]
    assert exact.loc["ORG", ["tp", "fp", "fn"]].tolist() == [0, 1, 1]
    assert exact.loc["micro", "f1"] == pytest.approx(2 * (1 / 4) * (1 / 3) / (1 / 4 + 1 / 3))
    only = ev.entities(gold, pred, match="overlap")
    pd.testing.assert_frame_equal(only, overlap)


def test_entities_from_tags_with_a_label_map():
    tags = Tags(
        entities=[
            Entity("Vladimir Putin", "PERSON", mentions=[Mention(0, 14, "Vladimir Putin")]),
            Entity("Russia", "COUNTRY", mentions=[Mention(20, 26, "Russia")]),
            Entity("MAX", "APP", mentions=[Mention(30, 33, "MAX")]),
        ]
    )
    gold = [[{"start": 0, "end": 14, "label": "PER"}, {"start": 20, "end": 26, "type": "LOC"}]]
    table = ev.entities(gold, [tags], match="exact", label_map=ev.TO_PLO)
    assert table.loc["PER", "tp"] == table.loc["LOC", "tp"] == 1
    assert table.loc["ORG", "fp"] == 1
    assert ev.tag_spans(tags, skip={"Russia"}) == [(0, 14, "PER"), (30, 33, "ORG")]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ev.topics([["a"]], []), "gold has 1 document"),
        (lambda: ev.topics([], []), "no documents"),
        (lambda: ev.topics(["a"], [["a"]]), "is a string"),
        (lambda: ev.topics([["a"]], [["a"]], k=0), "k must be"),
        (lambda: ev.topics("ab", "ab"), "one entry per document"),
        (lambda: ev.entities([[(5, 2, "PER")]], [[]]), "empty or has no label"),
        (lambda: ev.entities([[(0, 2)]], [[]]), "is not a (start, end, label) span"),
        (lambda: ev.entities([[("0", 2, "PER")]], [[]]), "integer start and end"),
        (lambda: ev.entities([[]], [[]], match="fuzzy"), "match must be"),  # type: ignore[arg-type]
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(BadInputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_shared_format_conversions():
    gum = [
        {"start": 0, "end": 26, "text": "the University of Helsinki", "type": "organization",
         "contains_propn": True},
        {"start": 18, "end": 26, "text": "Helsinki", "type": "place", "contains_propn": True},
        {"start": 30, "end": 32, "text": "he", "type": "person", "contains_propn": False},
        {"start": 33, "end": 44, "text": "Warhol 's", "type": "person", "contains_propn": True},
        {"start": 40, "end": 45, "text": "Ebola", "type": "abstract", "contains_propn": True},
    ]  # fmt: skip
    assert ev.gum_spans(gum) == [(4, 26, "ORG"), (18, 26, "LOC"), (33, 41, "PER")]
    text = "Apple releases SDK\nMarch 6\nThe rest is not annotated .\nNor this ."
    mentions = [
        {"kind": "ENTITY_MENTION", "start": 0, "end": 5, "text": "Apple",
         "syntactic_type": "NAM", "ent_type": "ORG"},
        {"kind": "ENTITY_MENTION", "start": 15, "end": 18, "text": "SDK",
         "syntactic_type": "NAM", "ent_type": "PRO"},
        {"kind": "TIMEX3", "start": 19, "end": 26, "text": "March 6"},
    ]  # fmt: skip
    assert ev.meantime_spans(mentions) == [(0, 5, "ORG")]
    assert ev.meantime_annotated_text(text, mentions) == "Apple releases SDK\nMarch 6"


def test_shared_gold_files_read():
    gum = pd.read_json(
        shared_file("eval", "gum_wikinews", "gum_wikinews_entities.jsonl"), lines=True
    )
    texts, spans = ev.gold_entities(gum, "text") or ([], [])
    assert len(texts) == 43 and sum(map(len, spans)) > 1000
    for text, doc in zip(texts[:5], spans[:5], strict=True):
        assert all(not text[s:e].startswith("the ") and text[s:e].strip() for s, e, _ in doc)
    meantime = pd.read_json(
        shared_file("eval", "meantime_en", "meantime_en_mentions.jsonl"), lines=True
    )
    texts, spans = ev.gold_entities(meantime, "text") or ([], [])
    assert len(texts) == 121 and {s[2] for doc in spans for s in doc} == {"PER", "LOC", "ORG"}
    assert all(
        max((e for _, e, _ in d), default=0) <= len(t) for t, d in zip(texts, spans, strict=True)
    )


def test_tagger_evaluate_is_lazy_attribute():
    assert tagger.evaluate is ev


# -- the command ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rows() -> list[dict]:
    """12 training stories whose gold tags are altered (the model knows them too well): the
    first tag dropped from every other story, "war" added to every third."""
    lines = (ROOT / "data" / "corpus" / "news_topics.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines[::150]]
    for i, row in enumerate(rows):
        row["tags"] = row["tags"][i % 2 :] + (["war"] if i % 3 == 0 else [])
    return rows


def test_cli_and_a_hand_computation_agree(rows, default, tmp_path):
    data = tmp_path / "gold.jsonl"
    data.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = runner.invoke(app, ["evaluate", str(data), "--text-col", "text", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    table = {r["label"]: r for r in report["topics"]}
    # by hand: assigned = suggested topics scoring >= 0.5, counted per label
    tp: dict[str, int] = {}
    fp: dict[str, int] = {}
    fn: dict[str, int] = {}
    for row in rows:
        gold = set(row["tags"])
        assigned = {t.slug for t in default.tag(row["text"]).topics if t.score >= 0.5}
        for label in gold | assigned:
            bucket = tp if label in gold and label in assigned else fp if label in assigned else fn
            bucket[label] = bucket.get(label, 0) + 1
    labels = set(tp) | set(fp) | set(fn)
    assert {k for k in table if k not in ("micro", "macro", "samples")} == labels
    for label in labels:
        assert (table[label]["tp"], table[label]["fp"], table[label]["fn"]) == (
            tp.get(label, 0), fp.get(label, 0), fn.get(label, 0)
        )  # fmt: skip
    all_tp, all_fp, all_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    assert table["micro"]["precision"] == pytest.approx(all_tp / (all_tp + all_fp))
    assert table["micro"]["recall"] == pytest.approx(all_tp / (all_tp + all_fn))
    assert report["rows"] == len(rows)
    assert all_tp and all_fp and all_fn  # the check covers all three counts


def test_cli_entities_with_our_labels(default, tmp_path):
    text = "Vladimir Putin met Emmanuel Macron in Paris. WhatsApp was blocked in Russia."
    tags = default.tag(text)
    gold = [[m.start, m.end, e.label] for e in tags.entities for m in e.mentions][:-1]
    data = tmp_path / "spans.jsonl"
    data.write_text(json.dumps({"body": text, "entities": gold}) + "\n")
    result = runner.invoke(app, ["evaluate", str(data), "--csv"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.output))
    exact = table[(table["match"] == "exact") & (table["label"] == "micro")].iloc[0]
    assert (exact["tp"], exact["fp"], exact["fn"]) == (len(gold), 1, 0)
    assert set(table["table"]) == {"entities"}


def test_cli_prints_a_table(rows, tmp_path):
    data = tmp_path / "gold.csv"
    pd.DataFrame(
        {"body": [r["text"] for r in rows], "tags": ["|".join(r["tags"]) for r in rows]}
    ).to_csv(data, index=False)
    result = runner.invoke(app, ["evaluate", str(data), "--k", "2", "--limit", "4"])
    assert result.exit_code == 0, result.output
    assert "Topics (4 documents)" in result.output and "F1@2" not in result.output
    assert "micro" in result.output and "f1@2" in result.output


def test_cli_bad_input(tmp_path):
    data = tmp_path / "gold.jsonl"
    data.write_text(json.dumps({"body": "Sanctions on Russia.", "labels": ["sanctions"]}) + "\n")
    missing = runner.invoke(app, ["evaluate", str(data)])
    assert missing.exit_code == 2 and "'tags' not found" in missing.output
    assert "body, labels" in missing.output
    both = runner.invoke(app, ["evaluate", str(data), "--labels-col", "labels", "--json", "--csv"])
    assert both.exit_code == 2 and "not both" in both.output
    absent = runner.invoke(app, ["evaluate", str(tmp_path / "nope.jsonl")])
    assert absent.exit_code == 2 and "does not exist" in absent.output


def test_topic_errors_fill_evidence_from_the_model(default):
    texts = [
        "The EU adopted a new sanctions package against Russia, freezing assets and banning oil.",
        "Parliament held elections on Sunday; turnout was low and the ruling party won.",
    ]
    scores = ev.topic_scores(default, texts)
    assert list(scores.columns) == [str(c) for c in default.topic_model.classifier.classes_]
    errors = ev.topic_errors([["elections"], ["sanctions"]], scores, texts=texts, tagger=default)
    fp = errors[(errors["error"] == "false positive") & (errors["label"] == "sanctions")]
    assert fp.iloc[0]["doc"] == 0 and "sanctions" in fp.iloc[0]["evidence"]
    with pytest.raises(BadInputError, match="texts has 1 entries"):
        ev.topic_errors([["a"], ["b"]], [["a"], ["b"]], texts=["x"])


def _tags(*entities: tuple[str, str, bool, str]) -> Tags:
    """Tags holding (name, label, suggested, mention text) entities."""
    return Tags(
        entities=[
            Entity(name=n, label=lab, suggested=s, mentions=[Mention(0, len(m), m)])
            for n, lab, s, m in entities
        ]
    )


def test_entity_tags_by_hand():
    predicted = [
        _tags(
            ("Volodymyr Zelenskyy", "PERSON", True, "Zelensky"),
            ("Joe Biden", "PERSON", False, "Biden"),
            ("Ukraine", "COUNTRY", True, "Ukraine"),
            ("Telegram", "APP", True, "Telegram"),
        ),
        _tags(("Russia", "COUNTRY", True, "Russia"), ("FSB", "ORG", True, "FSB")),
    ]
    gold = [
        # another spelling of the same person matches; Biden is not suggested, so missed
        {"people": ["Volodymyr Zelensky", "Joe Biden"], "countries": ["Ukraine"], "apps": []},
        {"countries": ["Russia", "Belarus"], "organisations": ["Federal Security Service"]},
    ]
    table = ev.entity_tags(gold, predicted)
    assert list(table.index) == ["people", "countries", "organisations", "apps", "micro", "macro"]
    assert table.loc["people", ["tp", "fp", "fn"]].tolist() == [1, 0, 1]
    assert table.loc["countries", ["tp", "fp", "fn"]].tolist() == [2, 0, 1]
    assert table.loc["organisations", ["tp", "fp", "fn"]].tolist() == [1, 0, 0]  # KB alias
    # apps are scored only where the gold has the field: document 0 (Telegram untagged)
    assert table.loc["apps", ["tp", "fp", "fn"]].tolist() == [0, 1, 0]
    every = ev.entity_tags(gold, predicted, suggested_only=False)
    assert every.loc["people", ["tp", "fp", "fn"]].tolist() == [2, 0, 0]
    with pytest.raises(BadInputError, match="none of the entity fields"):
        ev.entity_tags([{"tags": ["war"]}], [_tags()])
    with pytest.raises(BadInputError, match="not Tags"):
        ev.entity_tags([{"people": []}], [{"people": []}])


def test_cli_scores_the_editors_entity_tags(default, tmp_path):
    text = (
        "Russia blocked WhatsApp on Monday, the regulator Roskomnadzor said. President Vladimir "
        "Putin signed the law. Mikhail Mishustin's government backs the state messenger MAX."
    )
    tags = default.tag(text)
    suggested = {e.name for e in tags.entities if e.suggested and e.label == "PERSON"}
    assert suggested  # the check below needs a suggested person
    data = tmp_path / "tagged.csv"
    pd.DataFrame(
        [{"body": text, "people": "|".join(sorted(suggested)) + "|Alexei Navalny", "apps": ""}]
    ).to_csv(data, index=False)
    result = runner.invoke(app, ["evaluate", str(data), "--csv"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.output)).set_index("label")
    assert set(table["table"]) == {"entity tags"}
    assert (table.loc["people", "tp"], table.loc["people", "fn"]) == (len(suggested), 1)
    apps = [e for e in tags.entities if e.suggested and e.label == "APP"]
    assert table.loc["apps", "fp"] == len(apps)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"body": text, "people": {"name": "Vladimir Putin"}}) + "\n")
    result = runner.invoke(app, ["evaluate", str(bad)])
    assert result.exit_code == 2 and "row 1, column 'people'" in result.output
