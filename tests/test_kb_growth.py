"""The grown knowledge base (issue 12, item 3): news organisations, where each row and id came from."""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict

import pytest

from tagger.knowledge import KnowledgeBase, default_kb_dir

from .conftest import ROOT, SHARED, shared_file

CURATED = ROOT / "data" / "kb" / "curated"
SOURCES = {
    "organisations.csv": {"curated", "gazetteers/kb/organisations.csv"},
    "people.csv": {"curated", "gazetteers/kb/officeholders.csv"},
}


def rows(table: str) -> list[dict[str, str]]:
    with (default_kb_dir() / table).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def key(text: str) -> str:
    """The build script's comparison: case, accents, '(disambiguators)', honorifics do not matter."""
    text = re.sub(r"\s*\([^)]*\)", "", text)
    text = re.sub(r"^(Dr\.\s*|Dr\s+|Shri\s+|H\.E\.\s+)", "", text.strip())  # honorifics
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c)).replace("’", "'")
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.mark.parametrize(
    ("alias", "name"),
    [
        ("Labour Party", "Labour Party"),
        ("UN Security Council", "UN Security Council"),
        ("United Nations Security Council", "UN Security Council"),
        ("SWIFT", "SWIFT"),
        ("ICJ", "International Court of Justice"),
        ("Bank of Russia", "Central Bank of Russia"),
        ("MTN", "MTN"),
        ("Airtel", "Airtel"),
        ("Telenor", "Telenor"),
        ("Vodafone Egypt", "Vodafone Egypt"),
        ("Nigerian Communications Commission", "Nigerian Communications Commission"),
        ("the Pentagon", "US Department of Defense"),
        ("Tories", "Conservative Party"),
        ("ECOSOC", "UN Economic and Social Council"),
        ("Bundesbank", "Deutsche Bundesbank"),
        ("Ofcom", "Ofcom"),
        # stop 28: state bodies of 109 countries, telecom operators of 120
        ("Danish Defence Ministry", "Ministry of Defence of Denmark"),
        ("Telenor Pakistan", "Telenor Pakistan"),
        ("Mobilink", "Jazz Pakistan"),
        ("Airtel Kenya", "Airtel Kenya"),
    ],
)
def test_news_organisations_resolve(kb, alias, name):
    entry = kb.lookup(alias)
    assert entry is not None and (entry.name, entry.label) == (name, "ORG"), alias


def test_size_stays_reasonable():
    orgs = rows("organisations.csv")
    assert 5000 <= len(orgs) <= 10000  # memory: benchmarks/results/memory.json
    assert sum(1 for r in orgs if r["qid"]) >= 500


@pytest.mark.parametrize("table", sorted(SOURCES))
def test_every_row_names_its_source(table):
    for row in rows(table):
        assert row["source"] in SOURCES[table], row["name"]
        if row["source"] != "curated":
            assert row["qid"] and row["qid_source"] == row["source"], row["name"]


