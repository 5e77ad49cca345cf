"""The spaCy side: base NER, the knowledge base, canonical names and salience.

``tagger_entities`` is a spaCy component that runs after the base model's ``ner``. It reads the
base model's spans and the knowledge-base phrase matches, decides which of them are entities and
under which canonical name, joins short forms to full forms within the document, scores salience
from the page layout, and writes the result to ``doc.ents`` (our labels) and
``doc._.tagger_entities`` (plain dicts, so results survive ``nlp.pipe(n_process=...)``).
"""

from __future__ import annotations

import math
import re
import shutil
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from spacy.util import filter_spans

from tagger.junk import PORTFOLIOS, JunkZones, drop_junk, find_junk
from tagger.knowledge import (
    TABLES,
    KBEntry,
    KnowledgeBase,
    default_kb_dir,
    is_acronym,
    normalise,
)
from tagger.phrases import PhraseIndex
from tagger.suggest import entity_features
from tagger.text import Layout, analyse_layout

if not Doc.has_extension("tagger_entities"):
    Doc.set_extension("tagger_entities", default=None)
if not Doc.has_extension("tagger_story"):
    # the story (headline and body without page chrome, a tagger.text.Story): set here,
    # consumed by tagger_topics
    Doc.set_extension("tagger_story", default=None)

# base model (OntoNotes) label -> ours; None: not an entity we tag
BASE_LABELS: dict[str, str | None] = {
    "PERSON": "PERSON",
    "ORG": "ORG",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "NORP": None,
    "PRODUCT": None,
}
# words near an ambiguous app name ("MAX", "Signal", "X") that show it is the app
APP_CUES = frozenset(
    "app apps application messenger messengers messaging message messages chat chats platform "
    "platforms social network networks service services download downloaded downloads install "
    "installed users user account accounts encrypted encryption post posted posts wrote tweet "
    "tweeted online website channel channels store smartphone phone video calls".split()
)
_CUE_WINDOW = 8
# knowledge-base kinds of the companies an app is listed with ("X and Meta")
COMPANY_KINDS = frozenset({"internet company", "software company", "media company"})
# the word after a party's ambiguous name that shows it is the party ("Conservative leader",
# "Labour MPs", "Tory peer"): an office or a member of a party
PARTY_CUES = frozenset(
    "leader leaders MP MPs MEP MEPs peer peers spokesman spokeswoman spokesperson chairman chair "
    "candidate candidates shadow party government minister ministers councillor councillors "
    "backbencher backbenchers frontbencher frontbench lawmaker lawmakers senator senators "
    "deputy deputies activists voters supporters conference manifesto campaign whip "
    "politician politicians member members".split()
)
# base-model labels that confirm an ambiguous alias as a name ("Labour" as ORG, "Tory" as NORP)
CONFIRMING_LABELS = frozenset({"ORG", "PRODUCT", "NORP", "PERSON"})
# a bare "Congress" or "Supreme Court" is the body of the country the story names most among
# the bodies it may mean, if that country has at least this share of the top country's mentions
HOME_SHARE = 0.5
# bodies every state has: a bare "Foreign Ministry" or "Supreme Court" is the story's own
# country's, never a neighbour's because the knowledge base lacks the home one ("the Foreign
# Ministry in Tehran" is not Israel's); unlike "Congress", which a British story uses for the US
UNIVERSAL_BODIES = frozenset(
    "foreign ministry|interior ministry|defence ministry|defense ministry|ministry of defence|"
    "finance ministry|justice ministry|supreme court".split("|")
)
_NOISE = re.compile(
    r"^[\W\d_]+$|^(details|background|source|advertisement|photo|image|video|file|credit)$", re.I
)
_POSSESSIVE = re.compile(r"(['’]s?)$")


@dataclass
class _Candidate:
    start: int  # token offsets
    end: int
    label: str
    entry: KBEntry | None
    name: str
    mention_texts: list[str] = field(default_factory=list)


HONORIFICS = frozenset(
    {"Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Sir", "Dame", "Madam", "Mme", "Mlle"}
)


def _trim(span: Span, text: str | None = None) -> Span:
    """Drop a leading "the" and a trailing possessive from a base-model span, and what runs past
    a line break or the end of a sentence.

    ``text`` is ``doc.text`` when the caller has it: a span with no line break in it then skips
    the token-by-token look for one (most spans; the look made Token objects for every token)."""
    start, end = span.start, span.end
    doc = span.doc
    if text is None or "\n" in text[span.start_char : span.end_char]:
        for i in range(start, end):  # a name never runs across a line break
            if "\n" in doc[i].text or "\n" in doc[i].whitespace_:
                end = i + (0 if "\n" in doc[i].text else 1)
                break
    inside = text[span.start_char : span.end_char] if text is not None else span.text
    if ". " in inside or "? " in inside or "! " in inside:
        for i in range(start, end - 1):  # nor across the end of a sentence ("Tor Project. Human")
            if doc[i].text in (".", "?", "!") and doc[i].whitespace_:
                end = i
                break
    # a live blog's time stamp before a name ("12:30 - EU leaders ...") is not part of it; a
    # number alone is ("2 Sisters Food Group", "3 Commando Brigade")
    stamp = start
    while (
        end - stamp > 1
        and doc[stamp].whitespace_
        and (_NUMBERISH.fullmatch(doc[stamp].text) or doc[stamp].text in ("–", "—"))
    ):
        stamp += 1
    if any(":" in t.text or set(t.text) <= set("-–—") for t in doc[start:stamp]):
        start = stamp
    while start < end and doc[start].lower_ in ("the", "a", "an"):
        start += 1
    # a prefix hyphenated to a name is no part of it ("pro-Georgescu", "anti-Kremlin")
    if (
        end - start > 2
        and doc[start].text in _PREFIXES
        and doc[start + 1].text == "-"
        and not doc[start].whitespace_
        and not doc[start + 1].whitespace_
    ):
        start += 2
    # two places the base model read as one ("Kyiv to Lviv", "Tachira with Cucuta"): the first
    # (read as a body only in the bare form "Kharkiv to Odesa": "Committee to Protect
    # Journalists" is a name)
    if span.label_ in ("GPE", "LOC") or (
        span.label_ == "ORG" and end - start == 3 and doc[start + 2].is_title
    ):
        for i in range(start + 1, end - 1):
            if doc[i].text in _PLACE_LINKS:
                end = i
                break
    # "Mr Blair" is Blair: a courtesy title is not part of a person's name
    while span.label_ == "PERSON" and end - start > 1 and doc[start].text.rstrip(".") in HONORIFICS:
        start += 1
    # nor the lower-case words the base model ran on into ("the Office of the Commissioner of
    # the city police"), a possessive, or a word that only joins it to what follows
    for i in range(end - 2, start, -1):
        if not doc[i + 1].is_lower or not doc[i + 1].is_alpha:
            break
        if doc[i].text in _JOINERS and not doc[i - 1].is_lower:
            end = i
            break
    while end > start and (
        doc[end - 1].text in ("'s", "’s", "'", "’", "-", ".", ",") or doc[end - 1].text in _JOINERS
    ):
        end -= 1
    # a score or a time read into the name ("Arsenal 2-1", "Chelsea 3:0") is not part of it
    tail = ""
    for i in range(end - 1, start, -1):
        tail = doc[i].text + tail
        if _SCORE.fullmatch(tail):
            end = i
            break
        if len(tail) > 7:
            break
    if span.label_ == "PERSON":
        end = _person_without_numbers(doc, start, end)
    return Span(doc, start, end, label=span.label_)


