"""Figures in README.md and benchmarks/README.md come from the result files next to them.

A figure is written as ``0.782<!-- devset_topics_after.json:micro.f1 -->``: the number, then a
comment naming a file in benchmarks/results/ and the path of the value in it (dots between keys,
numbers index lists). The test reads each one and checks the printed number is that value at the
printed precision, so a rerun benchmark that changes a figure makes the README say so.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FIGURE = re.compile(r"(-?[0-9][0-9,]*(?:\.[0-9]+)?)(x?)\**\s*<!-- ([\w.-]+\.json):([^ ]+) -->")


def lookup(data: object, path: str) -> object:
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]  # type: ignore[index]
    return data


def figures(doc: Path) -> list[tuple[str, str, str]]:
    return [(m[1], m[3], m[4]) for m in FIGURE.finditer(doc.read_text(encoding="utf-8"))]


def test_the_pattern_reads_a_figure():
    sample = Path(__file__).with_name("_sample.md")
    sample.write_text("recall **0.81**<!-- a.json:x.y --> and 1,234<!-- b.json:n -->")
    try:
        assert figures(sample) == [("0.81", "a.json", "x.y"), ("1,234", "b.json", "n")]
    finally:
        sample.unlink()


def test_readme_figures_match_their_result_files():
    checked = 0
    for doc in (ROOT / "README.md", ROOT / "benchmarks" / "README.md"):
        for printed, file, path in figures(doc):
            value = lookup(json.loads((RESULTS / file).read_text()), path)
            decimals = len(printed.split(".")[1]) if "." in printed else 0
            quantum = Decimal(1).scaleb(-decimals)
            expected = Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)
            assert Decimal(printed.replace(",", "")) == expected, f"{doc.name}: {printed} != {file}:{path} = {value}"  # fmt: skip
            checked += 1
    assert checked >= 20, f"only {checked} figures are tied to result files"