def test_curated_inputs_carry_no_identifiers():
    with (CURATED / "organisations.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert "qid" not in (reader.fieldnames or [])
        for row in reader:
            assert not any(re.search(r"\bQ\d{2,}\b", v or "") for v in row.values()), row
    text = (CURATED / "exclusions.csv").read_text(encoding="utf-8")
    assert not re.search(r"\bQ\d{2,}\b", text)


@pytest.mark.parametrize("table", sorted(SOURCES))
def test_every_qid_is_listed_in_its_source_under_a_matching_name(table):
    shared_file("gazetteers", "kb", "organisations.csv")  # skip where ../shared is absent
    names: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path, qid_col, name_cols in (
        ("gazetteers/kb/organisations.csv", "qid", ("name", "aliases")),
        ("gazetteers/kb/aliases.csv", "qid", ("name", "alias")),
        ("gazetteers/kb/officeholders.csv", "person_qid", ("person_name",)),
    ):
        with (SHARED / path).open(encoding="utf-8", newline="") as handle:
            for r in csv.DictReader(handle):
                for col in name_cols:
                    names[path][r[qid_col]].update(key(n) for n in r[col].split("|") if n)
    wl = SHARED / "gazetteers" / "world_leaders"
    for path in sorted(wl.glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for r in csv.DictReader(handle):
                label = r.get("officeholderLabel") or r.get("officeholderlabel") or ""
                names[f"gazetteers/world_leaders/{path.name}"][r["officeholder"]].add(key(label))
    for row in rows(table):
        if not row["qid"]:
            continue
        own = {key(row["name"])} | {key(a) for a in row["aliases"].split("|") if a}
        assert own & names[row["qid_source"]][row["qid"]], (row["name"], row["qid"])


@pytest.mark.parametrize(
    "word", ["Labour", "Council", "Commission", "Parliament", "Court", "Government", "Ministry"]
)
def test_no_bare_generic_word_is_an_organisation_alias(kb, word):
    """A word that is also an ordinary word is at most an ambiguous alias ("Labour"), which counts
    only where the base model reads exactly it as a name."""
    entry = kb.lookup(word)
    assert entry is None or entry.label != "ORG" or entry.aliases.get(word) == "ambiguous", word


def test_ordinary_use_of_a_party_word_is_not_the_party(default):
    names = {
        e.name for e in default.tag("Labour costs rose sharply in March, the survey said.").entities
    }
    assert "Labour Party" not in names


def test_the_article_does_not_hand_an_organisation_to_its_country(default):
    tags = default.tag("The company won a contract with the US Navy and the UK Treasury last week.")
    found = {e.name: e.label for e in tags.entities}
    assert found.get("US Navy") == "ORG" and found.get("HM Treasury") == "ORG"


def test_dotted_initials_keep_the_longer_name(default):
    # American wire style ("the U.N. refugee agency", AP); before the dotted variants the bare
    # "U.N." won and the story was tagged United Nations instead of UNHCR
    tags = default.tag("The U.N. refugee agency said two million people had fled the fighting.")
    assert [e.name for e in tags.entities] == ["UNHCR"]


def test_parties_and_regulators_in_a_story(default):
    tags = default.tag(
        "The Tories and the Lib Dems attacked the plan. Ofcom and the Nigerian Communications "
        "Commission fined MTN and Airtel, and Russian banks were cut off from SWIFT."
    )
    found = {e.name: e.label for e in tags.entities}
    for name in ("Conservative Party", "Liberal Democrats", "Ofcom", "MTN", "Airtel", "SWIFT"):
        assert found.get(name) == "ORG", name
    assert found.get("Nigerian Communications Commission") == "ORG"


@pytest.mark.parametrize(
    ("alias", "name", "label"),
    [
        ("Lord Falconer", "Charles Falconer", "PERSON"),  # a peer as British papers name him
        ("Charles Falconer", "Charles Falconer", "PERSON"),  # an office holder of 2003-07
        ("Tor Browser", "Tor Browser", "APP"),  # the browser, not the network
        ("Tor Browser Bundle", "Tor Browser", "APP"),
        ("Kazaa", "Kazaa", "APP"),
        ("obfsproxy", "obfsproxy", "APP"),
    ],
)
def test_people_and_apps_of_older_and_technical_news_resolve(kb, alias, name, label):
    entry = kb.lookup(alias)
    assert entry is not None and (entry.name, entry.label) == (name, label), alias


def test_a_peers_source_name_becomes_name_and_title():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_kb", ROOT / "data" / "kb" / "build_kb.py")
    assert spec and spec.loader
    build_kb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_kb)
    assert build_kb.peerage("Charles Falconer, Baron Falconer of Thoroton") == ("Charles Falconer", "Lord Falconer")  # fmt: skip
    assert build_kb.peerage("Sally Morgan, Baroness Morgan of Huyton") == ("Sally Morgan", "Baroness Morgan")  # fmt: skip
    assert build_kb.peerage("Keir Starmer") == ("Keir Starmer", "")


def test_companies_the_base_model_misreads_are_found_by_name(default):
    """BBC tech style (2004): the base model reads "Symantec" as a nationality, "F-Secure" as a
    product and "Webroot" as a person; the knowledge base knows them as organisations."""
    text = (
        "Security firms Symantec and F-Secure said the virus spread fast. Webroot, which sells "
        "anti-spyware software, said 90% of PCs were infected."
    )
    found = {e.name: e.label for e in default.tag(text).entities}
    assert {found.get(n) for n in ("Symantec", "F-Secure", "Webroot")} == {"ORG"}, found


def test_a_1980s_leader_named_by_title_is_that_person(default):
    """Reuters 1987 style: "President Reagan" and "Soviet leader Gorbachev"; neither is in the
    office-holder source, both are curated rows (no id: none of the sources has one)."""
    text = "President Reagan met Soviet leader Gorbachev in Geneva. Reagan said talks went well."
    people = {e.name: e for e in default.tag(text).entities if e.label == "PERSON"}
    assert set(people) == {"Ronald Reagan", "Mikhail Gorbachev"}, people
    assert people["Ronald Reagan"].count == 2


def test_sports_clubs_are_bodies_and_their_towns_stay_places(default):
    """CoNLL-2003's results tables and any sports story name clubs by their full names
    ("Atletico Madrid", "Newcastle United"); the town alone, or a district that a club is also
    called after, stays a place ("Police in Tottenham")."""
    found = {
        e.name: e.label
        for e in default.tag(
            "Atletico Madrid agreed a fee with Newcastle United for the striker, beating Bayern "
            "Munich. Police in Tottenham arrested two men. Madrid was hot."
        ).entities
    }
    assert found.get("Atletico Madrid") == "ORG" and found.get("Newcastle United") == "ORG"
    assert found.get("Bayern Munich") == "ORG", found
    assert found.get("Tottenham") == "LOCATION" and found.get("Madrid") == "LOCATION", found
    assert "Newcastle" not in found and "Munich" not in found, found
