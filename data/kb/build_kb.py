"""Build the shipped knowledge-base tables in data/kb/ from the curated inputs and the source gazetteers.

Run from anywhere: ``python data/kb/build_kb.py``. Needs ``../shared/gazetteers`` next to the repository
(read-only source tables) and ``pycountry``. Identifiers are never invented here: an organisation's QID is
looked up in the source tables by exact name, a person's QID survives only if a source table holds it under
a matching name, rows taken from a source table keep that table's own QID, and every ISO alpha-3 code is
checked against pycountry. Every shipped row names where it came from (``source``) and where its QID was
found (``qid_source``).
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pycountry

KB = Path(__file__).resolve().parent
CURATED = KB / "curated"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
GAZ = SHARED / "gazetteers"
OFFICEHOLDERS = "gazetteers/kb/officeholders.csv"
WL_WIKIDATA = "gazetteers/world_leaders/everypolitician_world_leaders_wikidata.csv"
WL_WIKIPEDIA = "gazetteers/world_leaders/everypolitician_world_leaders_wikipedia.csv"
ORGANISATIONS = "gazetteers/kb/organisations.csv"
ALIASES = "gazetteers/kb/aliases.csv"
CURATED_SOURCE = "curated"
HONORIFIC = re.compile(r"^(Dr\.\s*|Dr\s+|Shri\s+|H\.E\.\s+)")
# Source aliases too generic or malformed to ship (matched after norm()); more in curated/exclusions.csv.
EXCLUDED = {"council of ministers", "world bank, wb", "high commissioner for refugees"}
ERRORS: list[str] = []
OUTPUT = {  # shipped table -> columns
    "people": [
        "name",
        "aliases",
        "short_aliases",
        "country",
        "role",
        "qid",
        "qid_source",
        "source",
    ],
    "organisations": [
        "name",
        "aliases",
        "kind",
        "country",
        "qid",
        "qid_source",
        "source",
        "ambiguous_aliases",
        "home_aliases",
    ],
    "apps": ["name", "aliases", "former_names", "kind", "owner", "ambiguous", "qid", "qid_source"],
    "places": ["name", "aliases", "country_iso3", "kind"],
    "countries": ["alpha_3", "name", "aliases", "demonyms"],
}

# -- which source rows are news organisations -------------------------------------------------------
# A name made only of these words says nothing about which body it is ("Council of Ministers",
# "National Statistics Office", "Department of Statistics"): such a source row or alias is not shipped.
GENERIC_WORDS = frozenset(
    """the of for and on in to a an at de la le des du et del national central federal state states
    general government cabinet council councils commission commissions committee parliament assembly
    court tribunal bank agency office bureau department ministry ministries minister ministers institute
    institution centre center service services authority board fund programme program organisation
    organization union community secretariat statistics statistical statistic administration
    directorate unit group forum conference executive economy economic finance finances planning
    information republic international regional joint high supreme main chief presidential
    presidency""".split()
)
# supraverden types and name keywords of bodies that news seldom names (fisheries, commodity study
# groups, research infrastructures, schools): left out to keep the table about the news.
NON_NEWS_TYPES = (
    "European Research Infrastructure Consortium",
    "EU joint undertaking",
    "CGIAR entities",
    "FAO statutory body",
)
NON_NEWS_NAME = re.compile(
    r"fisher|tuna|salmon|halibut|marine mammal|albatross|anadromous|coconut|pepper|rubber|nickel|"
    r"copper|lead and zinc|cotton|cocoa|coffee|sugar|grains|olive|vine and wine|timber|bamboo|"
    r"groundnut|locust|agronom|agricultur\w* research|agroforestry|vegetable|crop diversity|plant "
    r"(protection|variet)|new varieties of plants|study group|staff college|pension|examinations|"
    r"schools|universit|faculty|academy|legal education|weights and measures|legal metrology|"
    r"refrigeration|civil status|language|vocational training|living and working conditions|"
    r"translation centre|exhibition bureau|military medicine|tourism ireland|waterways|lights "
    r"commission|safefood|special eu programmes|intertradeireland|tuvalu trust",
    re.I,
)
# agency-registry rows: government agencies and statistics offices; open-data portals are left out.
# The every-politician rows (national cabinets, dated governments) are left
# out too: news does not name "Cabinet of Japan" or "Second Mishustin Cabinet"; the few cabinets news
# does name ("State Council of China", "Swiss Federal Council") are curated rows.
AGENCY_TYPES = ("government agency", "national statistical office", "agency/organisation")
OPEN_DATA_PORTAL = re.compile(r"^open-data portal|data portal", re.I)  # matched on type and name

# -- which office holders are people in the news ---------------------------------------------------
# national-level senior posts held at some time from 2017 on (the source stops in mid-2022)
PERSON_SINCE = 1980
SENIOR_POST = re.compile(
    r"\b(president|prime minister|premier|chancellor|minister|secretary of state|secretary-general|"
    r"secretary general|secretary|governor of (the )?[\w' .]*bank|governor of (the )?banca|"
    r"director|head of|chief of|chairman|chairperson|commander|prosecutor general|chief prosecutor|"
    r"chief justice|king|queen|emir|sultan|taoiseach|speaker|high representative|"
    r"national security advis[oe]r|attorney[- ]general|treasurer)\b",
    re.I,
)
JUNIOR_POST = re.compile(
    r"deputy minister|vice[- ]minister|under[- ]?secretary|state secretary|minister of state|"
    r"parliamentary|assistant|junior|lieutenant|permanent representative|ambassador|"
    r"provinc|prefecture|county|oblast|krai|okrug|chief minister|mayor|regional|community|"
    r"generalitat|junta|xunta|autonomous|canton|länder|\bland |governor of (?!the )|judge|justice of|"
    r"supreme court justice|vice[- ]president of the (senate|chamber|house|legislative|parliament|"
    r"national people)|president of the (senate|legislative council|house|chamber|regional)|"
    r"speaker of the (house of assembly|legislative assembly)|without portfolio|press secretary|"
    r"deputy (attorney|chief|director|head|secretary|chairman of the (?!government))|policy unit|"
    r"communications director|chief of staff to|principal private|political director|"
    r"white house deputy|deputy national|sami|svalbard|falkland|pitcairn|puducherry|delhi|"
    r"andaman|ladakh|jammu|puerto rico|guam|virgin islands|mariana|american samoa|"
    r"brussels|flemish|walloon|german-speaking|french community|quebec|ontario|alberta|manitoba|"
    r"british columbia|saskatchewan|nova scotia|new brunswick|newfoundland|prince edward|"
    r"queensland|victoria|tasmania|new south wales|western australia|south australia|"
    r"northern territory|capital territory|crimea|sevastopol|gagauzia|trentino|catalonia|basque|"
    r"galicia|andalusia|aragon|murcia|asturias|canary|balearic|madrid|valencia|melilla|ceuta|"
    r"district|executive committee|council of deputies|territor|yukon|nunavut|^deputy premier$|"
    r"flanders|wallonia|metropolitan|sakha|"
    r"^chief justice$|legislative assembly",
    re.I,
)
# "President of X", "Premier of X", "Secretary of State of X": national only when X is the country
HEAD_OF_PLACE = re.compile(
    r"^(?:vice[- ])?(?:president|premier|governor|chief justice|speaker|secretary of state) of "
    r"(?!the\b)(.+)$",
    re.I,
)

Index = dict[str, dict[str, set[str]]]  # qid -> source file -> names


def norm(text: str) -> str:
    """Case- and accent-insensitive key; drops '(politician)'-style disambiguators."""
    text = re.sub(r"\s*\([^)]*\)", "", text)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("`", "'").replace("ʻ", "'").replace("‐", "-")
    return re.sub(r"\s+", " ", text).strip()


def split(cell: str) -> list[str]:
    """Split a '|'-separated cell into clean values."""
    return [v.strip() for v in (cell or "").split("|") if v.strip()]


def read(path: Path) -> list[dict[str, str]]:
    """Read a UTF-8 CSV file as a list of dicts."""
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def write(name: str, rows: list[dict[str, str]], fields: list[str]) -> None:
    """Write a shipped table next to this script."""
    with (KB / name).open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)


def is_latin(text: str) -> bool:
    """True when every letter in text is Latin script."""
    return all("LATIN" in unicodedata.name(c, "") for c in text if c.isalpha())


def is_generic(text: str) -> bool:
    """True when a name is made only of generic words ("Council of Ministers", "Statistics Office")."""
    words = re.findall(r"[^\W\d_]+", norm(text))
    return not words or all(w in GENERIC_WORDS for w in words)


def is_acronym(text: str) -> bool:
    """'ECB', 'EU-OSHA', 'CARICOM': no lower-case letter and no space."""
    return " " not in text and not any(c.islower() for c in text)


def tidy(alias: str, person: bool) -> str:
    """Clean a source variant: no disambiguator or honorific; for people 'KISHIDA Fumio' -> 'Kishida Fumio'."""
    alias = HONORIFIC.sub("", re.sub(r"\s*\([^)]*\)", "", alias)).strip()
    if not person:
        return alias
    return " ".join(t.capitalize() if t.isupper() and len(t) > 1 else t for t in alias.split())


def peerage(name: str) -> tuple[str, str]:
    """'Charles Falconer, Baron Falconer of Thoroton' -> ('Charles Falconer', 'Lord Falconer'):
    British papers name a peer by title ("Lord Falconer", "Baroness Morgan"), editors by name."""
    m = re.fullmatch(r"(.+?), (Baron|Baroness|Viscount|Earl|Lord|Lady) (\S+)( of .*)?", name)
    if not m:
        return name, ""
    title = "Baroness" if m.group(2) in ("Baroness", "Lady") else "Lord"
    return m.group(1), f"{title} {m.group(3)}"


def year(text: str) -> int | None:
    """The year of an ISO-ish date ('2019', '2019-05', '2019-05-20'), or None."""
    m = re.match(r"(\d{4})", text or "")
    return int(m.group(1)) if m else None


class Sources:
    """The source gazetteers, indexed by QID and by name."""

    def __init__(self) -> None:
        self.people: Index = defaultdict(lambda: defaultdict(set))
        self.orgs: Index = defaultdict(lambda: defaultdict(set))
        self.person_alias: dict[str, list[str]] = defaultdict(list)
        self.org_alias: dict[str, list[str]] = defaultdict(list)
        self.org_rows = read(SHARED / ORGANISATIONS)
        self.holders = read(SHARED / OFFICEHOLDERS)
        for r in self.holders:
            self.people[r["person_qid"]][OFFICEHOLDERS].add(r["person_name"])
        for src, q, label in (
            (WL_WIKIDATA, "officeholder", "officeholderLabel"),
            (WL_WIKIPEDIA, "officeholder", "officeholderlabel"),
        ):
            for r in read(SHARED / src):
                self.people[r[q]][src].add(r[label])
        for r in self.org_rows:
            self.orgs[r["qid"]][ORGANISATIONS].update([r["name"], *split(r["aliases"])])
            self.org_alias[r["qid"]] += [r["name"], *split(r["aliases"])]
        for r in read(SHARED / ALIASES):
            index = self.people if r["entity_kind"] == "person" else self.orgs
            index[r["qid"]][ALIASES].update([r["name"], r["alias"]])
            if r["entity_kind"] == "person":
                self.person_alias[r["qid"]].append(r["alias"])
            elif r["lang"] == "en" and not r["alias_type"].startswith("former"):
                self.org_alias[r["qid"]].append(r["alias"])
        for (
            qid,
            by_file,
        ) in self.people.items():  # every source spelling of a person is a variant too
            self.person_alias[qid] += sorted(set().union(*by_file.values()))
        # English name -> QID -> files, for looking up curated organisations by exact name: the
        # primary names (a row's own label) and every English name (labels and English aliases)
        self.org_primary: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.org_english: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for r in self.org_rows:
            self.org_primary[norm(r["name"])][r["qid"]].add(ORGANISATIONS)
            for n in [r["name"], *split(r["aliases"])]:
                self.org_english[norm(n)][r["qid"]].add(ORGANISATIONS)
        for r in read(SHARED / ALIASES):
            if r["entity_kind"] == "organisation":
                self.org_primary[norm(r["name"])][r["qid"]].add(ALIASES)
                self.org_english[norm(r["name"])][r["qid"]].add(ALIASES)
                if r["lang"] == "en":
                    self.org_english[norm(r["alias"])][r["qid"]].add(ALIASES)
        # English variant -> QIDs that carry it: a variant two bodies share is not imported
        self.variant_owners: dict[str, set[str]] = defaultdict(set)
        for qid, variants in self.org_alias.items():
            for v in variants:
                self.variant_owners[norm(tidy(v, False))].add(qid)


def verify_qid(row: dict[str, str], index: Index, table: str) -> None:
    """Keep row['qid'] only if a source file lists it under the row's name or one of its aliases."""
    qid, row["qid_source"] = row.get("qid", "").strip(), ""
    row["qid"] = ""
    if not qid:
        return
    names = {norm(row["name"])} | {norm(a) for a in split(row.get("aliases", ""))}
    for src, src_names in index.get(qid, {}).items():
        if names & {norm(n) for n in src_names}:
            row["qid"], row["qid_source"] = qid, src
            return
    known = sorted(set().union(*index[qid].values()))[:3] if qid in index else None
    why = f"source names {known}" if known else "not in any source file"
    print(f"WARNING {table}: dropped {qid} for {row['name']!r} ({why})")


