"""Build the shipped knowledge-base tables in data/kb/ from the curated inputs and the source gazetteers.

Run from anywhere: ``python data/kb/build_kb.py``. Needs ``../shared/gazetteers`` next to the repository
(read-only source tables) and ``pycountry``. Identifiers are never invented here: a QID survives only if a
source table holds it under a matching name, and every ISO alpha-3 code is checked against pycountry.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from collections import defaultdict
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
HONORIFIC = re.compile(r"^(Dr\.\s*|Dr\s+|Shri\s+|H\.E\.\s+)")
# Source aliases too generic or malformed to ship (matched after norm()).
EXCLUDED = {"council of ministers", "world bank, wb", "high commissioner for refugees"}
ERRORS: list[str] = []
OUTPUT = {  # shipped table -> columns
    "people": ["name", "aliases", "short_aliases", "country", "role", "qid", "qid_source"],
    "organisations": ["name", "aliases", "kind", "country", "qid", "qid_source"],
    "apps": ["name", "aliases", "kind", "owner", "ambiguous", "qid", "qid_source"],
    "places": ["name", "aliases", "country_iso3", "kind"],
    "countries": ["alpha_3", "name", "aliases", "demonyms"],
}

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


def tidy(alias: str, person: bool) -> str:
    """Clean a source variant: no disambiguator or honorific; for people 'KISHIDA Fumio' -> 'Kishida Fumio'."""
    alias = HONORIFIC.sub("", re.sub(r"\s*\([^)]*\)", "", alias)).strip()
    if not person:
        return alias
    return " ".join(t.capitalize() if t.isupper() and len(t) > 1 else t for t in alias.split())


def load_sources() -> tuple[Index, Index, dict[str, list[str]], dict[str, list[str]]]:
    """Index source names by QID (people, organisations) and collect the alias variants to import."""
    people: Index = defaultdict(lambda: defaultdict(set))
    orgs: Index = defaultdict(lambda: defaultdict(set))
    person_alias: dict[str, list[str]] = defaultdict(list)
    org_alias: dict[str, list[str]] = defaultdict(list)
    for r in read(SHARED / OFFICEHOLDERS):
        people[r["person_qid"]][OFFICEHOLDERS].add(r["person_name"])
    for src, q, label in (
        (WL_WIKIDATA, "officeholder", "officeholderLabel"),
        (WL_WIKIPEDIA, "officeholder", "officeholderlabel"),
    ):
        for r in read(SHARED / src):
            people[r[q]][src].add(r[label])
    for r in read(SHARED / ORGANISATIONS):
        orgs[r["qid"]][ORGANISATIONS].update([r["name"], *split(r["aliases"])])
        org_alias[r["qid"]] += [r["name"], *split(r["aliases"])]
    for r in read(SHARED / ALIASES):
        index = people if r["entity_kind"] == "person" else orgs
        index[r["qid"]][ALIASES].update([r["name"], r["alias"]])
        if r["entity_kind"] == "person":
            person_alias[r["qid"]].append(r["alias"])
        elif r["lang"] == "en" and not r["alias_type"].startswith("former"):
            org_alias[r["qid"]].append(r["alias"])
    for qid, by_file in people.items():  # every source spelling of a person is a name variant too
        person_alias[qid] += sorted(set().union(*by_file.values()))
    return people, orgs, person_alias, org_alias


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


def check_iso3(table: str, row: dict[str, str], field: str) -> None:
    """Record an error when a non-empty alpha-3 code is unknown to pycountry."""
    code = row.get(field, "").strip()
    if code and pycountry.countries.get(alpha_3=code) is None:
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
) -> int:
    """Append source variants to verified rows, skipping short, numeric, non-Latin or clashing ones."""
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
                or len(alias) < 3
                or alias.isdigit()
                or not is_latin(alias)
                or '"' in alias
                or key in seen
            ):
                continue
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


def main() -> int:
    """Build all five tables; exit status 1 on any integrity error."""
    if not GAZ.is_dir():
        print(f"error: source gazetteers not found at {GAZ}", file=sys.stderr)
        return 1
    people_idx, org_idx, person_alias, org_alias = load_sources()
    any_idx: Index = {**org_idx, **people_idx}
    t = {name: read(CURATED / f"{name}.csv") for name in OUTPUT}

    for row in t["countries"]:
        if pycountry.countries.get(alpha_3=row["alpha_3"]) is None:
            ERRORS.append(f"countries: unknown alpha_3 {row['alpha_3']!r} for {row['name']!r}")
    for table, field in (
        ("people", "country"),
        ("organisations", "country"),
        ("places", "country_iso3"),
    ):
        for row in t[table]:
            check_iso3(table, row, field)
    for row in t["apps"]:
        if row["ambiguous"] not in ("yes", "no"):
            ERRORS.append(f"apps: {row['name']!r} has ambiguous={row['ambiguous']!r} (want yes/no)")

    for row in t["people"]:
        verify_qid(row, people_idx, "people")
    for row in t["organisations"]:
        verify_qid(row, org_idx, "organisations")
    for row in t["apps"]:
        verify_qid(row, any_idx, "apps")

    fields = {
        "people": ["aliases", "short_aliases"],
        "organisations": ["aliases"],
        "apps": ["aliases"],
        "places": ["aliases"],
        "countries": ["aliases", "demonyms"],
    }
    owners = {name: check_unique(name, rows, fields[name]) for name, rows in t.items()}
    if ERRORS:
        print("\n".join(f"ERROR {e}" for e in ERRORS), file=sys.stderr)
        return 1
    taken = {key: (name, owner) for name, table in owners.items() for key, owner in table.items()}
    added_p = import_aliases("people", t["people"], person_alias, taken)
    added_o = import_aliases("organisations", t["organisations"], org_alias, taken)

    for name, columns in OUTPUT.items():
        write(f"{name}.csv", t[name], columns)
    print(f"imported aliases: people {added_p}, organisations {added_o}")
    for name, rows in t.items():
        with_qid = sum(1 for r in rows if r.get("qid"))
        print(
            f"{name:14s} {len(rows):4d} rows"
            + (f", {with_qid} with verified qid" if "qid" in rows[0] else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
