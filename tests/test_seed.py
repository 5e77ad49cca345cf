"""The seed page, tried as a new user would: ``tagger tag --file ... --json``, judged by
../shared/checks/seed_tags.py (skipped where ../shared is absent)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from tagger.cli import app

from .conftest import SEED, shared_file


@pytest.fixture(scope="module")
def seed_json(tmp_path_factory) -> str:
    page = shared_file("seed", SEED.name)
    result = CliRunner().invoke(app, ["tag", "--file", str(page), "--json"])
    assert result.exit_code == 0, result.output
    path = tmp_path_factory.mktemp("seed") / "seed.json"
    path.write_text(result.output, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("what", ["entities", "topics"])
def test_seed_page_passes_the_editors_check(seed_json, what):
    check = shared_file("checks", "seed_tags.py")
    run = subprocess.run(
        [sys.executable, str(check), seed_json, what], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_seed_entities_come_from_the_article_body(seed_json):
    with open(seed_json, encoding="utf-8") as handle:
        data = json.load(handle)
    top = data["entities"][:10]
    body_start = shared_file("seed", SEED.name).read_text().index("Russia may introduce")
    body_end = shared_file("seed", SEED.name).read_text().index("Support Ukrainska Pravda")
    for entity in top:
        assert any(body_start <= m["start"] < body_end for m in entity["mentions"]) or any(
            m["start"] < body_start for m in entity["mentions"]
        ), entity["name"]
    war = [t for t in data["topics"] if t["slug"] == "war"]
    assert all(t["score"] < data["topics"][2]["score"] for t in war)