def lookup_org_qid(row: dict[str, str], src: Sources) -> str:
    """Find a curated organisation's QID in the source tables by exact (normalised) English name.

    Only names with a space or of six letters or more are compared: a short form such as 'FSO', 'NSA'
    or 'BoE' names different bodies in different sources. The canonical name is tried before the
    aliases, and a body's own label before its other names. The first try that matches exactly one
    source entity gives the QID; one that matches several leaves the field empty. Returns a note for
    the build log.
    """
    row["qid"], row["qid_source"] = "", ""

    def usable(text: str) -> bool:
        return " " in text.strip() or len(text.strip()) >= 6

    name = [norm(row["name"])] if usable(row["name"]) else []
    aliases = [norm(a) for a in split(row.get("aliases", "")) if usable(a)]
    for keys, index in (
        (name, src.org_primary),
        (name, src.org_english),
        (aliases, src.org_primary),
        (aliases, src.org_english),
    ):
        found: dict[str, set[str]] = defaultdict(set)
        for key in keys:
            for qid, files in index.get(key, {}).items():
                found[qid] |= files
        if len(found) == 1:
            qid, files = next(iter(found.items()))
            row["qid"] = qid
            row["qid_source"] = ORGANISATIONS if ORGANISATIONS in files else sorted(files)[0]
            return ""
        if len(found) > 1:
            return f"{row['name']!r}: several source entities match {sorted(found)}, qid left empty"
    return ""