_PREFIXES = frozenset("pro anti non ex pre post neo".split())  # not "al-", "el-", "bin-"
_PLACE_LINKS = frozenset("to with from via".split())
_JOINERS = frozenset("of for and the to in on at".split())
_SCORE = re.compile(r"\d{1,3}[-–:]\d{1,3}")
_NUMBERISH = re.compile(r"[\d()\-–:/.,]+")
_YEAR = re.compile(r"(?:19|20)\d\d")


def _person_without_numbers(doc: Doc, start: int, end: int) -> int:
    """The end of a base-model person without the numbers read into it: tennis and football
    scores ("Greg Rusedski 4-6 7-6", "Roddick 6-2 7-6") go, the person stays. A single word before
    a number that is not a score ("Halo 2", "Leopard 2", "Spider-Man 2") or a name before a year
    ("Colin McRae Rally 2005") is a product, a sequel or an event: it keeps its number, and the
    junk filter drops a "person" with a number in it."""
    cut = end
    while cut - start > 1 and _NUMBERISH.fullmatch(doc[cut - 1].text):
        cut -= 1
    if cut == end:
        return end
    numbers = doc[cut:end].text
    one_word = " " not in doc[start:cut].text
    if _YEAR.fullmatch(numbers) or (one_word and not _SCORE.search(numbers)):
        return end
    return cut


# an office read into a person's name ("President Reagan", "Senator John McCain") is not part of it
PERSON_TITLES = frozenset(
    "President Premier Chancellor Senator Sen Governor Gov Congressman Congresswoman Rep "
    "Representative Judge Minister Secretary General Gen Colonel Col Professor Prof "
    "Counsellor Councillor Commissioner Ambassador Mayor Speaker Envoy Prosecutor Chairman "
    "Chairwoman Spokesman Spokeswoman Spokesperson Admiral Lieutenant Commander Marshal".split()
)


# a company's legal form is not part of the name an editor tags ("Martin Marietta Corp")
LEGAL_FORMS = frozenset(
    "inc incorporated corp co ltd limited plc llc llp lp ag sa nv bv gmbh spa pty".split()
)
_WEB_SUFFIX = re.compile(r"(?<=\w)\.(com|net|org)$", re.I)
# a "person" whose last word says it is a body is an organisation ("GeCAD Software", "Lloyds Bank");
# words that are also surnames ("Gabrielle Union", "College") are not in the list
ORG_HEADS = frozenset(
    "Software Systems Technologies Technology Networks Communications Telecom Group Holdings Bank "
    "Airlines Airways Motors Industries Labs Laboratories Solutions Securities Partners Capital "
    "Foundation Institute University Council Committee Agency Ministry Party "
    "Association Society Corporation Company Enterprises Electronics Pharmaceuticals Insurance".split()
)
# letters after a person's name are not part of it ("Philippe Sands QC", "Jane Smith MP")
POST_NOMINALS = frozenset("QC KC MP MEP MSP MLA AM OBE MBE CBE KBE PhD".split())
# letters only a person holds: a name the base model read as a body ends with them ("Guy
# Mansfield QC" as an organisation) is that person ("Brent East MP" is a seat, so not "MP")
PERSONAL_LETTERS = frozenset("QC KC OBE MBE CBE KBE".split())


_WORD = re.compile(r"[^\W\d_]{2,}")
_VERSION = re.compile(r"v?\d+(\.\d+)*[a-z]?", re.I)
# a lower-case letter then a capital inside one word: "TorBrowser" is "Tor Browser"
_CAMEL_JOIN = re.compile(r"(?<=[a-z])(?=[A-Z][a-z])")
# software the knowledge base does not know, named as such: "the Psiphon app", "Ultrasurf
# software", "a tool called Tails". The suggestion model decides whether to suggest it
# ("known to the knowledge base" is one of its features)
_SOFTWARE_AFTER = frozenset(
    "app apps browser software messenger client plug-in plugin extension toolbar".split()
)
_SOFTWARE_BEFORE = frozenset("app software program tool game browser service".split())
_SOFTWARE_MAX_WORDS = 3
_SOFTWARE_CUE = re.compile(
    r"\b(?:" + "|".join(sorted(map(re.escape, _SOFTWARE_AFTER | {"called", "named"}))) + r")\b",
    re.I,
)
# alias kinds a capitals-only line may match without the case to confirm them
_CAPS_KINDS = ("name", "short", "demonym")
_CAPS_MAX_WORDS = 4


def _caps_tokens(doc: Doc, text: str) -> set[int]:
    """Tokens of lines written in capitals ("REAGAN SEEKS MORE AID FOR CENTRAL AMERICA", a wire
    headline), where case says nothing of what is a name."""
    found: set[int] = set()
    offset = 0
    for line in text.split("\n"):
        if line.isupper() and len(_WORD.findall(line)) >= 3:
            span = doc.char_span(offset, offset + len(line), alignment_mode="expand")
            if span is not None:
                found.update(range(span.start, span.end))
        offset += len(line) + 1
    return found


_TITLE_MIN_WORDS = 3  # words of four letters or more, all capitalised
_DIGITS = re.compile(r"\d+")
_TITLE_MIN_BODY = 50  # words the story needs for the headline rule to apply


def _title_case_headline(doc: Doc, text: str) -> tuple[set[int], str]:
    """Tokens of a headline in title case ("Zero-Click, Far From Home: Spyware Targeting of
    Exiled Journalists"), the story's first line, and the rest of the text to check its names
    against. Only the first line: elsewhere a line of capitalised words is a list of names (a
    team sheet, a table of results) whose names need no second mention."""
    stripped = text.lstrip()
    line = stripped.split("\n", 1)[0]
    long = [w for w in _WORD.findall(line) if len(w) >= 4]
    if (
        len(text.split()) < _TITLE_MIN_BODY
        or len(long) < _TITLE_MIN_WORDS
        or line.isupper()
        or not all(w[0].isupper() for w in long)
        # a line of results ("1. Olga Melnik ( Russia ) 23:13.3") is a table, not a headline
        or line[:1].isdigit()
        or len(_DIGITS.findall(line)) > 2
    ):
        return set(), text
    start = len(text) - len(stripped)
    span = doc.char_span(start, start + len(line), alignment_mode="expand")
    if span is None:
        return set(), text
    return set(range(span.start, span.end)), text[start + len(line) :]


