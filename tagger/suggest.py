"""The editor's decision for entities: which of the names in a story to suggest as tags.

An editor tags the few people, countries, organisations and apps a story is about, not every
name it mentions. ``entity_features`` describes each entity by where and how often the story
names it (headline, lead, first position, spread, share of the story's mentions, rank among
entities of its type, knowledge-base entry and id, one-word name, kinds of body);
``SuggestModel`` is one logistic regression per entity type over those features, fitted on real articles labelled by editors (the development set's
fitting part) with a threshold per type chosen out of fold (``plateau_threshold``). It is stored as JSON (no pickle).
"""

from __future__ import annotations

import json
import math
import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tagger.knowledge import normalise
from tagger.metrics import prf
from tagger.text import Layout

SUGGEST_FILE = "suggest_model.json"
SUGGESTED_TYPES = ("PERSON", "COUNTRY", "ORG", "APP")  # what editors tag (LABELLING.md)
FEATURES = (
    "log story mentions",
    "log all mentions",
    "in headline",
    "in lead",
    "first position",
    "spread",
    "salience",
    "share of story mentions",
    "1 / rank in its type",
    "1 / rank overall",
    "has an id",
    "only in page chrome",
    "log story words",
    "known to the knowledge base",
    "one-word name",
    "a news outlet",
    "log mentions of the country's people and bodies",
    "first word a known given name",
    "share of mentions beside a speech verb",
    "share of mentions beside a source's role",
    "log people in the story (a person's feature)",
    "not named: implied by its people and bodies",
    "share of story mentions that are the country's people and bodies",
    "an operating system",
    "share of mentions beside an office",
    "share of the country's people and bodies that are its state (people, places, public bodies)",
    "story mentions / the most-mentioned entity of its type's",
    "a seat of government (the Kremlin, Downing Street)",
    "a legislature (the Commons, Congress)",
    "a stock exchange",
    "a university",
)
# a country the story never names but whose people, bodies and places it names this often is a
# candidate (editors tag the United Kingdom on a story about the Commons); the model decides
IMPLIED_MIN_MENTIONS = 2
# what is said around a name: a quoted source ("said Rick Mueller, an analyst at ...") is often
# named in passing, a story's subject is spoken of
SPEECH = re.compile(
    r"\b(?:said|says|told|tells|added|adds|asked|wrote|writes|according to)\b", re.I
)
SOURCE_ROLES = re.compile(
    r"\b(?:analysts?|spokes(?:man|woman|person)|experts?|professor|researchers?|curator|"
    r"economists?|strategists?|dealers?|traders?|authors?|writers?)\b",
    re.I,
)
# holders of office: the newsmakers a story is about more often than the sources it quotes
OFFICES = re.compile(
    r"\b(?:president|prime minister|premier|chancellor|minister|secretary|senator|governor|"
    r"mayor|leader|chairman|chairwoman|chief executive|ceo|king|queen|judge|ambassador|MP)\b",
    re.I,
)
CONTEXT_CHARS = 60
# the writer's thanks ("We thank Maria Xynou and Arturo Filasto for their contributions",
# "Thanks to Roger, Nick and Runa for feedback"): the helpers of a report, not its subject; a
# sentence-initial "Thanks to" counts only up to its "for" ("Thanks to high oil prices, Russia")
ACKNOWLEDGEMENT = re.compile(
    r"\b(?:I|we)(?:['’]d| would| also| wish to| want to)?(?: like to)? thank\b[^.!?\n]*"
    r"|\bthanks (?:also )?go(?:es)? to\b[^.!?\n]*"
    r"|\bthank you to\b[^.!?\n]*"
    r"|^[ \t]*acknowledge?ments?\b[^\n]*"
    r"|(?:^|(?<=[.!?] )|(?<=\())[ \t]*(?:(?:many|special|big|our|my) )?thanks(?: also)? to\b"
    r"[^.!?\n]{0,200}?(?=\bfor\b)",
    re.I | re.M,
)
# knowledge-base kinds of a state's own bodies: a story naming a country's ministries, courts and
# parties is about the country; one naming its companies (Microsoft, Apple) mostly is not
STATE_KINDS = frozenset(
    {
        "political party", "government agency", "regulator", "ministry", "statistics office",
        "military", "law enforcement agency", "legislature", "court", "intelligence service",
        "central bank", "security service", "government body", "government", "state corporation",
        "seat of government",
    }
)  # fmt: skip
# knowledge-base kinds of the press: a paper or broadcaster is mostly a source, not a subject
NEWS_OUTLETS = frozenset(
    {"newspaper", "broadcaster", "news agency", "news outlet", "magazine", "investigative outlet"}
)