class CountryCodes:
    """Country name or ISO alpha-2 code (as the sources write them) -> alpha-3, via pycountry."""

    def __init__(self, countries: list[dict[str, str]]) -> None:
        self.by_name: dict[str, str] = {}
        for row in countries:
            for n in [row["name"], *split(row["aliases"])]:
                self.by_name.setdefault(norm(n), row["alpha_3"])

    def __call__(self, text: str) -> str:
        text = (text or "").strip()
        if not text or text in ("EU", "ZZ", "international", "International"):
            return ""
        if len(text) == 2:
            found = pycountry.countries.get(alpha_2="GB" if text == "UK" else text)
            return found.alpha_3 if found else ""
        if norm(text) in self.by_name:
            return self.by_name[norm(text)]
        try:
            return pycountry.countries.lookup(text).alpha_3
        except LookupError:
            return ""


def org_kind(row: dict[str, str]) -> str:
    """A short kind for a source organisation, from its source type and name."""
    name, kind = row["name"], row["type"]
    money = re.search(r"\b(bank|fund|finance corporation|investment|monetary)\b", name, re.I)
    if kind.startswith("national statistical office"):
        return "statistics office"
    if kind.startswith("government agency"):
        return "government agency"
    if kind.startswith("agency/organisation"):
        return "organisation"
    if "EU institution;" in kind:
        return "EU institution"
    if re.search(r"\b(court|tribunal|judicial)\b", name, re.I):
        return "international court"
    if re.search(r"EU (decentralised|executive) agency|EU common foreign", kind):
        return "EU agency"
    if "EU " in kind:
        return "EU body"
    if "UN specialized agency" in kind:
        return "international financial institution" if money else "UN agency"
    if "UN and affiliates" in kind:
        return (
            "international financial institution"
            if re.search(r"bank|finance", name, re.I)
            else "UN body"
        )
    if money:
        return "international financial institution"
    return "international organisation"


