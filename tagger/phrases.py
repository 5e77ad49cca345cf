"""Exact matching of the knowledge base's names in a doc, token by token.

The same matches as spaCy's ``PhraseMatcher(attr="ORTH")``, without one pattern ``Doc`` per name:
building those for the ~29,000 names cost about 1.3 s and 130 MB of vocabulary in every process
that loads the tagger (a batch job, each worker of ``nlp.pipe(n_process=...)``). A name made of
plain words ("Vladimir Putin") is its words; any other ("U.S.", "AT&T", "al-Assad") is split by
the pipeline's own tokenizer, so a name matches exactly where the tokenizer would have put it.
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.language import Language
from spacy.tokens import Doc


class PhraseIndex:
    """Token sequences (as ORTH hashes) by their first two tokens; ``index(doc)`` finds them all.

    Keyed by two tokens, not one: many names start with "the" or "National", and checking every
    such name at every "the" of a story cost more than all the rest of the matching.
    """

    def __init__(self, nlp: Language, phrases: Iterable[tuple[str, str]]) -> None:
        """``phrases``: (surface form, match key) pairs; a match reports its key's hash."""
        self.strings = nlp.vocab.strings
        # first token -> second token (0 for a one-token name) -> (tokens, key hash)
        self._by_first: dict[int, dict[int, list[tuple[tuple[int, ...], int]]]] = {}
        self._seen: set[tuple[tuple[int, ...], int]] = set()
        special = set(nlp.tokenizer.rules or {})  # type: ignore[union-attr]
        needs_tokenizer = []
        for surface, key in phrases:
            words = surface.split()
            plain = " ".join(words) == surface and all(
                w.isalpha() and w not in special for w in words
            )
            if plain:
                self._add(words, key)
            else:
                needs_tokenizer.append((surface, key))
        docs = nlp.tokenizer.pipe(s for s, _ in needs_tokenizer)  # type: ignore[union-attr]
        for (_, key), doc in zip(needs_tokenizer, docs, strict=True):
            self._add([t.text for t in doc], key)
        del self._seen

    def _add(self, words: list[str], key: str) -> None:
        if not words:
            return
        pattern = (tuple(self.strings.add(w) for w in words), self.strings.add(key))
        if pattern not in self._seen:
            self._seen.add(pattern)
            hashes = pattern[0]
            second = hashes[1] if len(hashes) > 1 else 0
            self._by_first.setdefault(hashes[0], {}).setdefault(second, []).append(pattern)

    def __len__(self) -> int:
        return sum(len(v) for by_second in self._by_first.values() for v in by_second.values())

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        """(key hash, start, end) of every match, overlapping ones included, by start."""
        orths = doc.to_array("ORTH").tolist()
        n = len(orths)
        found = []
        get = self._by_first.get
        for i, orth in enumerate(orths):
            by_second = get(orth)
            if by_second is None:
                continue
            for _, key in by_second.get(0, ()):
                found.append((key, i, i + 1))
            if i + 1 < n:
                for hashes, key in by_second.get(orths[i + 1], ()):
                    end = i + len(hashes)
                    if end <= n and (end == i + 2 or tuple(orths[i:end]) == hashes):
                        found.append((key, i, end))
        return found