# an age right after a name (", 61," ", aged 54" ", a 41-year-old mechanic"): how a story
# introduces a passer-by it quotes (a resident, a shopper, a refugee at a border crossing)
AGE_AFTER_NAME = re.compile(
    r",\s*(?:aged\s+)?\d{1,3}(?:\s*[,.;)]|\s+(?:and|from|of|who|in)\b)"
    r"|,\s*an?\s+\d{1,3}-year-old\b"
)
AGE_CHARS = 30

CHROME_ONLY = FEATURES.index("only in page chrome")
KNOWN = FEATURES.index("known to the knowledge base")


def entity_features(
    entities: list[dict[str, Any]],
    layout: Layout,
    text: str,
    given_names: frozenset[str] = frozenset(),
    countries: Mapping[str, Any] | None = None,
) -> None:
    """Add ``entity["features"]`` (a list in the order of ``FEATURES``) to every entity dict.

    Expects ``salience`` to be set and the entities sorted by salience, best first.
    ``given_names`` are the (normalised) first words of the knowledge base's people.
    ``countries`` (ISO alpha-3 -> the knowledge base's country entry): with it, a country the
    story does not name but whose people and bodies it names is appended as an *implied* entity
    (no mentions, ``implied: True``), kept only if the decision suggests it.
    """
    text_len = len(text)
    speech = [m.span() for m in SPEECH.finditer(text)]
    roles = [m.span() for m in SOURCE_ROLES.finditer(text)]
    thanks = (
        [
            m.span()
            for m in ACKNOWLEDGEMENT.finditer(text)
            if not _quoted(text, m.start())  # "I thank Joe Biden for ..." in a quote is news
        ]
        if "hank" in text or "cknowledg" in text
        else []
    )
    offices = [m.span() for m in OFFICES.finditer(text)]
    body = [ln for ln in layout.lines if ln.zone == "body"]
    body_start = body[0].start if body else 0
    body_len = max(1, (body[-1].end - body_start) if body else text_len)
    story_words = sum(ln.words for ln in layout.lines if ln.zone != "chrome")
    zones = [[(m["start"], layout.zone_at(m["start"])) for m in e["mentions"]] for e in entities]
    story_counts = [sum(1 for _, z in zs if z != "chrome") for zs in zones]
    total_story = max(1, sum(story_counts))
    rank_in_type: dict[str, int] = {}
    most_in_type: dict[str, int] = {}
    for entity, count in zip(entities, story_counts, strict=True):
        most_in_type[entity["label"]] = max(most_in_type.get(entity["label"], 0), count)
    # a story naming many people tags fewer of them (out of fold on the fitting part it helped
    # people and no other type)
    people = sum(1 for e in entities if e["label"] == "PERSON")
    # how often the story names people, bodies and places of each country ("Blair", "Labour",
    # "Downing Street" for the United Kingdom): a country the story is about has them
    by_country: dict[str, int] = {}
    state_by_country: dict[str, int] = {}
    for entity, count in zip(entities, story_counts, strict=True):
        home = entity.get("kb_country")
        if home and entity["label"] != "COUNTRY":
            by_country[home] = by_country.get(home, 0) + count
            if entity["label"] in ("PERSON", "LOCATION") or entity.get("kb_kind") in STATE_KINDS:
                state_by_country[home] = state_by_country.get(home, 0) + count
    if countries:
        named = {e.get("kb_country") for e in entities if e["label"] == "COUNTRY"}
        for iso, n in sorted(by_country.items(), key=lambda item: (-item[1], item[0])):
            entry = countries.get(iso)
            if n >= IMPLIED_MIN_MENTIONS and iso not in named and entry is not None:
                entities.append(_implied_country(entry))
                zones.append([])
                story_counts.append(0)
    for overall, (entity, zs, count) in enumerate(zip(entities, zones, story_counts, strict=True)):
        rank_in_type[entity["label"]] = rank_in_type.get(entity["label"], 0) + 1
        in_body = [start for start, zone in zs if zone == "body"]
        kind, home = entity.pop("kb_kind", None), entity.pop("kb_country", None)
        first = (min(in_body) - body_start) / body_len if in_body else 1.0
        spread = (max(in_body) - min(in_body)) / body_len if len(in_body) > 1 else 0.0
        entity["features"] = [
            math.log1p(count),
            math.log1p(len(zs)),
            float(any(zone == "headline" for _, zone in zs)),
            float(any(start < layout.lead_end for start in in_body)),
            min(1.0, max(0.0, first)),
            min(1.0, spread),
            float(entity["salience"]),
            count / total_story,
            1.0 / rank_in_type[entity["label"]],
            1.0 / (overall + 1),
            float(bool(entity.get("id"))),
            float(count == 0 and not entity.get("implied")),
            math.log1p(story_words) / 10.0,
            float(entity.pop("known", bool(entity.get("id")))),
            float(len(entity["name"].split()) == 1),
            float(kind in NEWS_OUTLETS),
            math.log1p(by_country.get(home or "", 0)) if entity["label"] == "COUNTRY" else 0.0,
            float(entity["label"] == "PERSON" and _first_word(entity["name"]) in given_names),
            _share_beside(speech, entity["mentions"]),
            _share_beside(roles, entity["mentions"]),
            math.log(people) if entity["label"] == "PERSON" else 0.0,
            float(bool(entity.get("implied"))),
            by_country.get(home or "", 0) / total_story if entity["label"] == "COUNTRY" else 0.0,
            # the platform a story's software runs on is mostly named in passing
            float(kind == "operating system"),
            _share_beside(offices, entity["mentions"]),
            state_by_country.get(home or "", 0) / max(1, by_country.get(home or "", 0))
            if entity["label"] == "COUNTRY"
            else 0.0,
            count / max(1, most_in_type.get(entity["label"], 0)),
            # "Downing Street said": the building speaks for a government an editor tags by
            # its country and people, not by its address
            float(kind == "seat of government"),
            float(kind == "legislature"),
            float(kind == "stock exchange"),
            float(kind == "university"),
        ]
        entity["aside"] = entity["label"] == "PERSON" and (
            _thanked_only(thanks, entity["mentions"])
            or _passer_by(text, entity, entity["features"], offices)
        )