def editor_name(row: dict[str, str], src: Sources) -> str:
    """The name an editor would write: the source label with a capital, and 'UN ...' for a
    'United Nations ...' body whose source variants include that short form."""
    name = tidy(row["name"], False)
    name = name[:1].upper() + name[1:]
    if name.startswith("United Nations "):
        short = "UN " + name[len("United Nations ") :]
        if norm(short) in {norm(v) for v in src.org_alias.get(row["qid"], [])}:
            return short
    return name


def junk_variant(alias: str, name: str) -> bool:
    """Source variants that are not names: 'X, U.S.', 'X, Department of Justice', 'fhfa.gov',
    'U. S. G. S.', 'United States. Dept. of ...'."""
    return bool(
        re.match(re.escape(name) + r"\s*[,(]", alias)
        or re.search(r"\b\w\. \w\. ", alias)
        or re.search(r"[a-z]{2,}\. [A-Z]", alias)
        or re.fullmatch(r"[\w.-]+\.(gov|org|com|mn|uk|net)", alias)
        or re.search(r"\b(USA|HHS|NPS)$", alias)
    )


def select_orgs(
    src: Sources,
    curated: list[dict[str, str]],
    claimed: set[str],
    codes: CountryCodes,
    excluded: set[str],
) -> tuple[list[dict[str, str]], Counter[str]]:
    """Organisations taken from gazetteers/kb/organisations.csv, by type and keywords.

    Skipped: bodies a curated row already covers (same QID or a name it claims), generic or duplicate
    names, non-Latin names, open-data portals, dated governments, and the non-news kinds above.
    """
    used_qids = {r["qid"] for r in curated if r["qid"]}
    names = Counter(norm(tidy(r["name"], False)) for r in src.org_rows)
    out: list[dict[str, str]] = []
    why: Counter[str] = Counter()
    seen: set[str] = set()
    for r in src.org_rows:
        repo, kind = r["source_repo"], r["type"]
        name = editor_name(r, src)
        key = norm(name)
        if repo == "confirmordeny/supraverden":
            if any(t in kind for t in NON_NEWS_TYPES) or NON_NEWS_NAME.search(name):
                why["not a news body (type or keyword)"] += 1
                continue
        elif repo == "integrateddatasvc/agency-registry":
            if not kind.startswith(AGENCY_TYPES) or OPEN_DATA_PORTAL.search(f"{kind} {name}"):
                why["open-data portal"] += 1
                continue
        else:
            why["national cabinet or dated government"] += 1
            continue
        if r["qid"] in used_qids or r["qid"] in seen:
            why["covered by a curated row"] += 1
            continue
        if key in claimed:
            why["name claimed by another entry"] += 1
            continue
        if key in excluded:
            why["excluded in curated/exclusions.csv"] += 1
            continue
        if is_generic(name) or names[norm(tidy(r["name"], False))] > 1 or not is_latin(name):
            why["generic, shared or non-Latin name"] += 1
            continue
        seen.add(r["qid"])
        out.append(
            {
                "name": name,
                "aliases": "",
                "kind": org_kind(r),
                "country": codes(r["country"]),
                "qid": r["qid"],
                "qid_source": ORGANISATIONS,
                "source": ORGANISATIONS,
            }
        )
    return out, why