def _clean_name(span: Span) -> tuple[str, str]:
    """The name and base label to tag for a base-model span: no possessive, no brackets
    ("<Fairchild Corp>"), line breaks as spaces, and no legal form or web suffix for an
    organisation ("Balfour MacLaine, Inc." is the company Balfour MacLaine, whatever label the
    base model gave it; "Secunia.com" is Secunia), no post-nominal letters for a person
    ("Philippe Sands QC" is Philippe Sands), and a "person" named like a body ("GeCAD
    Software") is an organisation."""
    words = _POSSESSIVE.sub("", span.text).strip(" <>[]()\"'").split()
    label = span.label_
    while len(words) > 1 and words[-1].strip(".,").lower() in LEGAL_FORMS:
        words.pop()
        label = "ORG"
    if (
        label != "PERSON"
        and len(words) in (3, 4)
        and words[-1].strip(".,") in PERSONAL_LETTERS
        and all(w.istitle() and w.isalpha() for w in words[:-1])
    ):
        label = "PERSON"
    while label == "PERSON" and len(words) > 1 and words[-1].strip(".,") in POST_NOMINALS:
        words.pop()
    if label == "PERSON" and len(words) > 1 and words[-1].strip(".,") in ORG_HEADS:
        label = "ORG"
    if words:
        words[-1] = words[-1].rstrip(",")
    if label == "ORG" and len(words) == 1:
        words[0] = _WEB_SUFFIX.sub("", words[0])
    return " ".join(words), label