def drop_implied(entities: list[dict[str, Any]]) -> None:
    """Remove the implied entities that are not suggested (in place) and the ``implied`` mark."""
    entities[:] = [e for e in entities if not e.get("implied") or e.get("suggested")]
    for entity in entities:
        entity.pop("implied", None)


def _implied_country(entry: Any) -> dict[str, Any]:
    """An entity for a country the story does not name (see :func:`entity_features`)."""
    return {
        "name": entry.name,
        "label": "COUNTRY",
        "id": entry.id,
        "count": 0,
        "salience": 0.0,
        "mentions": [],
        "_tokens": [],
        "known": True,
        "kb_kind": entry.kind,
        "kb_country": entry.country,
        "implied": True,
    }


def _thanked_only(thanks: list[tuple[int, int]], mentions: list[dict[str, Any]]) -> bool:
    """A person named only in the writer's thanks helped with the report; it is not about them
    (21 of 23 such people on the fitting part are not tagged; too few to learn from)."""
    return _share_within(thanks, mentions) == 1.0


def _passer_by(
    text: str, entity: dict[str, Any], features: list[float], offices: list[tuple[int, int]]
) -> bool:
    """A person named once, introduced by their age, holding no office the knowledge base or
    the words around them know of: a resident or shopper the story quotes, not its subject
    (13 of the 16 such people on the fitting part are not tagged; court stories name their
    defendants with an age too, but more than once)."""
    mentions = entity["mentions"]
    if len(mentions) != 1 or features[KNOWN] or _share_beside(offices, mentions):
        return False
    end = mentions[0]["end"]
    return AGE_AFTER_NAME.match(text, end, end + AGE_CHARS) is not None


def _first_word(name: str) -> str:
    words = normalise(name).split()
    return words[0] if len(words) > 1 else ""


def _share_beside(cues: list[tuple[int, int]], mentions: list[dict[str, Any]]) -> float:
    """The share of ``mentions`` with a cue word (``cues``: their spans, in order) within
    ``CONTEXT_CHARS`` characters either side."""
    if not mentions or not cues:
        return 0.0
    hits = 0
    for m in mentions:
        i = bisect_left(cues, (m["start"] - CONTEXT_CHARS, 0))
        hits += i < len(cues) and cues[i][1] <= m["end"] + CONTEXT_CHARS
    return hits / len(mentions)


def _quoted(text: str, offset: int) -> bool:
    """Whether ``offset`` is inside a quotation opened earlier in its paragraph."""
    start = text.rfind("\n", 0, offset) + 1
    before = text[start:offset]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def _share_within(spans: list[tuple[int, int]], mentions: list[dict[str, Any]]) -> float:
    """The share of ``mentions`` inside one of ``spans`` (in order, not overlapping)."""
    if not mentions or not spans:
        return 0.0
    hits = 0
    for m in mentions:
        i = bisect_left(spans, (m["start"] + 1, 0)) - 1
        hits += i >= 0 and spans[i][0] <= m["start"] and m["end"] <= spans[i][1]
    return hits / len(mentions)