def select_people(
    src: Sources,
    curated: list[dict[str, str]],
    claimed: set[str],
    codes: CountryCodes,
    excluded: set[str],
) -> tuple[list[dict[str, str]], Counter[str]]:
    """Office holders taken from gazetteers/kb/officeholders.csv: national senior posts since 2017."""
    used_qids = {r["qid"] for r in curated if r["qid"]}
    by_person: dict[str, list[dict[str, str]]] = defaultdict(list)
    names: dict[str, set[str]] = defaultdict(set)
    for r in src.holders:
        names[norm(tidy(r["person_name"], True))].add(r["person_qid"])
        start, end = year(r["start"]), year(r["end"])
        recent = (end is None and start is not None and start >= 1995) or (
            end is not None and end >= PERSON_SINCE
        )
        post = re.sub(r"\s*\([^)]*\)", "", r["position_label"]).strip()
        place = HEAD_OF_PLACE.match(post)
        if place and codes(place.group(1)) != codes(r["country"]):
            continue  # a region's president or premier, a US state's secretary of state
        if recent and SENIOR_POST.search(post) and not JUNIOR_POST.search(post):
            by_person[r["person_qid"]].append(r)
    out: list[dict[str, str]] = []
    why: Counter[str] = Counter()
    for qid, rows in by_person.items():
        rows.sort(key=lambda r: (r["start"] or "", r["end"] or "9999"), reverse=True)
        name, peer_alias = peerage(tidy(rows[0]["person_name"], True))
        key = norm(name)
        if qid in used_qids:
            why["already curated"] += 1
            continue
        if not is_latin(name) or len(name.split()) < 2 or any(c.isdigit() for c in name):
            why["non-Latin or one-word name"] += 1
            continue
        if key in claimed or key in excluded:
            why["name claimed by another entry or excluded"] += 1
            continue
        if len(names[key]) > 1:
            why["two source people share the name"] += 1
            continue
        posts = []
        for r in rows:
            span = f"{year(r['start']) or '?'}-{year(r['end']) or ''}"
            where = "" if r["country"] in r["position_label"] else f" ({r['country']})"
            text = f"{r['position_label']}{where} {span}"
            if text not in posts:
                posts.append(text)
        out.append(
            {
                "name": name,
                "aliases": peer_alias,
                "short_aliases": "",
                "country": codes(rows[0]["country"]),
                "role": "; ".join(posts[:2]),
                "qid": qid,
                "qid_source": OFFICEHOLDERS,
                "source": OFFICEHOLDERS,
            }
        )
        claimed.add(key)
    return out, why


