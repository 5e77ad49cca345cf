"""The knowledge-base tables and their look-ups."""

from __future__ import annotations

import csv
import re
import shutil

import pycountry
import pytest

from tagger.errors import ConfigurationError
from tagger.knowledge import KnowledgeBase, default_kb_dir, normalise


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def rows(table: str) -> list[dict[str, str]]:
    with (default_kb_dir() / table).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_normalise_ignores_case_accents_articles_and_possessives():
    assert normalise("The Kremlin's") == normalise("kremlin")
    assert normalise("Orbán") == normalise("ORBAN")
    assert normalise("  Zelenskyy’s ") == "zelenskyy"


def test_sizes_meet_what_a_newsroom_needs(kb):
    sizes = kb.sizes()
    assert sizes["APP"] >= 80 and sizes["PERSON"] >= 300 and sizes["COUNTRY"] >= 193
    assert sizes["ORG"] >= 100 and sizes["LOCATION"] >= 50


@pytest.mark.parametrize(
    ("alias", "name", "label"),
    [
        ("Russian Federation", "Russia", "COUNTRY"),
        ("the US", "United States", "COUNTRY"),
        ("Britain", "United Kingdom", "COUNTRY"),
        ("Kiev", "Kyiv", "LOCATION"),
        ("Zelenskiy", "Volodymyr Zelenskyy", "PERSON"),
        ("State Services", "Gosuslugi", "APP"),
        ("Twitter", "X", "APP"),
        ("NATO", "NATO", "ORG"),
    ],
)
def test_aliases_resolve_to_canonical_entries(kb, alias, name, label):
    entry = kb.lookup(alias)
    assert entry is not None and (entry.name, entry.label) == (name, label)


def test_country_ids_are_iso_alpha3_from_pycountry():
    """Current countries, and the former ones older news names (ISO 3166-3: Soviet Union)."""
    former = {"SUN", "CSK", "DDR", "YUG"}
    for row in rows("countries.csv"):
        code = row["alpha_3"]
        current = pycountry.countries.get(alpha_3=code)
        historic = pycountry.historic_countries.get(alpha_3=code)
        assert current is not None or (code in former and historic is not None), row["name"]


def test_a_former_country_in_older_news_is_that_country(kb):
    """Reuters 1987 style: "the Soviet Union", "Soviet envoy", "East German officials"."""
    assert kb.lookup("Soviet").name == "Soviet Union" and kb.lookup("USSR").id == "SUN"
    assert kb.lookup("East German").name == "East Germany"
    assert kb.lookup("West Germany").name == "Germany"


@pytest.mark.parametrize("table", ["people.csv", "organisations.csv", "apps.csv"])
def test_every_qid_names_its_source_table(table):
    for row in rows(table):
        if row["qid"]:
            assert re.fullmatch(r"Q\d+", row["qid"]) and row["qid_source"], row["name"]
        else:
            assert not row["qid_source"]


def test_a_missing_table_is_a_configuration_error(tmp_path):
    for table in ("countries.csv", "places.csv", "people.csv", "organisations.csv"):
        shutil.copy(default_kb_dir() / table, tmp_path / table)
    with pytest.raises(ConfigurationError, match=r"apps\.csv is missing"):
        KnowledgeBase.load(tmp_path)


def test_initials_with_or_without_stops_are_the_same_name():
    """BBC style: "George W Bush" for the KB's "George W. Bush"; "J. P. Morgan" and "J.P. Morgan"."""
    assert normalise("George W Bush") == normalise("George W. Bush")
    assert normalise("J. P. Morgan") == normalise("J.P. Morgan")
    assert normalise("U.S.") == normalise("US")
