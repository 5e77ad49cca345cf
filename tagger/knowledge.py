"""The knowledge base: aliases to canonical name, label and id, from the tables in ``data/kb``.

Countries carry ISO 3166-1 alpha-3 codes; people and organisations carry Wikidata QIDs only
where a source table gave one (see ``data/kb/README.md``).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from tagger.errors import ConfigurationError

TABLES = {
    "countries.csv": "COUNTRY",
    "places.csv": "LOCATION",
    "people.csv": "PERSON",
    "organisations.csv": "ORG",
    "apps.csv": "APP",
}

# How a KB alias may be used when it appears in text:
#   "name"      always an entity (full names, unambiguous aliases)
#   "short"     a bare surname; an entity unless the base NER reads it as part of something longer
#   "ambiguous" also an ordinary word ("Signal", "MAX", "X", "Labour"): only when confirmed, by a
#               cue word nearby (apps) or by the base NER reading exactly it as a name
#   "demonym"   "Russian", "Ukrainians": a mention of the country
#   "home"      a bare name that means this body in a story set in its country ("Congress",
#               "the Senate", "Supreme Court"): several entries may share it; the story's country
#               picks one, and with no clear country it is left to the base NER
ALIAS_KINDS = ("name", "short", "ambiguous", "demonym", "home")

# a state's own bodies, which journalists name by their country: "Russia's defence ministry", "the
# Danish Defence Ministry", "Ukraine's Prosecutor General's Office"
STATE_BODY_KINDS = frozenset(
    {
        "ministry", "central bank", "court", "law enforcement agency", "intelligence service",
        "security service", "military", "government agency", "regulator", "statistics office",
        "election commission",
    }
)  # fmt: skip


@dataclass
class KBEntry:
    """One real-world thing the knowledge base knows."""

    key: str
    name: str
    label: str
    id: str | None
    aliases: dict[str, str] = field(default_factory=dict)  # surface form -> alias kind
    kind: str | None = None  # the table's kind column: "newspaper", "political party", ...
    # names it had before ("Twitter" for X): a story that only uses one is tagged with it, the
    # name an editor of that time gives it
    former_names: tuple[str, ...] = ()
    country: str | None = None  # ISO alpha-3 of the country it belongs to (a country: itself)


_INITIAL_DOT = re.compile(r"\b(\w)\.(?=\s*\w)")
_INITIAL_SPACE = re.compile(r"\b(\w) (?=\w\b)")
_SPACES = re.compile(r"\s+")
_THE = re.compile(r"^the ")
_POSSESSIVE = re.compile(r"'s?$")


@lru_cache(maxsize=1 << 17)
def normalise(text: str) -> str:
    """Key for alias look-ups: case, accents, quotes, "the" and possessives do not matter.
    Cached: the tables and every story ask for the same names again and again."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
        text = text.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-")
    # initials: "George W Bush" is "George W. Bush", "J. P. Morgan" is "J.P. Morgan"
    text = _INITIAL_DOT.sub(r"\1", text)
    text = _INITIAL_SPACE.sub(r"\1", text)
    text = _SPACES.sub(" ", text).strip().casefold()
    text = _THE.sub("", text)
    text = _POSSESSIVE.sub("", text)
    return text.strip(" .,:;\"'()")


def is_acronym(alias: str) -> bool:
    letters = [ch for ch in alias if ch.isalpha()]
    return len(letters) >= 2 and " " not in alias.strip() and all(ch.isupper() for ch in letters)


def _split(cell: str | None) -> list[str]:
    return [part.strip() for part in (cell or "").split("|") if part.strip()]