def known_code(code: str) -> object | None:
    """The ISO 3166 country of an alpha-3 code: a current one, or a former one (ISO 3166-3: the
    Soviet Union, Yugoslavia, Czechoslovakia, East Germany) that archives of older news name."""
    return pycountry.countries.get(alpha_3=code) or pycountry.historic_countries.get(alpha_3=code)


def check_iso3(table: str, row: dict[str, str], field: str) -> None:
    """Record an error when a non-empty alpha-3 code is unknown to pycountry."""
    code = row.get(field, "").strip()
    if code and known_code(code) is None:
        ERRORS.append(f"{table}: {row['name']!r} has {field}={code!r}, unknown to pycountry")


def claims(row: dict[str, str], alias_fields: list[str]) -> set[str]:
    """All normalised strings an entity answers to."""
    return {norm(row["name"])} | {norm(a) for f in alias_fields for a in split(row.get(f, ""))}


def check_unique(table: str, rows: list[dict[str, str]], alias_fields: list[str]) -> dict[str, str]:
    """Fail on a duplicate canonical name or a name/alias claimed by two entities; return key -> owner."""
    owner: dict[str, str] = {}
    names = [norm(row["name"]) for row in rows]
    ERRORS.extend(
        f"{table}: duplicate canonical name {n!r}"
        for n in sorted({n for n in names if names.count(n) > 1})
    )
    for row in rows:
        for key in claims(row, alias_fields):
            if key in owner and norm(owner[key]) != norm(row["name"]):
                ERRORS.append(f"{table}: {key!r} claimed by {owner[key]!r} and {row['name']!r}")
            owner.setdefault(key, row["name"])
    return owner


