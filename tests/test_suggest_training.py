"""``train(..., entities=True)`` and ``tagger train --entities``: the entity decision learned
from a newsroom's own entity tags (``tagger.suggest_training``)."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

from tagger.cli import app
from tagger.errors import BadInputError
from tagger.suggest import SUGGEST_FILE
from tagger.suggest_training import entity_tag_lists
from tagger.tagger import Tagger
from tagger.training import train
from tests.conftest import ROOT

TOPICS = ["elections", "energy", "justice", "war", "diplomacy"]


@pytest.fixture(scope="module")
def archive() -> pd.DataFrame:
    """The shipped corpus' passages on five topics (project-written news text), with entity tags
    of a newsroom whose editors tag every person named, never a country, and the organisations
    the shipped model suggests."""
    rows = [json.loads(line) for line in (ROOT / "data/corpus/news_topics.jsonl").open()]
    picked = []
    for row in rows:
        tags = [t for t in row["tags"] if t in TOPICS]
        if tags and len(picked) < 160:
            picked.append({"body": row["text"], "tags": tags})
    frame = pd.DataFrame(picked)
    shipped = Tagger.load()
    people, countries, organisations = [], [], []
    for tags in shipped.tag_many(frame["body"].tolist()):
        people.append([e.name for e in tags.entities if e.label == "PERSON"])
        countries.append([])
        organisations.append([e.name for e in tags.entities if e.label == "ORG" and e.suggested])
    return frame.assign(people=people, countries=countries, organisations=organisations, apps=[[] for _ in people])  # fmt: skip


def _suggested(tagger: Tagger, texts: list[str], label: str) -> tuple[int, int]:
    """(suggested, found) entities of ``label`` over ``texts``."""
    found = [e for tags in tagger.tag_many(texts) for e in tags.entities if e.label == label]
    return sum(e.suggested for e in found), len(found)


def test_the_decision_learns_the_newsrooms_habits(archive):
    train_part, held_out = archive.iloc[:120], archive.iloc[120:]["body"].tolist()
    shipped = Tagger.load()
    assert _suggested(shipped, held_out, "COUNTRY")[0] > 0  # the shipped model suggests countries
    shipped_people, people_found = _suggested(shipped, held_out, "PERSON")
    assert shipped_people < people_found  # ... and not every person

    trained = train(train_part, entities=True)
    suggested_countries, countries_found = _suggested(trained, held_out, "COUNTRY")
    assert suggested_countries == 0 < countries_found
    assert _suggested(trained, held_out, "PERSON") == (people_found, people_found)
    learned = trained.manifest["entity_tags"]
    assert learned["rows_used"] == 120
    assert set(learned["constant_types"]) >= {"COUNTRY", "PERSON"}
    assert learned["entities"]["COUNTRY"]["tagged"] == 0 < learned["entities"]["COUNTRY"]["entities"]  # fmt: skip


def test_without_entities_the_bundle_gets_the_shipped_decision(tmp_path, archive):
    trained = train(archive.iloc[:60], out=tmp_path / "b")
    shipped = json.loads((ROOT / "models/default" / SUGGEST_FILE).read_text())
    assert json.loads((tmp_path / "b" / SUGGEST_FILE).read_text())["weights"] == shipped["weights"]
    assert "entity_tags" not in trained.manifest
    assert "the shipped model's" in (tmp_path / "b" / "MODEL_CARD.md").read_text()


def test_missing_entity_columns_are_named_before_any_fitting(archive):
    with pytest.raises(BadInputError, match="countries"):
        train(archive.drop(columns=["countries"]), entities=True)


def test_empty_cells_mean_no_tags_and_too_few_articles_is_an_error(archive):
    frame = archive.head(12).copy()
    for col in ("people", "countries", "organisations", "apps"):
        frame[col] = frame[col].astype(object)
        frame.loc[frame.index[:5], col] = None  # a CSV's empty cells: nothing tagged
    frame.loc[frame.index[0], "apps"] = "Telegram|WhatsApp"
    frame.loc[frame.index[1], "body"] = "   "
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        texts, tags, skipped = entity_tag_lists(frame, "body")
    assert skipped == {"empty or missing text": 1} and len(texts) == 11
    assert any("skipped 1 row(s): empty or missing text" in str(w.message) for w in caught)
    assert tags[0]["apps"] == ["Telegram", "WhatsApp"] and tags[0]["people"] == []
    with pytest.raises(BadInputError, match="too little to learn entity suggestions"):
        entity_tag_lists(frame.head(9), "body")
    malformed = archive.head(12).copy()
    malformed["people"] = malformed["people"].astype(object)
    malformed.at[malformed.index[3], "people"] = {"name": "Vladimir Putin"}
    with pytest.raises(BadInputError, match="row 4, column 'people'"):
        entity_tag_lists(malformed, "body")
    malformed.at[malformed.index[3], "people"] = 7
    with pytest.raises(BadInputError, match="not int"):
        entity_tag_lists(malformed, "body")


def test_broken_and_huge_texts_are_skipped_and_counted(archive):
    frame = archive.head(14).copy()
    frame["body"] = frame["body"].astype(object)  # a string column holds no lone surrogate
    frame.loc[frame.index[0], "body"] = "Putin said \ud800 nothing."  # a lone surrogate
    frame.loc[frame.index[1], "body"] = "Vladimir Putin spoke. " * 5_000  # 110,000 characters
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        texts, _, skipped = entity_tag_lists(frame, "body")
    assert len(texts) == 12
    assert skipped == {
        "text tag() refuses (a lone surrogate: broken encoding)": 1,
        "longer than 50,000 characters": 1,
    }
    assert sum("skipped 1 row(s)" in str(w.message) for w in caught) == 2


def test_cli_train_entities_writes_the_learned_decision(tmp_path, archive):
    data = tmp_path / "archive.csv"
    flat = archive.iloc[:100].copy()
    for col in ("tags", "people", "countries", "organisations", "apps"):
        flat[col] = flat[col].map("|".join)  # a CSV holds lists as delimited strings
    flat.to_csv(data, index=False)
    result = CliRunner().invoke(app, ["train", str(data), "--out", str(tmp_path / "b"), "--entities"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "entity suggestions learned from 100 article(s)" in result.output
    model = json.loads((tmp_path / "b" / SUGGEST_FILE).read_text())
    assert model["weights"]["COUNTRY"][-1] < 0 and not any(model["weights"]["COUNTRY"][:-1])
    assert "entity suggestions learned" in (tmp_path / "b" / "MODEL_CARD.md").read_text()
    described = json.loads(CliRunner().invoke(app, ["info", "--model", str(tmp_path / "b")]).output)
    assert "entity tags of 100 articles" in described["entity_suggestions"]["learned_from"]
    assert "fitting part" in Tagger.load().describe()["entity_suggestions"]["learned_from"]
    # a file without the entity columns is refused before the old bundle is touched
    archive.iloc[:100][["body", "tags"]].assign(tags=lambda f: f["tags"].map("|".join)).to_csv(tmp_path / "plain.csv", index=False)  # fmt: skip
    before = (tmp_path / "b" / SUGGEST_FILE).read_bytes()
    result = CliRunner().invoke(app, ["train", str(tmp_path / "plain.csv"), "--out", str(tmp_path / "b"), "--entities", "--overwrite"])  # fmt: skip
    assert result.exit_code != 0 and "people" in result.output
    assert (tmp_path / "b" / SUGGEST_FILE).read_bytes() == before


STORY = (
    "Russia restricts WhatsApp and Telegram calls. President Vladimir Putin signed the law on "
    "the state messenger MAX, and Prime Minister Mikhail Mishustin's government will promote "
    "it. Roskomnadzor said calls would be throttled. Analyst Ivan Petrov said users would move."
)


def test_entity_verdicts_correct_articles_and_add_judged_stories(tmp_path, archive):
    from tagger.feedback import FeedbackStore
    from tagger.pipeline import build_nlp
    from tagger.suggest_training import entity_rows, fold_entity_feedback

    texts, tags, _ = entity_tag_lists(archive.head(20), "body")
    first = next(i for i, t in enumerate(tags) if t["people"])
    dropped = tags[first]["people"][0]
    store = FeedbackStore(tmp_path / "f.db", keep_text=True)
    store.add("reject", {"name": dropped, "label": "PERSON"}, text=texts[first])  # a correction
    store.add("add", {"name": "Ukraine", "label": "COUNTRY"}, text=texts[first])
    store.add("accept", {"name": "Vladimir Putin", "label": "PERSON"}, text=STORY)  # a new story
    store.add("reject", {"name": "Ivan Petrov", "label": "PERSON"}, text=STORY)
    store.add("accept", {"name": "Ivan Petrov", "label": "PERSON"}, text=STORY)
    store.add("reject", {"name": "Ivan Petrov", "label": "PERSON"}, text=STORY)  # latest wins
    store.add("accept", {"name": "Moscow", "label": "LOCATION"}, text=STORY)
    FeedbackStore(tmp_path / "f.db").add("accept", {"name": "MAX", "label": "APP"}, text=STORY)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        texts2, tags2, rejected, info = fold_entity_feedback(texts, tags, tmp_path / "f.db")
    assert dropped not in tags2[first]["people"] and "Ukraine" in tags2[first]["countries"]
    assert texts2[-1] == STORY and len(texts2) == len(texts) + 1
    assert tags2[-1]["people"] == ["Vladimir Putin"] and rejected[-1]["people"] == ["Ivan Petrov"]
    assert rejected[first] is None  # an archive article stays fully labelled
    assert (info["articles_corrected"], info["articles_added"]) == (1, 1)
    assert sum(info["not_used"].values()) == 2  # the place, and the hash-only verdict
    assert any("hash only" in str(w.message) for w in caught)
    # the judged story teaches only what was judged: Putin (tagged) and Petrov (not)
    nlp = build_nlp(topic_model=None, suggest_model=None)
    rows, _ = entity_rows(nlp, [STORY], [tags2[-1]], ["s"], [rejected[-1]])
    assert sorted((label, y) for label, _, y in rows) == [("PERSON", 0), ("PERSON", 1)]
    with pytest.raises(BadInputError, match="does not exist"):
        fold_entity_feedback(texts, tags, tmp_path / "missing.db")


def test_train_with_entities_and_feedback_reports_what_it_used(tmp_path, archive):
    from tagger.feedback import FeedbackStore

    store = FeedbackStore(tmp_path / "f.db", keep_text=True)
    store.add("accept", {"name": "Vladimir Putin", "label": "PERSON"}, text=STORY)
    store.add("accept", {"slug": "censorship"}, text=STORY)
    trained = train(archive.iloc[:60], entities=True, feedback=tmp_path / "f.db")
    used = trained.manifest["entity_tags"]["feedback"]
    assert used["entity_verdicts_used"] == 1 and used["articles_added"] == 1
    assert trained.manifest["entity_tags"]["rows_used"] == 61