def default_kb_dir() -> Path:
    """``data/kb`` in a source checkout, or the copy packed into the wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_data" / "kb", here.parent / "data" / "kb"):
        if (candidate / "countries.csv").exists():
            return candidate
    raise ConfigurationError(f"knowledge-base tables not found next to {here}")


class KnowledgeBase:
    """Alias index over the KB tables; build with :meth:`load`."""

    def __init__(self, entries: list[KBEntry]) -> None:
        self.entries = {e.key: e for e in entries}
        self._by_alias: dict[str, KBEntry] = {}
        self._home: dict[str, list[KBEntry]] = {}
        # "Recep Erdogan" for "Recep Tayyip Erdogan": a person's first and last name without the middle
        self._ends: dict[tuple[str, str], set[str]] = {}
        for entry in entries:
            if entry.label != "PERSON":
                continue
            for alias, alias_kind in entry.aliases.items():
                words = normalise(alias).split()
                if alias_kind == "name" and len(words) >= 3:
                    self._ends.setdefault((words[0], words[-1]), set()).add(entry.key)
        # the first words of known people's full names: a "person" whose name starts with none of
        # them ("Website Fingerprinting", "Childe Harold") is less likely a person
        self.given_names = frozenset(
            words[0]
            for entry in entries
            if entry.label == "PERSON" and len(words := normalise(entry.name).split()) > 1
        )
        # each country by its ISO code: a story about a country's people and bodies that never
        # names it ("Blair", "the Commons") is still about it (tagger.suggest, implied countries)
        self.countries = {
            entry.country: entry for entry in entries if entry.label == "COUNTRY" and entry.country
        }
        for entry in entries:
            if entry.label == "ORG" and entry.kind in STATE_BODY_KINDS and entry.country:
                country = self.countries.get(entry.country)
                if country is not None:
                    _add_qualified_forms(entry, country)
        for entry in entries:
            for alias, alias_kind in entry.aliases.items():
                if alias_kind == "home":
                    self._home.setdefault(normalise(alias), []).append(entry)
        # names first, so that a full name wins over another entity's short form
        for kind in ("name", "demonym", "short", "ambiguous"):
            for entry in entries:
                for alias, alias_kind in entry.aliases.items():
                    if alias_kind == kind:
                        self._by_alias.setdefault(normalise(alias), entry)

    @classmethod
    def load(cls, directory: str | Path | None = None) -> KnowledgeBase:
        """Read every table in ``directory`` (default: the shipped ``data/kb``)."""
        return _load_cached(str(Path(directory) if directory else default_kb_dir()))

    def lookup(self, surface: str) -> KBEntry | None:
        """The entry whose alias matches ``surface`` (normalised), if any."""
        return self._by_alias.get(normalise(surface))

    def lookup_name(self, surface: str) -> KBEntry | None:
        """Like :meth:`lookup` for a name the base model found, except that an acronym keeps its
        case: "Swift" (a bird, a singer) is not SWIFT, though "NATO" and "Nato" are both listed."""
        entry = self.lookup(surface)
        if entry is None or surface.isupper():
            return entry
        key = normalise(surface)
        forms = [alias for alias in entry.aliases if normalise(alias) == key]
        if forms and all(is_acronym(alias) for alias in forms):
            return None
        return entry

    def lookup_without_middle(self, surface: str) -> KBEntry | None:
        """The one person whose full name is ``surface`` plus middle names ("Recep Erdogan")."""
        words = normalise(surface).split()
        keys = self._ends.get((words[0], words[-1]), set()) if len(words) == 2 else set()
        return self.entries[next(iter(keys))] if len(keys) == 1 else None

    def home_entries(self, surface: str) -> list[KBEntry]:
        """The entries a bare "home" name ("Congress", "Supreme Court") may mean."""
        return self._home.get(normalise(surface), [])

    def patterns(self) -> list[tuple[str, str, str]]:
        """(surface form, entry key, alias kind) for the phrase matcher."""
        return [
            (alias, entry.key, kind)
            for entry in self.entries.values()
            for alias, kind in entry.aliases.items()
        ]

    def sizes(self) -> dict[str, int]:
        """Entries per label."""
        counts: dict[str, int] = {}
        for entry in self.entries.values():
            counts[entry.label] = counts.get(entry.label, 0) + 1
        return counts


def _add_qualified_forms(entry: KBEntry, country: KBEntry) -> None:
    """Every way a story names a state body by its country: by the country's name or its demonym
    ("Danish Defence Ministry", "Denmark's Defence Ministry", "Ukraine's Prosecutor General's
    Office"). The table gives one or two of these forms; stories use all of them.

    Only the capitalised name: "Russia's defence ministry said" in lower case mostly describes a
    source; readers disagree on tagging it, and the lower-case forms did not raise F1 (README)."""
    names = [a for a, k in country.aliases.items() if k == "name" and len(a.split()) <= 2]
    demonyms = {a for a, k in country.aliases.items() if k == "demonym"}
    demonyms -= {d + "s" for d in demonyms}  # "Russian", not the plural "Russians"
    prefixes = [f"{n}{apostrophe}s " for n in names for apostrophe in ("'", "\u2019")]
    prefixes += [f"{d} " for d in sorted(demonyms)]
    bodies = set()  # the body's name without its country: "Defence Ministry", "Central Bank"
    for alias, kind in entry.aliases.items():
        if kind == "home":
            bodies.add(alias)
        elif kind == "name":
            bodies.update(alias[len(p) :] for p in prefixes if alias.startswith(p))
            bodies.update(alias[: -len(f" of {n}")] for n in names if alias.endswith(f" of {n}"))
    for body in sorted(bodies):
        words = body.split()
        if not words or words[0].lower() in ("of", "the"):
            continue
        for prefix in prefixes:
            entry.aliases.setdefault(prefix + body, "name")
        # and the body without its country is what a story set there calls it ("the Ministry of
        # Internal Affairs, the Central Bank"); one word ("Army", "Police") is too often a noun,
        # and "the Armed Forces" describes rather than names
        if (
            entry.kind != "military"
            and len(words) >= 2
            and all(w[:1].isupper() or w in ("of", "for", "and", "the") for w in words)
        ):
            entry.aliases.setdefault(body, "home")


def _row_entry(table: str, label: str, row: dict[str, str]) -> KBEntry:
    name = row["name"].strip()
    ident = (row.get("qid") or row.get("alpha_3") or "").strip() or None
    aliases: dict[str, str] = {name: "name"}
    ambiguous = (row.get("ambiguous") or "").strip().lower() in ("yes", "true", "1")
    for alias in [name, *_split(row.get("aliases"))]:
        aliases[alias] = "ambiguous" if ambiguous else "name"
    former = _split(row.get("former_names"))
    for alias in former:  # "Twitter" is no ordinary word, whatever "X" is
        aliases.setdefault(alias, "name")
    for alias in _split(row.get("ambiguous_aliases")):
        aliases.setdefault(alias, "ambiguous")
    for alias in _split(row.get("home_aliases")):
        aliases.setdefault(alias, "home")
    for alias in _split(row.get("short_aliases")):
        aliases.setdefault(alias, "short")
    for alias in _split(row.get("demonyms")):
        aliases.setdefault(alias, "demonym")
    country = (row.get("country") or row.get("country_iso3") or row.get("alpha_3") or "").strip()
    return KBEntry(
        key=f"{label}:{name}",
        name=name,
        label=label,
        id=ident,
        aliases=aliases,
        kind=(row.get("kind") or "").strip() or None,
        country=country or None,
        former_names=tuple(former),
    )


@cache
def _load_cached(directory: str) -> KnowledgeBase:
    path = Path(directory)
    entries: list[KBEntry] = []
    for table, label in TABLES.items():
        file = path / table
        if not file.exists():
            raise ConfigurationError(f"knowledge-base table {file} is missing")
        with file.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "name" not in reader.fieldnames:
                raise ConfigurationError(f"{file} has no 'name' column")
            entries.extend(_row_entry(table, label, row) for row in reader if row.get("name"))
    return KnowledgeBase(entries)