def import_aliases(
    table: str,
    rows: list[dict[str, str]],
    variants: dict[str, list[str]],
    taken: dict[str, tuple[str, str]],
    excluded: set[str],
    owners: dict[str, set[str]] | None = None,
) -> int:
    """Append source variants to rows with a QID, skipping short, numeric, non-Latin, generic,
    shared or clashing ones and those excluded in curated/exclusions.csv."""
    added = 0
    for row in rows:
        if not row["qid"]:
            continue
        current, me = split(row["aliases"]), (table, row["name"])
        seen = claims(row, ["aliases", "short_aliases"])
        for raw in variants.get(row["qid"], []):
            alias = tidy(raw, table == "people")
            key = norm(alias)
            if (
                key in EXCLUDED
                or key in excluded
                or len(alias) < 3
                or alias.isdigit()
                or not is_latin(alias)
                or '"' in alias
                or key in seen
            ):
                continue
            if owners is not None and (
                len(owners.get(key, ())) > 1
                or is_generic(alias)
                or junk_variant(alias, row["name"])
            ):
                continue  # two source bodies share it, it names no body in particular, or is no name
            if taken.get(key, me) != me:
                print(
                    f"skip alias {alias!r} for {row['name']!r}: clashes with {taken[key][0]} {taken[key][1]!r}"
                )
                continue
            current.append(alias)
            seen.add(key)
            taken[key] = me
            added += 1
        row["aliases"] = "|".join(current)
    return added


def article_variants(tables: dict[str, list[dict[str, str]]], fields: dict[str, list[str]]) -> int:
    """Add 'the US Navy' to 'US Navy' when 'the US' is a pattern of some entry.

    The tagger's phrase matcher keeps the longest match and, among matches of equal length, the one
    that starts first: in "the US Navy" the country's 'the US' would beat 'US Navy'. The variant
    with the article is one token longer and wins.
    """
    prefixes: dict[str, str] = {}  # 'US' -> 'the'
    for name, rows in tables.items():
        for row in rows:
            for alias in [row["name"]] + [a for f in fields[name] for a in split(row.get(f, ""))]:
                m = re.match(r"(the|The) (.+)$", alias)
                if m:
                    prefixes.setdefault(m.group(2), m.group(1))
    added = 0
    for row in tables["organisations"]:
        aliases = split(row["aliases"])
        have = {row["name"], *aliases}
        for alias in [row["name"], *aliases]:
            if re.match(r"(the|The) ", alias):
                continue
            for prefix, article in prefixes.items():
                variant = f"{article} {alias}"
                if alias.startswith(prefix + " ") and variant not in have:
                    aliases.append(variant)
                    have.add(variant)
                    added += 1
        row["aliases"] = "|".join(aliases)
    return added


DOTTED = {"UN": "U.N.", "US": "U.S.", "UK": "U.K.", "EU": "E.U."}


def dotted_variants(tables: dict[str, list[dict[str, str]]], fields: dict[str, list[str]]) -> int:
    """Add 'U.N. refugee agency' to 'UN refugee agency': American wires dot the initials, and the
    phrase matcher compares exact tokens ("U.N." is one token), so without the variant the
    longer name is lost to the bare 'U.N.'. A variant another entity answers to is not added."""
    taken = {k for name, rows in tables.items() for row in rows for k in claims(row, fields[name])}
    added = 0
    for row in tables["organisations"]:
        aliases = split(row["aliases"])
        for alias in [row["name"], *aliases]:
            words = alias.split()
            if len(words) < 2 or not any(w in DOTTED for w in words):
                continue
            variant = " ".join(DOTTED.get(w, w) for w in words)
            if norm(variant) not in taken:
                aliases.append(variant)
                taken.add(norm(variant))
                added += 1
        row["aliases"] = "|".join(aliases)
    return added


