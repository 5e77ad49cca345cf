"""Figures in README.md and benchmarks/README.md come from the result files next to them.

A figure is written as ``0.782<!-- devset_topics_after.json:micro.f1 -->``: the number, then a
comment naming a file in benchmarks/results/ and the path of the value in it (dots between keys,
numbers index lists). The test reads each one and checks the printed number is that value at the
printed precision, so a rerun benchmark that changes a figure makes the README say so
(``python -m benchmarks.readme_figures`` rewrites them).
"""

from __future__ import annotations

from benchmarks.readme_figures import DOCS, figures, render, value_of


def test_the_pattern_reads_a_figure():
    sample = (
        "recall **0.81**<!-- a.json:x.y --> and 1,234<!-- b.json:n --> and 2.5x<!-- c.json:r -->"
    )
    assert figures(sample) == [("0.81", "a.json", "x.y"), ("1,234", "b.json", "n"), ("2.5", "c.json", "r")]  # fmt: skip
    assert render("0.81", 0.8125) == "0.81" and render("0.813", 0.8125) == "0.813"
    assert render("1,234", 3264.9) == "3,265"


def test_readme_figures_match_their_result_files():
    checked = 0
    for doc in DOCS:
        for printed, file, path in figures(doc.read_text(encoding="utf-8")):
            value = value_of(file, path)
            assert render(printed, value) == printed, f"{doc.name}: {printed} != {file}:{path} = {value}"  # fmt: skip
            checked += 1
    assert checked >= 20, f"only {checked} figures are tied to result files"