class EntityResolver:
    """spaCy component: KB + base NER -> canonical entities with salience."""

    def __init__(self, nlp: Language, kb: KnowledgeBase, kb_dir: Path | None = None) -> None:
        self.nlp = nlp
        self.kb_dir = kb_dir  # where the tables were read from: what to_disk copies
        self._build(kb)

    def _build(self, kb: KnowledgeBase) -> None:
        nlp = self.nlp
        self.kb = kb
        self.matcher = PhraseIndex(
            nlp, ((surface, f"{key}\x1f{kind}") for surface, key, kind in kb.patterns())
        )

    def __call__(self, doc: Doc) -> Doc:
        text = doc.text  # spaCy builds this from the tokens: do it once
        layout = analyse_layout(text)
        junk = find_junk(text)  # bylines, credits, promos, log lines, datelines (tagger/junk.py)
        # the story without the page chrome, for tagger_topics (which consumes it)
        doc._.tagger_story = layout.story(text)
        candidates = _drop_words(doc, drop_junk(doc, self._resolve(doc, text), junk), text)
        _place_by_cue(doc, candidates)
        entities = self._group(doc, candidates, text, junk)
        _score_salience(entities, layout)
        entities.sort(key=lambda e: (-e["salience"], -e["count"], e["name"]))
        # for tagger_suggest's decision (which also keeps or drops the implied countries)
        entity_features(entities, layout, text, self.kb.given_names, self.kb.countries)
        spans = []
        for entity in entities:
            for token_start, token_end in entity.pop("_tokens"):
                spans.append(
                    Span(
                        doc, token_start, token_end, label=entity["label"], kb_id=entity["id"] or ""
                    )
                )
        doc.ents = filter_spans(spans)
        doc._.tagger_entities = entities
        return doc

    # -- serialisation: the knowledge base travels with the pipeline ----------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Copy the KB tables into ``path`` so ``nlp.to_disk`` saves the whole pipeline."""
        out = Path(path)
        out.mkdir(parents=True, exist_ok=True)
        source = self.kb_dir or default_kb_dir()
        for table in TABLES:
            shutil.copyfile(Path(source) / table, out / table)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> EntityResolver:
        self.kb_dir = Path(path)
        self._build(KnowledgeBase.load(path))
        return self

    # -- which spans are entities -------------------------------------------------------------
    def _kb_matches(self, doc: Doc) -> list[tuple[int, int, KBEntry, str]]:
        found = []
        for match_id, start, end in self.matcher(doc):
            key, kind = doc.vocab.strings[match_id].split("\x1f")
            found.append((start, end, self.kb.entries[key], kind))
        # longest first, a leading "the" not counted ("the US West" is no longer than "US West
        # Coast"); among equals a full name before a short form or a demonym
        order = {"name": 0, "short": 1, "demonym": 2, "ambiguous": 3, "home": 3}
        found.sort(
            key=lambda m: (
                -(m[1] - m[0] - int(doc[m[0]].lower_ == "the")),
                int(doc[m[0]].lower_ == "the"),
                order[m[3]],
                m[0],
            )
        )
        taken: set[int] = set()
        kept = []
        for start, end, entry, kind in found:
            if taken.isdisjoint(range(start, end)):
                kept.append((start, end, entry, kind))
                taken.update(range(start, end))
        return kept

    def _confirmed(
        self, doc: Doc, start: int, end: int, entry: KBEntry, ner_at: dict[int, Span]
    ) -> str:
        """Why an ambiguous alias ("Signal", "Labour") is a name here: "cue" when an app word
        ("messenger", "users") is near an app's name or a party office follows a party's name
        ("Conservative leader"), "name read" when the base model reads exactly it as a name; ""
        when nothing says so."""
        if entry.label == "APP":
            window = doc[max(0, start - _CUE_WINDOW) : min(len(doc), end + _CUE_WINDOW)]
            if any(t.lower_ in APP_CUES for t in window):
                return "cue"
        if entry.kind == "political party" and end < len(doc) and doc[end].text in PARTY_CUES:
            return "cue"
        span = ner_at.get(start)
        exact = span is not None and (span.start, span.end) == (start, end)
        if not exact:
            return ""
        # a party read as a place ("Labour" as GPE) is still read as a name: no place is called so
        place_read = entry.label == "ORG" and span.label_ in ("GPE", "LOC")  # type: ignore[union-attr]
        return "name read" if span.label_ in CONFIRMING_LABELS or place_read else ""  # type: ignore[union-attr]

    def _owner_and_app(self, doc: Doc, big: Span, start: int, end: int, entry: KBEntry) -> bool:
        """ "Apple iTunes", "Microsoft Skype": a company the knowledge base knows followed by an
        app it knows, read by the base model as one name, is the two of them."""
        if big.start < start and big.end == end and entry.label == "APP":
            owner = self.kb.lookup_name(doc[big.start : start].text)
            return owner is not None and owner.label == "ORG"
        if big.start == start and big.end > end and entry.label == "ORG":
            app = self.kb.lookup_name(doc[end : big.end].text)
            return app is not None and app.label == "APP"
        return False

    def _known_names_listed(self, span: Span) -> bool:
        """Whether the base model read a list of known names as one ("ByteDance, Alibaba and
        Tencent", "Gazprom and Rosneft"): each is its own entity. A known name that contains
        "and" ("Trinidad and Tobago") is never asked, since the whole span is known."""
        parts: list[list[str]] = [[]]
        for token in span:
            if token.text in (",", "and"):
                parts.append([])
            else:
                parts[-1].append(token.text)
        names = [" ".join(words) for words in parts if words]
        return len(names) >= 2 and all(self.kb.lookup_name(n) is not None for n in names)

    def _spelled_together(self, name: str) -> KBEntry | None:
        """ "TorBrowser", "HTTPS-Everywhere": a known app or body's name written as one word or
        hyphenated (only a name of its own, never an ambiguous alias such as a common word)."""
        if " " in name:
            return None
        spaced = _CAMEL_JOIN.sub(" ", name.replace("-", " "))
        if spaced == name:
            return None
        entry = self.kb.lookup_name(spaced)
        if entry is None or entry.label not in ("APP", "ORG"):
            return None
        kinds = [k for alias, k in entry.aliases.items() if normalise(alias) == normalise(spaced)]
        return entry if kinds and "ambiguous" not in kinds else None

    def _affiliation_cut(self, span: Span) -> Span:
        """A person's span without a leading office, portfolio, party or nationality word: "Tory
        Liam Fox" is Liam Fox (and "Tory" names his party), "President Reagan" is Reagan, "(Minister
        of) Information Lai Mohammed" is Lai Mohammed. A party or nationality word is cut only
        before a full name (three words or more): as the first of two words it is a first name
        ("Amal Clooney", "Morena Baccarin", "German Gref")."""
        while span.label_ == "PERSON" and len(span) > 1:
            word = span[0].text.rstrip(".")
            portfolio = (
                word in PORTFOLIOS
                and len(span) > 2
                and span.start > 0
                and span.doc[span.start - 1].lower_ in ("of", "for", "and")
            )
            if word not in PERSON_TITLES and not portfolio:
                entry = self.kb.lookup(word) if len(span) > 2 else None
                kind = entry.aliases.get(word) if entry is not None else None
                party = entry is not None and entry.kind == "political party"
                if not party and kind != "demonym":
                    break
            span = Span(span.doc, span.start + 1, span.end, label="PERSON")
        return span

    def _resolve(self, doc: Doc, text: str | None = None) -> list[_Candidate]:
        ner_spans = [self._affiliation_cut(_trim(s, text)) for s in doc.ents]
        ner_spans = [s for s in ner_spans if len(s) and not _NOISE.match(s.text)]
        caps = _caps_tokens(doc, text or doc.text)
        caps_unknown: set[int] = set()
        if caps:
            # in a capitals-only line the base model reads words as names ("OUTPUT FALL",
            # "BAYERNVEREIN EXPECTS"): only a name the knowledge base knows is kept there. A short
            # unknown name still keeps a known one from being read inside it ("CENTRAL AMERICA")
            kept = []
            for ner_span in ner_spans:
                inside = caps.issuperset(range(ner_span.start, ner_span.end))
                if not inside or self.kb.lookup_name(_clean_name(ner_span)[0]) is not None:
                    kept.append(ner_span)
                elif 2 <= len(ner_span) <= _CAPS_MAX_WORDS:
                    caps_unknown.update(range(ner_span.start, ner_span.end))
            ner_spans = kept
        titled, body = _title_case_headline(doc, text or doc.text)
        if titled:
            # in a title-case headline every word looks like a name ("Spyware Targeting of Exiled
            # Journalists"): an unknown name there counts only if the story says it again
            ner_spans = [
                s
                for s in ner_spans
                if not titled.issuperset(range(s.start, s.end))
                or s.text in body
                or self.kb.lookup_name(_clean_name(s)[0]) is not None
            ]
        ner_at: dict[int, Span] = {}
        for span in ner_spans:
            for i in range(span.start, span.end):
                ner_at[i] = span
        candidates: list[_Candidate] = []
        used_ner: set[tuple[int, int]] = set()
        accepted_ambiguous: set[str] = set()
        deferred: list[tuple[int, int, KBEntry]] = []
        read_as_name: dict[str, int] = {}  # app key -> times the base model read it as a name
        # first names the base model reads as a person on their own ("Runa will simply ..."): a
        # first name no known person has is still a first name when the story uses it alone
        lone_names = {s.text for s in ner_spans if len(s) == 1 and s.label_ == "PERSON"}
        homes: list[tuple[int, int]] = []

        kb_matches = self._kb_matches(doc)
        # where the unambiguous apps and tech companies are: an ambiguous app listed beside one
        # ("X, Instagram and ...", "on Telegram and on X", "asked X and Meta") is the app
        services = {
            i
            for start, end, entry, kind in kb_matches
            if kind != "ambiguous" and (entry.label == "APP" or entry.kind in COMPANY_KINDS)
            for i in range(start, end)
        }
        for match_start, end, entry, kind in kb_matches:
            # "the US", "the Kremlin": the article helps to match but is not part of the name
            start = match_start + int(end - match_start > 1 and doc[match_start].lower_ == "the")
            # "Halo 2", "Grand Theft Auto: San Andreas": a sequel or an episode of a known game
            # is a game of its own, under its full title. A subtitle follows only a name that is
            # no ordinary word and does not open a line or sentence ("Battlefield: Russian troops
            # advance", "Fortnite: Epic Games sues Apple" are headlines)
            title_end = end
            if entry.kind == "game":
                subtitle = kind != "ambiguous" and not _sentence_initial(
                    doc[match_start], text or doc.text
                )
                title_end = _sequel_end(doc, end, subtitle=subtitle)
            if title_end > end:
                # "The Sims 2" keeps the "The" its game's name has
                first = match_start if entry.name.lower().startswith("the ") else start
                title = doc[first:title_end]
                used_ner.update(
                    (s.start, s.end) for i in range(start, title_end) if (s := ner_at.get(i))
                )
                candidates.append(
                    _Candidate(first, title_end, "APP", None, title.text, [title.text])
                )
                continue
            covering = {(s.start, s.end): s for i in range(start, end) if (s := ner_at.get(i))}
            # a longer reading that holds the whole name ("Users of Mac OS" only overlaps
            # "Mac OS X": the name wins)
            larger = [
                s
                for s in covering.values()
                if s.start <= start and s.end >= end and (s.start < start or s.end > end)
            ]
            if larger:
                big = larger[0]
                # "Michael Jordan", "Bank of Russia": the base model saw something longer. A known
                # person inside a longer non-person span ("Later Zelenskiy") is the model's slip.
                person_slip = entry.label == "PERSON" and big.label_ != "PERSON"
                # "Running BitTorrent", "Engineer Mannesmann": a known body or app read into a
                # "person" whose first word no known person has as a given name
                if entry.label != "PERSON" and big.label_ == "PERSON" and big.start < start:
                    person_slip = (
                        normalise(big[0].text) not in self.kb.given_names
                        and big[0].text not in lone_names
                    )
                # "Skype 5", "Tor Browser 4.5": an app's name and its version
                versioned = (
                    entry.label == "APP"
                    and big.start == start
                    and 0 < big.end - end <= 2
                    and all(_VERSION.fullmatch(t.text) for t in doc[end : big.end])
                )
                if (
                    self.kb.lookup(big.text) is None
                    and not person_slip
                    and not versioned
                    and not self._owner_and_app(doc, big, start, end, entry)
                    and not self._known_names_listed(big)
                    and (
                        # a demonym in a longer nationality span ("MOSCOW - Russian", read as one
                        # NORP across a dateline) still names its country
                        (kind == "demonym" and big.label_ != "NORP")
                        or big.label_ in ("PERSON", "ORG", "FAC", "GPE", "LOC")
                    )
                ):
                    continue
            if kind == "home":
                homes.append((start, end))  # decided once the story's country is known
                continue
            if kind == "ambiguous":
                how = self._confirmed(doc, start, end, entry, ner_at) or (
                    "listed"
                    if entry.label == "APP" and _listed_beside(doc, start, end, services)
                    else ""
                )
                if how == "name read" and entry.label == "APP":
                    # an app name is often a word ("MAX effort"): the model's reading must recur
                    read_as_name[entry.key] = read_as_name.get(entry.key, 0) + 1
                    how = "name read" if read_as_name[entry.key] >= 2 else ""
                if not how:
                    deferred.append((start, end, entry))
                    continue
                accepted_ambiguous.add(entry.key)
            used_ner.update(covering)
            candidates.append(
                _Candidate(start, end, entry.label, entry, entry.name, [doc[start:end].text])
            )
        if caps:
            candidates += self._caps_matches(doc, caps - caps_unknown, candidates)
        # an ambiguous name confirmed once in the story counts wherever else it appears
        for start, end, entry in deferred:
            if entry.key in accepted_ambiguous:
                used_ner.update((s.start, s.end) for i in range(start, end) if (s := ner_at.get(i)))
                candidates.append(
                    _Candidate(start, end, entry.label, entry, entry.name, [doc[start:end].text])
                )

        candidates += self._resolve_homes(doc, homes, candidates, ner_at, used_ner)

        claimed = {i for c in candidates for i in range(c.start, c.end)}
        for span in ner_spans:
            if (span.start, span.end) in used_ner or not claimed.isdisjoint(
                range(span.start, span.end)
            ):
                continue
            name, base_label = _clean_name(span)
            known = self.kb.lookup_name(name)
            if known is None and base_label == "PERSON":
                known = self.kb.lookup_without_middle(name)
            if known is None:
                known = self._spelled_together(name)
            # an app whose name is also a word ("Windows", "Tor", "Safari") read by the base
            # model as a name of any kind: no place, person or body is more likely so called
            app_read = (
                known is not None
                and known.label == "APP"
                and (
                    base_label in ("GPE", "LOC", "FAC")
                    or (base_label == "ORG" and span.text == known.name and not span.text.isupper())
                )
            )
            # (an ambiguous alias counts here in another case, "MEEK" or "Meek" for "meek", the
            # base model having read it as a name, but not in lower case: "215 grams" is no
            # Grams, "solidarity" no Solidarity)
            word = name.islower() and _alias_kind(known, name) == "ambiguous" if known else False
            if (
                known is not None
                and not word
                and (app_read or known.aliases.get(name, "name") != "ambiguous")
            ):
                candidates.append(
                    _Candidate(span.start, span.end, known.label, known, known.name, [span.text])
                )
                continue
            label = BASE_LABELS.get(base_label)
            if label is None:
                continue
            if label == "PERSON" and (not any(ch.isupper() for ch in span.text) or len(span) > 5):
                continue
            candidates.append(_Candidate(span.start, span.end, label, None, name, [span.text]))
        return self._software_matches(doc, candidates, text or doc.text)

    def _software_matches(
        self, doc: Doc, candidates: list[_Candidate], text: str
    ) -> list[_Candidate]:
        """Add unknown software named as such ("the Psiphon app"), at every place the story
        names it; it replaces an unknown base-model reading of the same words."""
        names: set[tuple[str, ...]] = set()
        # only the places a cue word stands are looked at: most stories have none
        cues = (doc.char_span(m.start(), m.end()) for m in _SOFTWARE_CUE.finditer(text))
        for i, token in ((c.start, c[0]) for c in cues if c is not None and len(c) == 1):
            if token.lower_ in _SOFTWARE_AFTER:
                start = end = i
                while (
                    start > 0 and end - start < _SOFTWARE_MAX_WORDS and _name_word(doc[start - 1])
                ):
                    start -= 1
                if start > 0 and _name_word(doc[start - 1]):
                    continue  # a longer capitalised run ("The New York Times Crossword app")
            elif (
                token.lower_ in ("called", "named")
                and i > 0
                and doc[i - 1].lower_ in _SOFTWARE_BEFORE
            ):
                start = end = i + 1
                while end < len(doc) and end - start < _SOFTWARE_MAX_WORDS and _name_word(doc[end]):
                    end += 1
            else:
                continue
            # a sentence's or headline's first word may be capitalised for its place alone
            # ("Messaging app WhatsApp", "Download Psiphon software"): there only a word whose
            # case marks it as a name ("iTunes", "MAX") starts one; the story's other mentions
            # of the same software still find it
            if start < end and _sentence_initial(doc[start], text) and not _marked_name(doc[start]):
                continue
            words = tuple(t.text for t in doc[start:end])
            if words and not doc[start].is_stop and self.kb.lookup(" ".join(words)) is None:
                names.add(words)
        if not names:
            return candidates
        known = [c for c in candidates if c.entry is not None]
        claimed = {i for c in known for i in range(c.start, c.end)}
        found = []
        # compare token ids, not Token objects: this runs over the whole story
        orths = doc.to_array("ORTH").tolist()
        # longest first, so "Psiphon Pro" is not also read as "Psiphon"
        patterns = [
            (words, [doc.vocab.strings[w] for w in words])
            for words in sorted(names, key=lambda w: (-len(w), w))
        ]
        taken: set[int] = set()
        for words, ids in patterns:
            for i in range(len(orths) - len(ids) + 1):
                end = i + len(ids)
                span = range(i, end)
                if orths[i:end] == ids and claimed.isdisjoint(span) and taken.isdisjoint(span):
                    found.append(
                        _Candidate(i, end, "APP", None, " ".join(words), [doc[i:end].text])
                    )
                    taken.update(span)
        kept = [
            c for c in candidates if c.entry is not None or taken.isdisjoint(range(c.start, c.end))
        ]
        return kept + found

    def _caps_matches(
        self, doc: Doc, caps: set[int], candidates: list[_Candidate]
    ) -> list[_Candidate]:
        """Known names in capitals-only lines, whatever their case ("CHINA", "NAKASONE",
        "SAUDI"): the phrase matcher compares exact forms. Longest first, left to right; an
        ambiguous alias or an acronym needs its own case, so neither is taken here."""
        taken = {i for c in candidates for i in range(c.start, c.end)}
        out = []
        last = len(doc)
        for i in sorted(caps):
            if i in taken:
                continue
            for n in range(_CAPS_MAX_WORDS, 0, -1):
                window = range(i, min(i + n, last))
                if len(window) < n or not caps.issuperset(window) or not taken.isdisjoint(window):
                    continue
                surface = doc[i : i + n].text
                entry = self.kb.lookup(surface)
                if entry is None:
                    continue
                key = normalise(surface)
                kinds = {k for a, k in entry.aliases.items() if normalise(a) == key}
                acronym = any(is_acronym(a) for a in entry.aliases if normalise(a) == key)
                if acronym or not kinds.intersection(_CAPS_KINDS):
                    continue
                out.append(_Candidate(i, i + n, entry.label, entry, entry.name, [surface]))
                taken.update(window)
                break
        return out

    def _resolve_homes(
        self,
        doc: Doc,
        homes: list[tuple[int, int]],
        candidates: list[_Candidate],
        ner_at: dict[int, Span],
        used_ner: set[tuple[int, int]],
    ) -> list[_Candidate]:
        """Bare names such as "Congress" or "the Senate": the body whose country the story's other
        names point to most, ahead of the other bodies so called, and at least ``HOME_SHARE`` as
        often as the story's top country (a French story naming the US once keeps its Senate)."""
        if not homes:
            return []
        weight = Counter(c.entry.country for c in candidates if c.entry and c.entry.country)
        top = max(weight.values(), default=0)
        out = []
        for start, end in homes:
            entries = self.kb.home_entries(doc[start:end].text)
            ranked = sorted(entries, key=lambda e: -weight.get(e.country or "", 0))
            best = weight.get(ranked[0].country or "", 0) if ranked else 0
            runner_up = weight.get(ranked[1].country or "", 0) if len(ranked) > 1 else 0
            if not best or best <= runner_up or best < HOME_SHARE * top:
                continue
            if best < top and normalise(doc[start:end].text) in UNIVERSAL_BODIES:
                continue
            entry = ranked[0]
            used_ner.update((s.start, s.end) for i in range(start, end) if (s := ner_at.get(i)))
            out.append(
                _Candidate(start, end, entry.label, entry, entry.name, [doc[start:end].text])
            )
        return out

    # -- one entity per real-world thing ------------------------------------------------------
    def _group(
        self,
        doc: Doc,
        candidates: list[_Candidate],
        text: str | None = None,
        junk: JunkZones | None = None,
    ) -> list[dict[str, Any]]:
        groups: dict[str, dict[str, Any]] = {}
        for cand in sorted(candidates, key=lambda c: c.start):
            key = cand.entry.key if cand.entry else f"{cand.label}:{normalise(cand.name)}"
            group = groups.setdefault(
                key,
                {
                    "name": cand.name,
                    "label": cand.label,
                    "id": cand.entry.id if cand.entry else None,
                    "_kb": cand.entry is not None,
                    "_entry": cand.entry,
                    "_tokens": [],
                },
            )
            # the longest form names an unknown entity, and a capitalised one before a dateline's
            # capitals ("Frankfurt", not "FRANKFURT")
            if not group["_kb"] and (
                len(cand.name) > len(group["name"])
                or (group["name"].isupper() and not cand.name.isupper())
            ):
                group["name"] = cand.name
            group["_tokens"].append((cand.start, cand.end))
        _join_defined_acronyms(doc, groups, text or doc.text)
        _join_initials(doc, groups)
        _people_read_as_bodies(doc, groups)
        _join_short_forms(groups)
        _find_surnames(doc, groups, junk)
        entities = []
        for group in groups.values():
            tokens = sorted(set(group.pop("_tokens")))
            entry = group.pop("_entry")
            # read (and removed) by entity_features
            group["known"] = group.pop("_kb")
            group["kb_kind"] = entry.kind if entry else None
            group["kb_country"] = entry.country if entry else None
            mentions = []
            for s, e in tokens:
                span = doc[s:e]
                mentions.append({"start": span.start_char, "end": span.end_char, "text": span.text})
            if entry is not None and entry.former_names:
                group["name"] = _former_name(entry, mentions)
            group.update(count=len(mentions), mentions=mentions, _tokens=tokens)
            entities.append(group)
        return entities