def main() -> int:
    """Build all five tables; exit status 1 on any integrity error."""
    if not GAZ.is_dir():
        print(f"error: source gazetteers not found at {GAZ}", file=sys.stderr)
        return 1
    src = Sources()
    any_idx: Index = {**src.orgs, **src.people}
    t = {name: read(CURATED / f"{name}.csv") for name in OUTPUT}
    excluded: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in read(CURATED / "exclusions.csv"):
        if e["table"] not in ("organisations", "people") or e["what"] not in ("name", "alias"):
            ERRORS.append(f"exclusions: unknown table/what {e['table']!r}/{e['what']!r}")
        excluded[(e["table"], e["what"])].add(norm(e["text"]))
    codes = CountryCodes(t["countries"])

    for row in t["countries"]:
        if known_code(row["alpha_3"]) is None:
            ERRORS.append(f"countries: unknown alpha_3 {row['alpha_3']!r} for {row['name']!r}")
    for row in t["apps"]:
        if row["ambiguous"] not in ("yes", "no"):
            ERRORS.append(f"apps: {row['name']!r} has ambiguous={row['ambiguous']!r} (want yes/no)")

    for row in t["people"]:
        verify_qid(row, src.people, "people")
        row["source"] = CURATED_SOURCE
    notes = [note for row in t["organisations"] if (note := lookup_org_qid(row, src))]
    for row in t["organisations"]:
        row["source"] = CURATED_SOURCE
    for note in notes:
        print(f"note organisations: {note}")
    for row in t["apps"]:
        verify_qid(row, any_idx, "apps")

    fields = {
        "people": ["aliases", "short_aliases"],
        "organisations": ["aliases", "ambiguous_aliases"],
        "apps": ["aliases", "former_names"],
        "places": ["aliases"],
        "countries": ["aliases", "demonyms"],
    }
    # everything the curated tables answer to: a source row may not take any of it
    claimed = {k for name, rows in t.items() for row in rows for k in claims(row, fields[name])}
    new_orgs, org_why = select_orgs(
        src, t["organisations"], claimed, codes, excluded[("organisations", "name")]
    )
    t["organisations"] += new_orgs
    claimed |= {norm(r["name"]) for r in new_orgs}
    new_people, people_why = select_people(
        src, t["people"], claimed, codes, excluded[("people", "name")]
    )
    t["people"] += new_people

    for table, field in (
        ("people", "country"),
        ("organisations", "country"),
        ("places", "country_iso3"),
    ):
        for row in t[table]:
            check_iso3(table, row, field)
    owners = {name: check_unique(name, rows, fields[name]) for name, rows in t.items()}
    if ERRORS:
        print("\n".join(f"ERROR {e}" for e in ERRORS), file=sys.stderr)
        return 1
    taken = {key: (name, owner) for name, table in owners.items() for key, owner in table.items()}
    added_p = import_aliases(
        "people", t["people"], src.person_alias, taken, excluded[("people", "alias")]
    )
    added_o = import_aliases(
        "organisations",
        t["organisations"],
        src.org_alias,
        taken,
        excluded[("organisations", "alias")],
        src.variant_owners,
    )

    added_the = article_variants(t, fields)
    added_dots = dotted_variants(t, fields)

    for name, columns in OUTPUT.items():
        write(f"{name}.csv", t[name], columns)
    print(f"organisations from {ORGANISATIONS}: {len(new_orgs)} taken; skipped {dict(org_why)}")
    print(f"people from {OFFICEHOLDERS}: {len(new_people)} taken; skipped {dict(people_why)}")
    print(
        f"imported aliases: people {added_p}, organisations {added_o}; 'the ...' variants {added_the}"
        f"; dotted 'U.N. ...' variants {added_dots}"
    )
    for name, rows in t.items():
        with_qid = sum(1 for r in rows if r.get("qid"))
        print(
            f"{name:14s} {len(rows):5d} rows"
            + (f", {with_qid} with verified qid" if "qid" in rows[0] else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
