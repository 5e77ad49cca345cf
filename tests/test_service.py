"""The HTTP API through FastAPI's test client: every route and every error the issue lists."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import threading
import warnings
from collections.abc import Iterator

import pytest

pytest.importorskip(
    "fastapi", reason="the service needs the 'serve' extra: pip install tagger[serve]"
)

with warnings.catch_warnings():  # starlette suggests httpx2; httpx works
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from tagger.feedback import FeedbackStore, text_sha256
from tagger.service import MAX_BATCH, create_app

STORY = (
    "Vladimir Putin signed a law that lets Roskomnadzor slow down WhatsApp and Telegram, "
    "while the state messenger MAX is installed on every new phone sold in Russia."
)


@pytest.fixture(scope="module")
def client(default, tmp_path_factory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("svc") / "feedback.sqlite3"
    with TestClient(create_app(feedback_db=db, api_key="", tagger=default)) as c:
        yield c


def _fields(response) -> list[str]:
    assert response.status_code == 422, response.text
    return [d["field"] for d in response.json()["detail"]]


# -- routes ---------------------------------------------------------------------------------------
def test_tag_gives_the_tags_shape_and_the_model(client, default):
    r = client.post("/v1/tag", json={"text": STORY})
    assert r.status_code == 200
    data = r.json()
    assert {k: data[k] for k in ("entities", "topics")} == default.tag(STORY).to_dict()
    names = {(e["name"], e["label"]) for e in data["entities"]}
    assert {("Vladimir Putin", "PERSON"), ("WhatsApp", "APP"), ("MAX", "APP")} <= names
    files = default.manifest["files"]
    assert data["model"]["version"] == f"default@{files['topic_model.npz'][:12]}"


def test_top_k_and_min_score(client):
    full = client.post("/v1/tag", json={"text": STORY}).json()
    cut = client.post("/v1/tag", json={"text": STORY, "top_k": 1, "min_score": 0.5}).json()
    assert cut["entities"] == full["entities"][:1]
    assert cut["topics"] == [t for t in full["topics"] if t["score"] >= 0.5][:1]
    assert client.post("/v1/tag", json={"text": "   "}).json()["entities"] == []


def test_batch_keeps_order_and_matches_single_calls(client):
    texts = [STORY, "", "Emmanuel Macron met Olaf Scholz in Berlin."]
    r = client.post("/v1/tag/batch", json={"texts": texts})
    assert r.status_code == 200
    results = r.json()["results"]
    assert len(results) == 3 and results[1] == {"entities": [], "topics": []}
    for text, got in zip(texts, results, strict=True):
        single = client.post("/v1/tag", json={"text": text}).json()
        assert got == {"entities": single["entities"], "topics": single["topics"]}


def test_batch_over_64_and_empty_batch_are_422(client):
    too_many = client.post("/v1/tag/batch", json={"texts": ["a"] * (MAX_BATCH + 1)})
    assert _fields(too_many) == ["texts"]
    assert "at most 64" in too_many.json()["detail"][0]["msg"]
    assert _fields(client.post("/v1/tag/batch", json={"texts": []})) == ["texts"]
    assert client.post("/v1/tag/batch", json={"texts": ["a"] * MAX_BATCH}).status_code == 200


def test_taxonomy_model_health_docs_and_page(client, default):
    taxonomy = client.get("/v1/taxonomy").json()
    assert [t["slug"] for t in taxonomy["topics"]] == [c.slug for c in default.topic_model.concepts]
    assert "censorship" in {t["slug"] for t in taxonomy["topics"]}
    assert taxonomy["entity_labels"] == ["PERSON", "COUNTRY", "LOCATION", "ORG", "APP"]
    model = client.get("/v1/model").json()
    assert model["checksums"] == default.manifest["files"]
    assert model["metrics"]["micro"]["f1"] > 0.5 and "path" not in model
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/docs").status_code == 200
    assert {"/v1/tag", "/v1/tag/batch", "/v1/feedback"} <= set(
        client.get("/openapi.json").json()["paths"]
    )
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "/static/app.js" in page.text and "/static/style.css" in page.text
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/style.css").status_code == 200


# -- errors ---------------------------------------------------------------------------------------
def test_api_key_is_required_on_v1_when_set(default, tmp_path, monkeypatch):
    monkeypatch.setenv("TAGGER_API_KEY", "s3cret-key")
    with TestClient(create_app(feedback_db=tmp_path / "f.db", tagger=default)) as c:
        for method, path, body in [
            ("post", "/v1/tag", {"text": STORY}),
            ("post", "/v1/tag/batch", {"texts": [STORY]}),
            ("get", "/v1/taxonomy", None),
            ("get", "/v1/model", None),
            ("post", "/v1/feedback", {"text": STORY, "tag": {"slug": "war"}, "verdict": "add"}),
        ]:
            call = getattr(c, method)
            kwargs = {"json": body} if body is not None else {}
            missing = call(path, **kwargs)
            assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
            wrong = call(path, headers={"Authorization": "Bearer s3cret-kez"}, **kwargs)
            assert wrong.status_code == 401
            basic = call(path, headers={"Authorization": "Basic s3cret-key"}, **kwargs)
            assert basic.status_code == 401
            ok = call(path, headers={"Authorization": "Bearer s3cret-key"}, **kwargs)
            assert ok.status_code in (200, 201), (path, ok.text)
        assert c.get("/healthz").status_code == 200  # probes and the page need no key
        assert c.get("/").status_code == 200


def test_startup_says_the_service_is_open_without_a_key(default, tmp_path, caplog, monkeypatch):
    monkeypatch.delenv("TAGGER_API_KEY", raising=False)
    app = create_app(feedback_db=tmp_path / "f.db", tagger=default)
    with caplog.at_level(logging.INFO, logger="tagger.service"), TestClient(app):
        pass
    assert "OPEN" in caplog.text and "TAGGER_API_KEY" in caplog.text
    caplog.clear()
    app = create_app(feedback_db=tmp_path / "f.db", api_key="k", tagger=default)
    with caplog.at_level(logging.INFO, logger="tagger.service"), TestClient(app):
        pass
    assert "OPEN" not in caplog.text and "require the API key" in caplog.text


def test_body_over_the_limit_is_413(default, tmp_path):
    with TestClient(create_app(feedback_db=tmp_path / "f.db", max_body=2000, tagger=default)) as c:
        r = c.post("/v1/tag", json={"text": "x" * 3000})
        assert r.status_code == 413 and "2000 bytes" in r.json()["detail"]

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams
            yield b'{"text": "'
            for _ in range(10):
                yield b"y" * 500
            yield b'"}'

        streamed = c.post("/v1/tag", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413
        assert c.post("/v1/tag", json={"text": "x" * 1000}).status_code == 200


def test_default_body_limit_is_one_megabyte(client):
    r = client.post("/v1/tag", json={"text": "x" * 1_000_001})
    assert r.status_code == 413 and "1000000 bytes" in r.text


def test_text_over_the_per_text_limit_is_422_with_the_limit(default, tmp_path):
    from tagger.settings import MAX_TEXT_CHARS

    limit = MAX_TEXT_CHARS
    text = "word " * (limit // 5) + "x"
    app = create_app(feedback_db=tmp_path / "f.db", max_body=3 * limit, tagger=default)
    with TestClient(app) as c:
        r = c.post("/v1/tag", json={"text": text})
        assert _fields(r) == ["text"]
        assert f"the limit is {limit} characters" in r.json()["detail"][0]["msg"]
        assert str(text[:50]) not in r.text  # the story is not echoed back
        batch = c.post("/v1/tag/batch", json={"texts": ["fine", text]})
        assert _fields(batch) == ["texts.1"]
        fb = c.post("/v1/feedback", json={"text": text, "tag": {"slug": "war"}, "verdict": "add"})
        assert _fields(fb) == ["text"]


def test_malformed_json_and_wrong_types_are_422_naming_the_field(client):
    bad = client.post(
        "/v1/tag", content=b'{"text": "Putin', headers={"content-type": "application/json"}
    )
    assert _fields(bad) == ["body"] and "JSON decode error" in bad.json()["detail"][0]["msg"]
    assert _fields(client.post("/v1/tag", json={"text": 5})) == ["text"]
    assert _fields(client.post("/v1/tag", json={})) == ["text"]
    assert _fields(client.post("/v1/tag", json=["a list"])) == ["body"]
    assert _fields(client.post("/v1/tag", json={"text": "a", "top_k": "many"})) == ["top_k"]
    assert _fields(client.post("/v1/tag", json={"text": "a", "top_k": 0})) == ["top_k"]
    assert _fields(client.post("/v1/tag", json={"text": "a", "min_score": 2})) == ["min_score"]
    assert _fields(client.post("/v1/tag", json={"txt": "a"})) == ["text", "txt"]
    assert _fields(client.post("/v1/tag/batch", json={"texts": ["a", 3]})) == ["texts.1"]
    assert _fields(client.post("/v1/tag/batch", json={"texts": "a"})) == ["texts"]
    plain = client.post("/v1/tag", content=b"Putin", headers={"content-type": "text/plain"})
    assert plain.status_code == 422


def test_feedback_errors_name_the_field(client):
    def post(body):
        return client.post("/v1/feedback", json=body)

    assert _fields(post({"text": "a", "tag": {"slug": "war"}, "verdict": "maybe"})) == ["verdict"]
    assert _fields(post({"text": "a", "tag": {"slug": "no-such-topic"}, "verdict": "add"})) == [
        "tag.slug"
    ]
    assert _fields(post({"text": "a", "tag": {"name": "X"}, "verdict": "add"})) == ["tag"]
    assert _fields(post({"text": "a", "tag": {"name": "X", "label": "CAT"}, "verdict": "add"})) == [
        "tag"
    ]
    assert _fields(post({"tag": {"slug": "war"}, "verdict": "add"})) == ["body"]
    assert _fields(post({"text": "a", "verdict": "add"})) == ["tag"]
    assert _fields(post({"text": 7, "tag": {"slug": "war"}, "verdict": "add"})) == ["text"]


def test_no_request_crashes_the_worker(client):
    deep = client.post(
        "/v1/tag", content=b"[" * 200_000, headers={"content-type": "application/json"}
    )
    assert 400 <= deep.status_code < 500
    nul = client.post("/v1/tag", json={"text": "Putin\x00 met\u2028Xi Jinping\ufeff " * 50})
    assert nul.status_code == 200
    for path, body in [
        ("/v1/tag", b'{"text": "Putin \\ud800 met Xi"}'),
        ("/v1/tag/batch", b'{"texts": ["ok", "Putin \\udfff"]}'),
        ("/v1/feedback", b'{"text": "a\\ud800", "tag": {"slug": "war"}, "verdict": "add"}'),
        (
            "/v1/feedback",
            b'{"text": "a", "tag": {"name": "\\ud800", "label": "APP"}, "verdict": "add"}',
        ),
    ]:
        lone = client.post(path, content=body, headers={"content-type": "application/json"})
        assert lone.status_code == 422 and "lone surrogate" in lone.text, (path, lone.text)
    assert client.post("/v1/tag", json={"text": STORY}).status_code == 200


# -- feedback -------------------------------------------------------------------------------------
def test_feedback_is_stored_with_a_hash_not_the_text(default, tmp_path):
    db = tmp_path / "f.db"
    with TestClient(create_app(feedback_db=db, api_key="", tagger=default)) as c:
        tags = c.post("/v1/tag", json={"text": STORY}).json()
        topic, entity = tags["topics"][0], tags["entities"][0]
        r = c.post("/v1/feedback", json={"text": STORY, "tag": topic, "verdict": "accept"})
        assert r.status_code == 201
        assert r.json()["text_sha256"] == hashlib.sha256(STORY.encode()).hexdigest()
        assert r.json()["text_stored"] is False
        c.post("/v1/feedback", json={"text": STORY, "tag": entity, "verdict": "reject"})
        c.post(
            "/v1/feedback", json={"text_id": "cms-123", "tag": {"slug": "war"}, "verdict": "add"}
        )
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert STORY.encode() not in db.read_bytes()
    rows = FeedbackStore(db).rows()
    assert [(r["kind"], r["verdict"]) for r in rows] == [
        ("topic", "accept"),
        ("entity", "reject"),
        ("topic", "add"),
    ]
    assert rows[0]["slug"] == topic["slug"] and rows[0]["text"] is None
    assert rows[0]["text_sha256"] == text_sha256(STORY)
    assert rows[1]["name"] == entity["name"] and "mentions" not in rows[1]["tag"]
    assert rows[2]["text_id"] == "cms-123" and rows[2]["text_sha256"] is None
    assert rows[0]["model_version"].startswith("default@")


def test_feedback_keeps_the_text_when_told(default, tmp_path):
    db = tmp_path / "f.db"
    with TestClient(create_app(feedback_db=db, keep_text=True, tagger=default)) as c:
        r = c.post("/v1/feedback", json={"text": STORY, "tag": {"slug": "war"}, "verdict": "add"})
        assert r.json()["text_stored"] is True
    assert FeedbackStore(db).rows()[0]["text"] == STORY


def test_concurrent_feedback_is_all_stored(default, tmp_path):
    db = tmp_path / "f.db"
    threads, each = 8, 5
    errors: list[str] = []
    start = threading.Barrier(threads)
    with TestClient(create_app(feedback_db=db, api_key="", tagger=default)) as c:

        def editor(n: int) -> None:
            start.wait()
            for i in range(each):
                body = {"text": f"story {n}-{i}", "tag": {"slug": "war"}, "verdict": "accept"}
                r = c.post("/v1/feedback", json=body)
                if r.status_code != 201:
                    errors.append(r.text)

        workers = [threading.Thread(target=editor, args=(n,)) for n in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    assert errors == []
    rows = FeedbackStore(db).rows()
    assert len(rows) == threads * each
    assert len({r["text_sha256"] for r in rows}) == threads * each


def test_store_is_safe_across_many_writer_threads(tmp_path):
    store = FeedbackStore(tmp_path / "f.db", keep_text=True)
    start = threading.Barrier(8)

    def write(n: int) -> None:
        other = FeedbackStore(tmp_path / "f.db", keep_text=True)  # a second handle on the file
        start.wait()
        for i in range(25):
            (store if i % 2 else other).add("reject", {"slug": "war"}, text=f"{n}/{i}")

    workers = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert store.count() == 200


def test_story_text_is_not_logged(default, tmp_path, caplog):
    marker = "Zebulon Quackenbush-Marlowe told reporters in Vilnius"
    app = create_app(feedback_db=tmp_path / "f.db", tagger=default)
    with caplog.at_level(logging.DEBUG), TestClient(app) as c:
        c.post("/v1/tag", json={"text": marker})
        c.post("/v1/tag", json={"text": 5, "extra": marker})
        c.post("/v1/feedback", json={"text": marker, "tag": {"slug": "war"}, "verdict": "add"})
    assert caplog.records and marker not in caplog.text


def test_feedback_rows_become_training_rows(tmp_path):
    store = FeedbackStore(tmp_path / "f.db", keep_text=True)
    store.add("accept", {"slug": "war"}, text="story one")
    store.add("reject", {"slug": "censorship"}, text="story one")
    store.add("add", {"slug": "sanctions"}, text="story two")
    store.add("accept", {"slug": "war"}, text="story two")
    store.add("reject", {"slug": "war"}, text="story two")  # the latest verdict wins
    store.add("accept", {"name": "Vladimir Putin", "label": "PERSON"}, text="story one")
    store.add("accept", {"slug": "unknown"}, text="story one")
    FeedbackStore(tmp_path / "f.db").add("accept", {"slug": "war"}, text="hashed story")
    rows = store.training_rows(known_topics={"war", "censorship", "sanctions"})
    assert rows.texts == ["story one", "story two"]
    assert rows.positives == [["war"], ["sanctions"]]
    assert rows.negatives == [["censorship"], ["war"]]
    assert rows.verdicts == 8
    assert sum(rows.skipped.values()) == 3
    assert any("hash only" in reason for reason in rows.skipped)


def test_feedback_store_rejects_bad_input(tmp_path):
    from tagger.errors import BadInputError, ConfigurationError

    store = FeedbackStore(tmp_path / "f.db")
    with pytest.raises(BadInputError, match="verdict"):
        store.add("maybe", {"slug": "war"}, text="a")
    with pytest.raises(BadInputError, match="text_id"):
        store.add("accept", {"slug": "war"})
    with pytest.raises(BadInputError, match="slug"):
        store.add("accept", {"label": "PERSON"}, text="a")
    with pytest.raises(ConfigurationError, match="does not exist"):
        FeedbackStore(tmp_path / "missing" / "f.db")
    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello " * 1000)
    with pytest.raises(ConfigurationError, match="cannot be used"):
        FeedbackStore(not_a_db)
    assert json.loads(json.dumps(store.rows())) == []


# -- feedback that trains the model ---------------------------------------------------------------
@pytest.mark.slow
def test_train_folds_feedback_in(default, tmp_path):
    from typer.testing import CliRunner

    from tagger.cli import app as cli
    from tagger.io import read_table
    from tests.conftest import ROOT

    corpus = read_table(ROOT / "data" / "corpus" / "news_topics.jsonl").iloc[:150]
    data = tmp_path / "train.jsonl"
    corpus.to_json(data, orient="records", lines=True)
    war_story = next(r.text for r in corpus.itertuples() if "war" in r.tags)
    db = tmp_path / "feedback.sqlite3"
    with TestClient(create_app(feedback_db=db, keep_text=True, tagger=default)) as c:
        for text, tag, verdict in [
            (war_story, {"slug": "war"}, "reject"),  # corrects a training row
            (STORY, {"slug": "censorship"}, "add"),  # a new row
            (STORY, {"slug": "tech-platforms"}, "accept"),
            (STORY, {"slug": "sanctions"}, "reject"),
            (STORY, {"name": "MAX", "label": "APP"}, "accept"),  # entities: not for topics
        ]:
            r = c.post("/v1/feedback", json={"text": text, "tag": tag, "verdict": verdict})
            assert r.status_code == 201
    FeedbackStore(db).add("accept", {"slug": "war"}, text="an embargoed story")  # hash only

    def train(out: str, *extra: str):
        args = ["train", str(data), "--text-col", "text", "-o", str(tmp_path / out), *extra]
        return CliRunner().invoke(cli, args)

    base = train("a")
    assert base.exit_code == 0, base.output
    fed = train("b", "--feedback", str(db))
    assert fed.exit_code == 0, fed.output
    assert "hash only" in fed.output and "1 added" in fed.output

    before = json.loads((tmp_path / "a" / "manifest.json").read_text())["training_data"]
    after = json.loads((tmp_path / "b" / "manifest.json").read_text())["training_data"]
    assert "feedback" not in before
    folded = after["feedback"]
    assert folded["verdicts"] == 6 and folded["stories"] == 2
    assert (folded["positives"], folded["negatives"]) == (2, 2)
    assert (folded["rows_corrected"], folded["rows_added"]) == (1, 1)
    assert sum(folded["not_used"].values()) == 2
    assert after["rows_used"] == before["rows_used"] + 1
    counts_before, counts_after = before["label_counts"], after["label_counts"]
    assert counts_after["war"] == counts_before["war"] - 1
    assert counts_after["censorship"] == counts_before["censorship"] + 1
    assert counts_after["sanctions"] == counts_before["sanctions"]
    card = (tmp_path / "b" / "MODEL_CARD.md").read_text()
    assert "feedback folded in: 6 verdicts on 2 stories" in card and "1 added" in card

    missing = train("c", "--feedback", "nope.db")
    assert missing.exit_code == 2 and "nope.db does not exist" in missing.output


# -- tagger serve -------------------------------------------------------------------------------
def test_serve_rejects_bad_options(tmp_path):
    from typer.testing import CliRunner

    from tagger.cli import app as cli

    runner = CliRunner()
    workers = runner.invoke(cli, ["serve", "--workers", "0"])
    assert workers.exit_code == 2 and "--workers must be at least 1" in workers.output
    model = runner.invoke(cli, ["serve", "--model", str(tmp_path)])
    assert model.exit_code == 2 and "is not a model bundle" in model.output
    db = runner.invoke(cli, ["serve", "--feedback-db", str(tmp_path / "no" / "f.db")])
    assert db.exit_code == 2 and "does not exist" in db.output


@pytest.mark.slow
def test_tagger_serve_runs_on_loopback_and_keeps_text_out_of_logs(tmp_path):
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "TAGGER_API_KEY"}
    command = [sys.executable, "-m", "tagger", "serve", "--port", str(port), "--feedback-db"]
    proc = subprocess.Popen(
        [*command, str(tmp_path / "f.db")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # uvicorn's access log goes to stdout
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        r = httpx.post(f"{url}/v1/tag", json={"text": STORY}, timeout=30)
        assert r.status_code == 200 and r.json()["entities"]
        fb = {"text": STORY, "tag": {"slug": "censorship"}, "verdict": "accept"}
        assert httpx.post(f"{url}/v1/feedback", json=fb, timeout=30).status_code == 201
        assert "tagger" in httpx.get(url, timeout=5).text
        # a key in the URL is refused, and no query string reaches the access log
        leaked = httpx.post(f"{url}/v1/tag?api_key=SECRETKEY1", json={"text": "x"}, timeout=30)
        assert leaked.status_code == 400 and "Authorization" in leaked.json()["detail"]
        assert httpx.get(f"{url}/v1/taxonomy?q=SECRETQUERY2", timeout=30).status_code == 200
    finally:
        proc.terminate()
        log, _ = proc.communicate(timeout=30)
    assert f"Uvicorn running on http://127.0.0.1:{port}" in log
    assert "service is OPEN" in log
    assert "POST /v1/tag" in log and STORY[:30] not in log
    assert "GET /v1/taxonomy" in log
    assert "SECRETKEY1" not in log and "SECRETQUERY2" not in log


def test_a_story_with_only_rejections_is_not_a_training_row(tmp_path):
    from tagger.training import fold_feedback

    db = tmp_path / "fb.sqlite3"
    FeedbackStore(db, keep_text=True).add("reject", {"slug": "war"}, text="A new story.")
    with pytest.warns(UserWarning, match="only rejections"):
        texts, labels, info = fold_feedback(["old"], [["war"]], {"war"}, db)
    assert texts == ["old"] and labels == [["war"]]
    assert info["rows_added"] == 0 and info["not_used"]


def test_openapi_shows_the_shape_of_every_answer(client):
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert {"TagResponse", "BatchResponse", "TaxonomyResponse", "ModelResponse", "HealthResponse"} <= set(schemas)  # fmt: skip
    assert "suggested" in schemas["EntityOut"]["properties"]
    ok = spec["paths"]["/v1/tag"]["post"]["responses"]["200"]["content"]["application/json"]
    assert ok["schema"]["$ref"].endswith("/TagResponse")