def _listed_beside(doc: Doc, start: int, end: int, services: set[int]) -> bool:
    """Whether ``doc[start:end]`` and a known service are joined by a comma, "and" or "or"
    (each side may carry an "on": "on Telegram and on X")."""
    joins = {",", "and", "or", "&"}

    def side(i: int, step: int) -> bool:
        if not 0 <= i < len(doc) or doc[i].lower_ not in joins:
            return False
        j = i + step
        if 0 <= j < len(doc) and doc[j].lower_ in ("on", "and"):
            j += step
        return j in services

    if start > 0 and not doc[start - 1].whitespace_:
        return False  # part of a longer word: "Bre-X"
    before = start - 1
    if before >= 0 and doc[before].lower_ == "on":
        before -= 1
    return side(before, -1) or side(end, 1)


def _alias_kind(entry: KBEntry, name: str) -> str:
    """How the knowledge base knows this form of the name, case aside: "solidarity" read by the
    base model is the ambiguous alias "Solidarity", not a name of Solidarność."""
    kind = entry.aliases.get(name)
    if kind is None:
        key = normalise(name)
        kind = next((k for a, k in entry.aliases.items() if normalise(a) == key), "name")
    return kind


_SEQUEL = re.compile(r"\d{1,3}|I{2,3}|IV|VI{0,3}|IX|X")
_SUBTITLE_WORDS = 5


