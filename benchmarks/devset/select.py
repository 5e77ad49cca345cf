"""Choose the development set's articles (run once; writes benchmarks/devset/articles.csv).

    python -m benchmarks.devset.select            # round 1: 423 articles
    python -m benchmarks.devset.select --round2   # round 2: 98 more for the thin topics
    python -m benchmarks.devset.select --round3   # round 3: 196 more, fitting part only
    python -m benchmarks.devset.select --round4   # round 4: 195 more at random, fitting part only
    python -m benchmarks.devset.select --round5   # round 5: 196 more at random, fitting part only
    python -m benchmarks.devset.select --round6   # round 6: every unread article over 800 words
    python -m benchmarks.devset.select --round7   # round 7: 196 more at random, fitting part only
    python -m benchmarks.devset.select --round8   # round 8: most of the unread BBC, some Tor and Wikinews
    python -m benchmarks.devset.select --round9   # round 9: the last BBC tech, most BBC politics, Reuters
    python -m benchmarks.devset.select --round10  # round 10: BBC business and Reuters

The choice only decides which real articles get read and labelled; the labels come from reading
(benchmarks/devset/readings/). Keyword counts are used to bring in articles likely to be about thin
topics (sanctions, refugees, espionage ...) so that every starter topic has as many positives as the
sources allow. Split by document: a stable hash of the id puts about 40% in the measuring part.
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
from collections.abc import Iterable
from pathlib import Path

from benchmarks.devset.sources import iter_articles

HERE = Path(__file__).parent
ARTICLES = HERE / "articles.csv"
N_CHUNKS = 8

# Hints for choosing articles to read, not labels.
HINTS = {
    "sanctions": r"sanction|embargo|asset freeze|export ban",
    "censorship": r"censor|blocked|blocking|banned website|firewall|filtering",
    "press-freedom": r"journalist|reporters without borders|press freedom|newspaper closed",
    "surveillance": r"surveillance|wiretap|monitoring|interception|data retention|spying on",
    "war": r"\bwar\b|troops|shelling|missile|air strike|insurgen|military offensive",
    "diplomacy": r"talks|summit|diplomat|ambassador|foreign minister|negotiat",
    "military-aid": r"military aid|arms sale|weapons deliver|military assistance|arms deal",
    "elections": r"election|vote|ballot|campaign|poll",
    "corruption": r"corrupt|bribe|embezzl|kickback",
    "espionage": r"\bspy|spies|espionage|intelligence agenc|\bcia\b|\bmi5\b|\bmi6\b|\bkgb\b",
    "cyber-warfare": r"hacker|cyber|\bhack|malware|virus attack|denial of service",
    "energy": r"\boil\b|\bgas\b|opec|pipeline|nuclear power|electricity|crude",
    "human-rights": r"human rights|torture|detain|political prisoner|asylum|amnesty",
    "disinformation": r"propaganda|disinformation|misinformation|false claim|hoax",
    "tech-platforms": r"google|yahoo|microsoft|skype|facebook|twitter|messenger|search engine|apple",
    "refugees": r"refugee|asylum|displaced|fled|evacuat",
    "justice": r"court|trial|judge|sentenced|prosecut|charged",
    "economy": r"inflation|economy|gdp|interest rate|trade deficit|growth|unemployment",
}
QUOTA = {"bbc": 150, "reuters": 80, "gum": 43, "meantime": 50, "tor": 100}
MEASURE_SHARE = 0.4


def _hint_counts(text: str) -> dict[str, int]:
    low = text.lower()
    return {slug: len(re.findall(pattern, low)) for slug, pattern in HINTS.items()}


def _density(hits: dict[str, int], words: int) -> dict[str, float]:
    """Hint matches per 100 words (two at least), so a long text with one mention does not win."""
    return {slug: 100 * h / words if h >= 2 else 0.0 for slug, h in hits.items()}


def _append_fit(picked: list[tuple[str, str, int]], chunks: tuple[int, ...]) -> None:
    """Add ``(id, source, words)`` rows to the fitting part, dealt round the ``chunks``."""
    with open(ARTICLES, "a", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for i, (aid, source, words) in enumerate(picked):
            writer.writerow([aid, source, words, "fit", chunks[i % len(chunks)]])
    print(f"{len(picked)} articles added to the fitting part as chunks {chunks}")


def _strongest(
    scored: dict[str, tuple[str, int, dict[str, float]]], slugs: Iterable[str], per_topic: int
) -> list[str]:
    """For each topic in turn, the ``per_topic`` unpicked articles with the densest hints."""
    picked: list[str] = []
    for slug in slugs:
        ranked = sorted(
            (-density[slug], aid)
            for aid, (_, _, density) in scored.items()
            if aid not in picked and density[slug] > 0
        )
        picked += [aid for _, aid in ranked[:per_topic]]
    return picked


def _text_key(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def _in_measure_part(article_id: str) -> bool:
    digest = hashlib.sha256(article_id.encode()).digest()
    return digest[0] / 256 < MEASURE_SHARE


def main() -> None:
    rng = random.Random(0)
    by_source: dict[str, list[tuple[str, int, dict[str, int]]]] = {}
    for aid, source, text in iter_articles():
        words = len(text.split())
        if source in {"bbc", "reuters"} and words < 120:
            continue
        by_source.setdefault(source, []).append((aid, words, _hint_counts(text)))
    chosen: list[tuple[str, str, int]] = []
    for source, quota in QUOTA.items():
        pool = by_source[source]
        rng.shuffle(pool)
        if len(pool) <= quota:
            picked = pool
        else:
            # Round-robin over topics: each takes the unpicked article with most hint matches
            # (at least 2), then fill the rest at random so common news is represented too.
            picked, seen = [], set()
            rounds = 0
            while len(picked) < quota * 0.7 and rounds < quota:
                rounds += 1
                for slug in HINTS:
                    best = max(
                        (a for a in pool if a[0] not in seen),
                        key=lambda a, s=slug: a[2][s],
                        default=None,
                    )
                    if best is None or best[2][slug] < 2 or len(picked) >= quota * 0.7:
                        continue
                    picked.append(best)
                    seen.add(best[0])
            # Long articles are rare; keep every long one the source has in the fill.
            rest = sorted(
                (a for a in pool if a[0] not in seen), key=lambda a: -a[1] if a[1] > 1000 else 0
            )
            picked += rest[: quota - len(picked)]
        chosen += [(aid, source, words) for aid, words, _ in picked]
    chosen.sort()
    rng.shuffle(chosen)
    with open(ARTICLES, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "source", "words", "part", "chunk"])
        for i, (aid, source, words) in enumerate(chosen):
            part = "measure" if _in_measure_part(aid) else "fit"
            writer.writerow([aid, source, words, part, i % N_CHUNKS + 1])
    print(f"{len(chosen)} articles -> {ARTICLES}")


# Round 2: after the first 423 were read, seven topics had fewer than 10 agreed positives
# (disinformation 1, press-freedom 4, espionage 4, military-aid 5, cyber-warfare 5, war 8,
# sanctions 8). Bring in the unread articles with the strongest hints for those topics.
THIN_HINTS = {
    "disinformation": r"propaganda|disinformation|misinformation|false report|hoax|fake",
    "press-freedom": r"journalist|reporters without borders|press freedom|jailed reporter|media freedom",
    "espionage": r"\bspy\b|\bspies\b|espionage|spying|intelligence service|\bcia\b|\bkgb\b|\bmi5\b|\bmi6\b",
    "military-aid": r"military aid|arms sales?|weapons|arms (deal|shipment|supplies)|military assistance",
    "cyber-warfare": r"hacker|cyber|hacking|denial of service|\bddos\b|attack on .* network",
    "war": r"\bwar\b|troops|shelling|missile|bombing|insurgen|soldiers|attack",
    "sanctions": r"sanction|embargo|boycott",
}
ROUND2_PER_TOPIC = 14


def select_round2() -> None:
    with open(ARTICLES, encoding="utf-8", newline="") as fh:
        existing = list(csv.DictReader(fh))
    taken = {row["id"] for row in existing}
    scored: dict[str, tuple[str, int, dict[str, float]]] = {}
    for aid, source, text in iter_articles():
        words = len(text.split())
        if aid in taken or words < 150:
            continue
        low = text.lower()
        hits = {slug: len(re.findall(p, low)) for slug, p in THIN_HINTS.items()}
        scored[aid] = (source, words, _density(hits, words))
    picked = _strongest(scored, THIN_HINTS, ROUND2_PER_TOPIC)
    rng = random.Random(2)
    rng.shuffle(picked)
    with open(ARTICLES, "a", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for i, aid in enumerate(picked):
            source, words, _ = scored[aid]
            part = "measure" if _in_measure_part(aid) else "fit"
            writer.writerow([aid, source, words, part, N_CHUNKS + 1 + i % 2])
    print(f"round 2: {len(picked)} articles added as chunks {N_CHUNKS + 1}-{N_CHUNKS + 2}")


# Round 3 (stop 20): the fitting part had under 15 settled positives for ten topics (war 9,
# refugees 6, espionage 5, cyber-warfare 4, press-freedom 4, military-aid 4, disinformation 1 ...)
# and few short wire stories. About 200 unread articles join the *fitting part only*: the measuring part
# stays the 207 articles chosen before any tuning, so its figures stay comparable across stops.
# Counted on the fitting part's labels only; the measuring part was not looked at to choose these.
# The sources have few unread articles left for the rarest topics (two or more hint matches:
# cyber-warfare, press-freedom and disinformation none, espionage and surveillance 2, military-aid 1).
ROUND3_THIN = (
    "war", "refugees", "espionage", "cyber-warfare", "press-freedom", "military-aid",
    "disinformation", "human-rights", "corruption", "sanctions", "elections", "energy",
    "diplomacy", "surveillance",
)  # fmt: skip
ROUND3_PER_TOPIC = 10
ROUND3_FILL = {"reuters": 50, "bbc": 40, "meantime": 15, "tor": 10}  # common news, at random
ROUND3_CHUNKS = (11, 12, 13, 14)


def select_round3() -> None:
    with open(ARTICLES, encoding="utf-8", newline="") as fh:
        existing = list(csv.DictReader(fh))
    taken = {row["id"] for row in existing}
    patterns = {**HINTS, **THIN_HINTS}
    scored: dict[str, tuple[str, int, dict[str, float]]] = {}
    for aid, source, text in iter_articles():
        words = len(text.split())
        if aid in taken or words < 100 or words > 3000:
            continue
        low = text.lower()
        hits = {slug: len(re.findall(patterns[slug], low)) for slug in ROUND3_THIN}
        scored[aid] = (source, words, _density(hits, words))
    picked = _strongest(scored, ROUND3_THIN, ROUND3_PER_TOPIC)
    rng = random.Random(3)
    for source, n in ROUND3_FILL.items():
        pool = sorted(a for a in scored if scored[a][0] == source and a not in picked)
        picked += rng.sample(pool, n)
    rng.shuffle(picked)
    _append_fit([(aid, *scored[aid][:2]) for aid in picked], ROUND3_CHUNKS)


# Round 4 (stop 20): round 3 was mostly wire copy; the entity suggestion model learns from the
# people, countries, organisations and apps editors tag, which BBC politics and tech stories, Tor
# posts and Wikinews carry more of. 195 more unread articles at random, fitting part only.
ROUND4_FILL = {"bbc:tech": 70, "bbc:politics": 50, "bbc:business": 30, "tor": 25, "meantime": 20}
ROUND4_CHUNKS = (15, 16, 17, 18)


# Round 5 (stop 20): rounds 3 and 4 raised both the topics and the entity decisions out of fold
# on the fitting part; 196 more at random the same way, with wire copy again.
ROUND5_FILL = {
    "bbc:tech": 50,
    "bbc:politics": 50,
    "bbc:business": 40,
    "reuters": 40,
    "meantime": 16,
}
ROUND5_CHUNKS = (19, 20, 21, 22)


def select_round4(
    fill: dict[str, int] | None = None,
    chunks: tuple[int, ...] = (),
    seed: int = 4,
    skip_copies: bool = False,
) -> None:
    with open(ARTICLES, encoding="utf-8", newline="") as fh:
        taken = {row["id"] for row in csv.DictReader(fh)}
    # the sources repeat a few texts: from round 5 on, never pick a copy of an article already in
    # the set (round 4 was drawn before this check, and drew no such copy; it stays reproducible)
    seen = (
        {_text_key(text) for aid, _, text in iter_articles() if aid in taken}
        if skip_copies
        else set()
    )
    pools: dict[str, list[tuple[str, str, int]]] = {}
    for aid, source, text in iter_articles():
        words = len(text.split())
        if aid in taken or words < 100 or words > 3000 or _text_key(text) in seen:
            continue
        key = f"bbc:{aid.split(':')[1].split('/')[0]}" if source == "bbc" else source
        pools.setdefault(key, []).append((aid, source, words))
    rng = random.Random(seed)
    fill, chunks = fill or ROUND4_FILL, chunks or ROUND4_CHUNKS
    picked = [a for key, n in fill.items() for a in rng.sample(sorted(pools[key]), n)]
    rng.shuffle(picked)
    _append_fit(picked, chunks)


# Round 6 (stop 20): after round 5 the fitting part held 43 articles over 1,000 words, and out of
# fold they were its weakest length (recall 0.81 against 0.87 under 300 words): every unread
# article over 800 words (BBC, Reuters, Tor), fitting part only, for the length-aware aggregator.
ROUND6_MIN_WORDS = 800
ROUND6_CHUNKS = (23, 24)


def select_round6() -> None:
    with open(ARTICLES, encoding="utf-8", newline="") as fh:
        taken = {row["id"] for row in csv.DictReader(fh)}
    seen = {_text_key(text) for aid, _, text in iter_articles() if aid in taken}
    picked = []
    for aid, source, text in iter_articles():
        words = len(text.split())
        if aid in taken or not ROUND6_MIN_WORDS < words <= 5000 or _text_key(text) in seen:
            continue
        seen.add(_text_key(text))
        picked.append((aid, source, words))
    random.Random(6).shuffle(picked)
    _append_fit(picked, ROUND6_CHUNKS)


# Round 7 (stop 21): the people, country and app decisions are still short of their targets, and
# each random round has raised them out of fold on the fitting part; 196 more unread articles at
# random, weighted to the BBC politics and tech stories that carry most of those tags.
ROUND7_FILL = {"bbc:politics": 60, "bbc:tech": 60, "bbc:business": 36, "reuters": 40}
ROUND7_CHUNKS = (25, 26, 27, 28)

# Round 8 (stop 21): round 7 took as long to read as to draw; most of what is left of the BBC
# politics and tech stories, the last Tor posts and MEANTIME articles, fitting part only.
ROUND8_FILL = {"bbc:politics": 70, "bbc:tech": 70, "bbc:business": 24, "tor": 14, "meantime": 18}
ROUND8_CHUNKS = (29, 30, 31, 32)

# Round 9 (stop 21): rounds 7 and 8 raised people and countries out of fold (people 0.811 ->
# 0.817, countries 0.804 -> 0.816 on 1,278 articles); 196 more the same way (the last 19 unread
# BBC tech stories that are no copy of one in the set).
ROUND9_FILL = {"bbc:politics": 60, "bbc:tech": 19, "bbc:business": 60, "reuters": 57}
ROUND9_CHUNKS = (33, 34, 35, 36)

# Round 10 (stop 21): what is left unread is BBC business and Reuters wire copy; 196 more of them,
# for the country and organisation decisions on business news.
ROUND10_FILL = {"bbc:business": 100, "reuters": 96}
ROUND10_CHUNKS = (37, 38, 39, 40)


if __name__ == "__main__":
    import sys

    if "--round10" in sys.argv:
        select_round4(ROUND10_FILL, ROUND10_CHUNKS, seed=10, skip_copies=True)
    elif "--round9" in sys.argv:
        select_round4(ROUND9_FILL, ROUND9_CHUNKS, seed=9, skip_copies=True)
    elif "--round8" in sys.argv:
        select_round4(ROUND8_FILL, ROUND8_CHUNKS, seed=8, skip_copies=True)
    elif "--round7" in sys.argv:
        select_round4(ROUND7_FILL, ROUND7_CHUNKS, seed=7, skip_copies=True)
    elif "--round6" in sys.argv:
        select_round6()
    elif "--round5" in sys.argv:
        select_round4(ROUND5_FILL, ROUND5_CHUNKS, seed=5, skip_copies=True)
    elif "--round4" in sys.argv:
        select_round4()
    elif "--round3" in sys.argv:
        select_round3()
    elif "--round2" in sys.argv:
        select_round2()
    else:
        main()
