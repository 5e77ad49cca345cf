"""The knowledge base's names are found exactly where spaCy's PhraseMatcher would find them."""

from __future__ import annotations

from spacy.matcher import PhraseMatcher

from tagger.phrases import PhraseIndex

TEXTS = [
    # names with punctuation the tokenizer splits, names starting with "the", names inside names
    "The U.S. State Department and AT&T met the US Department of State in Washington, D.C.",
    "Bashar al-Assad's Syria and Russia's Vladimir Putin; Mikhail Mishustin signed it.",
    "The Bank of England and the European Central Bank kept rates. the Kremlin said so.",
    "O'Connor of the Supreme Court of the United States, Roskomnadzor and the FSB.",
    "",
]


def test_matches_are_those_of_spacys_phrase_matcher(default):
    nlp = default.nlp
    kb = nlp.get_pipe("tagger_entities").kb
    phrases = [(surface, f"{key}\x1f{kind}") for surface, key, kind in kb.patterns()]
    index = PhraseIndex(nlp, phrases)
    matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
    by_key: dict[str, list[str]] = {}
    for surface, key in phrases:
        by_key.setdefault(key, []).append(surface)
    for key, surfaces in by_key.items():
        matcher.add(key, list(nlp.tokenizer.pipe(surfaces)))
    total = 0
    for text in TEXTS:
        doc = nlp.make_doc(text)
        found = sorted(index(doc))
        assert found == sorted(matcher(doc)), text
        total += len(found)
    assert total > 15  # the texts do name many known entities
    assert len(index) > 20_000


def test_a_phrase_with_punctuation_is_split_by_the_tokenizer(default):
    nlp = default.nlp
    index = PhraseIndex(nlp, [("AT&T", "att"), ("U.S. Army", "army"), ("Army", "one")])
    doc = nlp.make_doc("AT&T sold radios to the U.S. Army.")
    names = {(nlp.vocab.strings[k], doc[s:e].text) for k, s, e in index(doc)}
    assert names == {("att", "AT&T"), ("army", "U.S. Army"), ("one", "Army")}