def _sequel_end(doc: Doc, end: int, subtitle: bool = True) -> int:
    """Where a game's title ends when its name is followed by a sequel number ("Halo 2", "Grand
    Theft Auto IV") or a subtitle after a colon ("Call of Duty: Finest Hour"); ``end`` if neither."""
    if end < len(doc) and _SEQUEL.fullmatch(doc[end].text):
        after = end + 1
        if doc[end].whitespace_ or after == len(doc) or doc[after].is_punct:
            return after
    if subtitle and end + 1 < len(doc) and doc[end].text == ":" and doc[end + 1].is_title:
        stop = end + 1
        while (
            stop < len(doc)
            and stop - end <= _SUBTITLE_WORDS
            and (doc[stop].is_title or (doc[stop].lower_ in ("of", "the") and stop > end + 1))
        ):
            stop += 1
        while doc[stop - 1].lower_ in ("of", "the"):
            stop -= 1
        if stop > end + 1:  # "Call of Duty: The game sold well" has no subtitle
            return stop
    return end


def _former_name(entry: KBEntry, mentions: list[dict[str, Any]]) -> str:
    """The entity's name in this story: a former name ("Twitter" for X) when the story calls it
    by that alone, as an editor of its time tags it; else the knowledge base's current name."""
    said = [normalise(m["text"]) for m in mentions]
    formers = {normalise(f): f for f in entry.former_names}
    if not said or not all(s in formers for s in said):
        return entry.name
    return formers[max(set(said), key=lambda s: (said.count(s), len(s)))]


_DEFINED_ACRONYM = re.compile(r"\s*[(\[]\s*([A-Z][A-Za-z&.\-]{1,9})\s*[)\]]")


def _sentence_initial(token: Token, text: str) -> bool:
    """Whether the token opens a line or a sentence (what precedes it, quotes and brackets
    aside, is nothing, a line break or a full stop, question or exclamation mark or colon)."""
    before = text[: token.idx].rstrip(" \t\"'“‘([")
    return not before or before[-1] in "\n.!?:"


def _marked_name(token: Token) -> bool:
    """A word whose case marks it as a name wherever it stands: a capital after its first
    letter ("iTunes", "WhatsApp", "MAX")."""
    return any(ch.isupper() for ch in token.text[1:])


def _name_word(token: Token) -> bool:
    """A word that can be part of a product's name: capitalised or with an inner capital
    ("iTunes", "eDonkey"), and not a stop word ("The", "Its")."""
    text = token.text
    return text[:1].isalpha() and any(ch.isupper() for ch in text) and not token.is_stop


