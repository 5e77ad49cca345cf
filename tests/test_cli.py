"""The command line as a user types it."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from tagger.cli import app

runner = CliRunner()


def test_tag_text_prints_a_table():
    result = runner.invoke(app, ["tag", "Vladimir Putin visited Kyiv."])
    assert result.exit_code == 0, result.output
    assert "Vladimir Putin" in result.output and "PERSON" in result.output


def test_tag_file_json_and_stdin(tmp_path):
    story = tmp_path / "story.txt"
    story.write_text("WhatsApp and Telegram were slowed down in Russia.", encoding="utf-8")
    result = runner.invoke(app, ["tag", "--file", str(story), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"WhatsApp", "Telegram", "Russia"} <= {e["name"] for e in data["entities"]}
    piped = runner.invoke(app, ["tag", "--file", "-", "--json"], input=story.read_text())
    assert json.loads(piped.output) == data


def test_html_file_is_reduced_to_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><script>var a='Macron';</script><p>Viktor Orbán spoke in Budapest.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    data = json.loads(runner.invoke(app, ["tag", "-f", str(page), "--json"]).output)
    names = {e["name"] for e in data["entities"]}
    assert "Viktor Orbán" in names and not any("Macron" in n for n in names)


def test_undecodable_file_fails_clearly_or_is_replaced(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"Putin visited Kyiv. " + b"\xff\xfe broken")
    result = runner.invoke(app, ["tag", "-f", str(bad)])
    assert result.exit_code == 2
    assert "bad.txt is not valid UTF-8" in result.output
    ok = runner.invoke(app, ["tag", "-f", str(bad), "--errors", "replace", "--json"])
    assert ok.exit_code == 0 and "Vladimir Putin" in ok.output


def test_missing_file_and_missing_input_are_errors(tmp_path):
    assert runner.invoke(app, ["tag", "-f", str(tmp_path / "nope.txt")]).exit_code == 2
    assert runner.invoke(app, ["tag"]).exit_code == 2


def test_info_lists_versions_and_knowledge_base():
    result = runner.invoke(app, ["info"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["versions"]["spacy"].startswith("3.8")
    assert info["knowledge_base"]["APP"] >= 80 and info["knowledge_base"]["PERSON"] >= 300


def test_one_format_option_for_tag_and_evaluate(tmp_path):
    from typer.testing import CliRunner

    from tagger.cli import app

    runner = CliRunner()
    as_json = runner.invoke(app, ["tag", "--format", "json", "Vladimir Putin spoke in Moscow."])
    assert as_json.exit_code == 0 and json.loads(as_json.output)["entities"]
    refused = runner.invoke(app, ["tag", "--format", "csv", "Putin spoke."])
    assert refused.exit_code == 2 and "--format table|json" in refused.output
    data = tmp_path / "gold.jsonl"
    data.write_text(json.dumps({"body": "Voters went to the polls.", "tags": ["elections"]}) + "\n")
    table = runner.invoke(app, ["evaluate", str(data), "--format", "csv"])
    assert table.exit_code == 0 and table.output.startswith("table,label")