@dataclass
class SuggestModel:
    """Per entity type: logistic weights (features + intercept) and the decision threshold."""

    weights: dict[str, list[float]]
    thresholds: dict[str, float]
    info: dict[str, Any]

    def probability(self, label: str, features: Sequence[float]) -> float | None:
        """P(an editor tags it); None for a type editors do not tag (places)."""
        w = self.weights.get(label)
        if w is None:
            return None
        z = float(np.dot(w[:-1], features) + w[-1])
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def suggests(self, label: str, features: Sequence[float], aside: bool = False) -> bool:
        """The decision for one entity (what :meth:`decide` sets as ``suggested``)."""
        p = self.probability(label, features)
        # a name only in page chrome (menus, "Related stories") is never what the story is
        # about; the real articles the model learns from have almost no chrome to teach it
        chrome_only = features[CHROME_ONLY] > 0
        return p is not None and p >= self.thresholds[label] and not chrome_only and not aside

    def decide(self, entities: list[dict[str, Any]]) -> None:
        """Set ``entity["suggested"]`` on every entity dict and drop its features; an implied
        country (named nowhere in the text) stays only if it is suggested."""
        for entity in entities:
            features = entity.pop("features", None)
            aside = entity.pop("aside", False)
            entity["suggested"] = features is not None and self.suggests(
                entity["label"], features, aside
            )
        drop_implied(entities)

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(FEATURES),
                "weights": self.weights,
                "thresholds": self.thresholds,
                "info": self.info,
            },
            indent=1,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> SuggestModel:
        """The inverse of :meth:`to_json`; ValueError when it does not fit this version."""
        data = json.loads(text)
        if data.get("features") != list(FEATURES):
            raise ValueError(
                "it was built with other features (by another version of tagger? retrain the "
                "bundle with `tagger train`)"
            )
        weights = {str(k): [float(x) for x in v] for k, v in data["weights"].items()}
        if any(len(w) != len(FEATURES) + 1 for w in weights.values()):
            raise ValueError("a suggestion model weight vector has the wrong length")
        thresholds = {str(k): float(v) for k, v in data["thresholds"].items()}
        if set(thresholds) != set(weights):
            raise ValueError("every entity type needs a weight vector and a threshold")
        return cls(weights, thresholds, dict(data.get("info", {})))

    def save(self, path: Path) -> None:
        path.write_text(self.to_json() + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> SuggestModel:
        return cls.from_json(path.read_text(encoding="utf-8"))


def fit_suggest_model(
    rows: Sequence[tuple[str, Sequence[float], int]], groups: Sequence[str], seed: int = 0
) -> SuggestModel:
    """Fit one logistic regression per entity type on (label, features, tagged) rows.

    ``groups`` (the article of each row) keeps an article's entities in one fold when the
    threshold is chosen on out-of-fold probabilities, so no article judges its own threshold.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    weights: dict[str, list[float]] = {}
    thresholds: dict[str, float] = {}
    counts: dict[str, dict[str, int]] = {}
    for label in SUGGESTED_TYPES:
        idx = [i for i, row in enumerate(rows) if row[0] == label]
        X = np.array([rows[i][1] for i in idx], dtype=float)
        y = np.array([rows[i][2] for i in idx], dtype=int)
        counts[label] = {"entities": len(idx), "tagged": int(y.sum())}
        if len(set(y.tolist())) < 2 or len(idx) < 10:
            continue  # too little to learn this type: it is never suggested
        g = np.array([groups[i] for i in idx])
        oof = np.zeros(len(idx))
        for train, test in GroupKFold(n_splits=min(5, len(set(g)))).split(X, y, g):
            if len(set(y[train].tolist())) < 2:
                continue
            model = LogisticRegression(C=1.0, max_iter=2000).fit(X[train], y[train])
            oof[test] = model.predict_proba(X[test])[:, 1]
        model = LogisticRegression(C=1.0, max_iter=2000).fit(X, y)
        weights[label] = [*map(float, model.coef_.ravel()), float(model.intercept_[0])]
        thresholds[label] = plateau_threshold(oof, y)
    return SuggestModel(weights, thresholds, {"rows": counts, "seed": seed})


def plateau_threshold(probs: np.ndarray, truth: np.ndarray, half_width: int = 2) -> float:
    """The grid threshold at the middle of the best stretch of the F1 curve: F1 averaged over
    ``half_width`` grid steps either side, then the best. The organisations' curve is flat from
    0.30 to 0.425 (F1 0.729-0.732 on the fitting part), so the single best point jumped across
    that range whenever a few rows changed; the middle of the stretch does not."""
    from tagger.topics import THRESHOLD_GRID

    positives = int(truth.sum())
    f1 = []
    for t in THRESHOLD_GRID:
        chosen = probs >= t
        tp = int(np.sum(chosen & (truth == 1)))
        f1.append(prf(tp, int(chosen.sum()) - tp, positives - tp)[2])
    smooth = [np.mean(f1[max(0, i - half_width) : i + half_width + 1]) for i in range(len(f1))]
    return float(THRESHOLD_GRID[int(np.argmax(smooth))])