def _join_defined_acronyms(doc: Doc, groups: dict[str, dict[str, Any]], text: str) -> None:
    """A story that defines an acronym ("Liberal Democratic Party (LDP)", "San Miguel Corp
    (SMC)") means its full name wherever it uses it, whatever else the acronym may name. The
    known entity of the two keeps the tag; if both are known, the full name does."""
    by_surface: dict[str, str] = {}
    for key, named in groups.items():
        for s, e in named["_tokens"]:
            by_surface.setdefault(doc[s:e].text, key)
    for key in list(groups):
        group = groups.get(key)
        if group is None or group["label"] not in ("ORG", "APP"):
            continue
        for s, e in list(group["_tokens"]):
            if e - s < 2:
                continue
            found = _DEFINED_ACRONYM.match(text, doc[e - 1].idx + len(doc[e - 1].text))
            acronym = found.group(1) if found else ""
            other_key = by_surface.get(acronym)
            if not is_acronym(acronym) or other_key is None or other_key == key:
                continue
            other = groups.get(other_key)
            if other is None or other["label"] not in ("ORG", "APP"):
                continue
            keep, drop = (other_key, key) if other["_kb"] and not group["_kb"] else (key, other_key)
            groups[keep]["_tokens"].extend(groups[drop]["_tokens"])
            del groups[drop]
            for surface, owner in by_surface.items():
                if owner == drop:
                    by_surface[surface] = keep
            break


# the last word of a law, treaty or plan's name ("Digital Services Act", "Fourth Geneva
# Convention"): a document, not a body or a place
INSTRUMENT_HEADS = frozenset(
    "Act Acts Treaty Convention Accord Accords Agreement Declaration Plenum Doctrine Directive "
    "Bill Amendment Charter".split()
)
# a name before one of these is a weapon, a commodity or a pipeline ("Patriot missiles",
# "Leopard tanks", "Brent crude", "the Druzhba pipeline"), not a body or a person
PRODUCT_FOLLOWERS = frozenset(
    "missile missiles tank tanks howitzer howitzers launcher launchers rifle rifles jet jets "
    "helicopter helicopters battery batteries crude blend futures air infantry vehicles system "
    "systems pipeline pipelines".split()
)
# a model designation ("MiG-29", "AIM-9", "Su-25", "F-16"): a product, not a body or a place
_DESIGNATION = re.compile(r"[A-Za-z]{1,4}-\d{1,3}[A-Za-z]{0,2}")
# the major languages (ISO 639-1, from pycountry): "Amharic" or "Oromo" read as a body or a
# person is the language (a place keeps its reading: the Afar region)
LANGUAGES = frozenset(
    re.sub(r"\s*\(.*\)$", "", lang.name) for lang in pycountry.languages if hasattr(lang, "alpha_2")
)
_LOWER_WORD = re.compile(r"\b[a-z][a-z'’-]+\b")


def _opens(token: Token, text: str) -> bool:
    """Whether the token opens a line or a sentence (looking a few characters back only)."""
    before = text[max(0, token.idx - 12) : token.idx].rstrip(" \t\"'“‘([")
    return (not before and token.idx < 12) or (bool(before) and before[-1] in "\n.!?:")


def _drop_words(doc: Doc, candidates: list[_Candidate], text: str) -> list[_Candidate]:
    """Unknown names that are words: a law or treaty ("Digital Services Act"); a capitalised
    word found only where a sentence or line opens, that the story also writes in lower case
    ("Turnout was 63 per cent" ... "turnout") or that labels a line ("Verdict: False")."""
    singles: dict[str, list[_Candidate]] = {}
    for cand in candidates:
        if cand.entry is None and cand.end - cand.start == 1 and cand.name.istitle():
            singles.setdefault(cand.name, []).append(cand)
    words: set[str] | None = None
    drop: set[str] = set()
    # "English" is Bill English where the story names him
    surnames = {c.name.split()[-1] for c in candidates if c.label == "PERSON" and " " in c.name}
    for name, cands in singles.items():
        if not all(_opens(doc[c.start], text) for c in cands):
            continue
        if not all(c.end < len(doc) and doc[c.end].text == ":" for c in cands):
            if words is None:
                words = set(_LOWER_WORD.findall(text))
            if name.lower() not in words:
                continue
        drop.add(name)
    return [
        c
        for c in candidates
        if c.entry is not None
        or not (
            (c.end - c.start == 1 and c.name in drop)
            or (
                c.label != "PERSON"
                and c.end - c.start > 1
                and doc[c.end - 1].text in INSTRUMENT_HEADS
            )
            or (
                c.label in ("ORG", "PERSON")
                and c.end < len(doc)
                and doc[c.end].text in PRODUCT_FOLLOWERS
            )
            or (c.label in ("ORG", "LOCATION") and _DESIGNATION.fullmatch(c.name))
            or (c.label in ("ORG", "PERSON") and c.name in LANGUAGES and c.name not in surnames)
        )
    ]


# "the town of Nikopol", "a Karachi-based group", "outside Wroclaw": words that make a name a
# place, where the base model read it as a body or a person
PLACE_NOUNS = frozenset(
    "town city village port region province district oblast capital suburb suburbs county "
    "residents outskirts centre center streets mayor".split()
)
PLACE_PREPOSITIONS = frozenset("outside near".split())


def _place_by_cue(doc: Doc, candidates: list[_Candidate]) -> None:
    """An unknown body or person the story places ("the town of X", "X-based", "near X") is a
    place, at every mention."""
    placed: set[str] = set()
    for cand in candidates:
        if cand.entry is not None or cand.label not in ("ORG", "PERSON"):
            continue
        before = doc[cand.start - 1].lower_ if cand.start > 0 else ""
        before2 = doc[cand.start - 2].lower_ if cand.start > 1 else ""
        after = doc[cand.end : cand.end + 2].text.lower() if cand.end + 1 < len(doc) else ""
        if (
            before in PLACE_PREPOSITIONS
            or (before == "of" and before2 in PLACE_NOUNS)
            or after == "-based"
        ):
            placed.add(normalise(cand.name))
    for cand in candidates:
        if (
            cand.entry is None
            and cand.label in ("ORG", "PERSON")
            and normalise(cand.name) in placed
        ):
            cand.label = "LOCATION"


_NOT_INITIALS = frozenset("of the and for on in at to de la le du des del & -".split())


def _initials(name: str) -> str:
    """ "Rapid Support Forces" -> "RSF", "Crown Prosecution Service" -> "CPS"."""
    words = [w for w in name.replace("-", " ").split() if w.lower() not in _NOT_INITIALS]
    if len(words) < 2 or not all(w[:1].isupper() for w in words):
        return ""
    return "".join(w[0] for w in words)


