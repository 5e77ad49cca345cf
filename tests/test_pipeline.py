"""The spaCy pipeline saves whole: nlp.to_disk, then spacy.load in a fresh process, same Tags."""

from __future__ import annotations

import json
import subprocess
import sys

STORY = (
    "Russia restricts WhatsApp and Telegram calls\n\n"
    "MOSCOW - Russia's communications regulator Roskomnadzor said on Wednesday it had started to "
    "restrict calls on WhatsApp and Telegram, as Vladimir Putin's government pushes Russians "
    "towards the state-backed messenger MAX. Officials said the FSB needed access to user data "
    "to fight fraud and terrorism, while critics called the move censorship."
)

LOAD = """
import json, sys
import spacy
import tagger.pipeline                 # registers our components' factories with spaCy
nlp = spacy.load(sys.argv[1])
from tagger.pipeline import tags_from_doc
print(json.dumps({"pipe": nlp.pipe_names, "tags": tags_from_doc(nlp(sys.argv[2])).to_dict()}))
"""


def test_saved_pipeline_loads_with_spacy_load_and_gives_the_same_tags(default, tmp_path):
    path = tmp_path / "pipeline"
    default.to_disk(path)
    assert (path / "tagger_topics" / "topic_model.npz").is_file()
    assert (path / "tagger_entities" / "people.csv").is_file()
    done = subprocess.run(
        [sys.executable, "-c", LOAD, str(path), STORY], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)
    assert loaded["pipe"] == default.nlp.pipe_names
    expected = default.tag(STORY).to_dict()
    assert loaded["tags"] == expected
    assert {t["slug"] for t in expected["topics"]} and {e["name"] for e in expected["entities"]}


def test_ner_runs_on_numpy_blas_and_finds_what_the_default_backend_finds(default):
    """build_nlp switches thinc's numpy backend from BLIS to numpy's BLAS for speed only."""
    import spacy

    from tagger.pipeline import NER_ONLY_EXCLUDE, base_model_name

    with_blis = spacy.load(base_model_name(), exclude=NER_ONLY_EXCLUDE)
    assert with_blis.get_pipe("ner").model.ops.use_blis
    assert not default.nlp.get_pipe("ner").model.ops.use_blis
    texts = [STORY, STORY.upper(), " ".join(reversed(STORY.split()))]
    with default.nlp.select_pipes(enable=["ner"]):
        ours = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in default.nlp.pipe(texts)]  # fmt: skip
    theirs = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in with_blis.pipe(texts)]
    assert ours == theirs and all(ours)