def _join_initials(doc: Doc, groups: dict[str, dict[str, Any]]) -> None:
    """An acronym that spells the initials of a body the story names in full is that body
    ("the RSF" in a story about Sudan's Rapid Support Forces is not Reporters Without Borders,
    and "CPS" is the Crown Prosecution Service the story names), defined in brackets or not."""
    by_initials: dict[str, str] = {}
    for key, group in groups.items():
        if group["label"] == "ORG":
            for name in {group["name"], *(doc[s:e].text for s, e in group["_tokens"])}:
                letters = _initials(name)
                if len(letters) >= 2:
                    by_initials.setdefault(letters, key)
    if not by_initials:
        return
    for key in list(groups):
        group = groups[key]
        if group["label"] != "ORG":
            continue
        surfaces = {doc[s:e].text for s, e in group["_tokens"]}
        if len(surfaces) != 1:
            continue
        acronym = surfaces.pop()
        full = by_initials.get(acronym)
        if full is None or full == key or full not in groups or not is_acronym(acronym):
            continue
        groups[full]["_tokens"].extend(group["_tokens"])
        del groups[key]


def _people_read_as_bodies(doc: Doc, groups: dict[str, dict[str, Any]]) -> None:
    """A full name the base model read as a body or a place ("Irish millionaires JP McManus and
    John Magnier", "a consortium that included Viktor Pinchuk") is the person when the story
    gives its last word a courtesy title elsewhere ("Mr McManus")."""
    titled = {
        doc[i + 1].text
        for i in range(len(doc) - 1)
        if doc[i].text.rstrip(".") in HONORIFICS and doc[i + 1].text[:1].isupper()
    }
    if not titled:
        return
    for key in list(groups):
        group = groups[key]
        words = group["name"].split()
        if (
            group["label"] not in ("ORG", "LOCATION")
            or group["_kb"]
            or not 2 <= len(words) <= 3
            or words[-1] not in titled
            or not all(w[:1].isupper() for w in words)
            or words[-1] in ORG_HEADS
        ):
            continue
        person = groups.setdefault(f"PERSON:{normalise(group['name'])}", {**group, "_tokens": []})
        person["label"] = "PERSON"
        person["_tokens"].extend(group["_tokens"])
        del groups[key]


def _join_short_forms(groups: dict[str, dict[str, Any]]) -> None:
    """Within one story, "Klimarev" and "Mikhail Klimarev" (or "Mishustin") are one person."""
    people = [k for k, g in groups.items() if g["label"] == "PERSON"]
    full = {
        k: [normalise(w) for w in groups[k]["name"].split()]
        for k in people
        if len(groups[k]["name"].split()) > 1
    }
    # the base model sometimes reads a lone surname as an organisation or a place ("Klimarev
    # said", "Menendez told reporters"); accents aside ("González" / "Gonzalez")
    singles = [k for k, g in groups.items() if g["label"] in ("PERSON", "ORG", "LOCATION")]
    for key in singles:
        group = groups.get(key)
        if group is None or group["_kb"] or key in full or " " in group["name"]:
            continue
        word = normalise(group["name"])
        positions = (-1, 0) if group["label"] == "PERSON" else (-1,)
        owners = [k for k, parts in full.items() if any(word == parts[p] for p in positions)]
        if len(owners) != 1:
            continue
        owner = groups[owners[0]]
        owner["_tokens"].extend(group["_tokens"])
        del groups[key]
    # the same for organisations known by a longer name: "Internet Protection Society" / "Society"
    # is left alone: too risky without a parser.


def _find_surnames(
    doc: Doc, groups: dict[str, dict[str, Any]], junk: JunkZones | None = None
) -> None:
    """A surname the base model missed ("Klimarev said") still counts for the one person in the
    story whose full name ends with it, outside the page's junk (a reference list's "Taye, B.")."""
    owners: dict[str, list[str]] = {}
    for key, group in groups.items():
        parts = group["name"].split()
        if group["label"] == "PERSON" and len(parts) > 1 and parts[-1][:1].isupper():
            owners.setdefault(parts[-1], []).append(key)
    claimed = {i for g in groups.values() for s, e in g["_tokens"] for i in range(s, e)}
    if not owners:
        return
    strings = doc.vocab.strings
    by_orth = {strings.add(word): keys for word, keys in owners.items()}
    # a surname in capitals ("REAGAN SEEKS MORE AID") is the surname, unless it is also a
    # common word ("MAY")
    for word, owner_keys in owners.items():
        if word.lower() not in STOP_WORDS:
            by_orth.setdefault(strings.add(word.upper()), owner_keys)
    for i, orth in enumerate(doc.to_array("ORTH").tolist()):
        keys = by_orth.get(orth)
        if not keys or len(keys) != 1 or i in claimed:
            continue
        if junk is not None and junk.kind_at(doc[i].idx, doc[i].idx + len(doc[i])) == "drop":
            continue
        alone = not any(
            0 <= j < len(doc) and doc[j].is_title and not doc[j].is_sent_start
            for j in (i - 1, i + 1)
        )
        if alone:
            groups[keys[0]]["_tokens"].append((i, i + 1))


def _score_salience(entities: list[dict[str, Any]], layout: Layout) -> None:
    """Headline, lead, frequency and spread in the story body; page chrome counts for little.

    salience = 0.15 + 0.85 * (0.30 headline + 0.20 lead + 0.25 frequency + 0.15 spread
                              + 0.10 early first mention)
    for an entity named in the story; at most 0.10 for one named only in the page chrome.
    """
    story = [ln for ln in layout.lines if ln.zone == "body"]
    body_start = story[0].start if story else 0
    body_len = max(1, (story[-1].end - body_start) if story else 1)
    stats = []
    for entity in entities:
        zones = [(m["start"], layout.zone_at(m["start"])) for m in entity["mentions"]]
        in_story = [start for start, zone in zones if zone == "body"]
        headline = any(zone == "headline" for _, zone in zones)
        stats.append((entity, in_story, headline))
    top = max((len(s) + h for _, s, h in stats), default=1) or 1
    for entity, in_story, headline in stats:
        count = len(in_story) + int(headline)
        if count == 0:
            chrome = len(entity["mentions"])
            entity["salience"] = round(0.1 * min(1.0, math.log1p(chrome) / math.log1p(5)), 4)
            continue
        lead = any(start < layout.lead_end for start in in_story)
        freq = math.log1p(count) / math.log1p(top)
        spread = (max(in_story) - min(in_story)) / body_len if len(in_story) > 1 else 0.0
        early = 1.0 - min(1.0, (min(in_story) - body_start) / body_len) if in_story else 1.0
        raw = 0.30 * headline + 0.20 * lead + 0.25 * freq + 0.15 * min(1.0, spread) + 0.10 * early
        entity["salience"] = round(0.15 + 0.85 * raw, 4)


@Language.factory("tagger_entities", default_config={"kb_dir": None})
def make_entity_resolver(nlp: Language, name: str, kb_dir: str | None) -> EntityResolver:
    """Factory for ``nlp.add_pipe("tagger_entities", after="ner")``."""
    return EntityResolver(nlp, KnowledgeBase.load(kb_dir), Path(kb_dir) if kb_dir else None)


def iter_entity_spans(doc: Doc) -> Iterable[Span]:
    """Our entity spans of a processed doc (for evaluation)."""
    return iter(doc.ents)
