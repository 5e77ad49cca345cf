"""Rewrite every marked figure in README.md and benchmarks/README.md from its result file.

    python -m benchmarks.readme_figures

A figure is written ``0.782<!-- devset_topics_after.json:micro.f1 -->`` (see
tests/test_readme_figures.py, which checks them); after rerunning a benchmark this puts its new
numbers in the docs at the precision each figure is printed with. Read the prose around them again.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
FIGURE = re.compile(r"(-?[0-9][0-9,]*(?:\.[0-9]+)?)(x?\**\s*<!-- ([\w.-]+\.json):(.+?) -->)")


def lookup(data: object, path: str) -> object:
    for key in path.split("."):
        data = data[int(key)] if isinstance(data, list) else data[key]  # type: ignore[index]
    return data


def render(printed: str, value: object) -> str:
    """``value`` at the precision (and with the thousands commas) of ``printed``."""
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{number:,}" if "," in printed else str(number)


DOCS = (ROOT / "README.md", ROOT / "benchmarks" / "README.md")


def figures(text: str) -> list[tuple[str, str, str]]:
    """Every marked figure in ``text`` as (printed number, result file, path in it)."""
    return [(m[1], m[3], m[4]) for m in FIGURE.finditer(text)]


def value_of(file: str, path: str) -> object:
    return lookup(json.loads((RESULTS / file).read_text()), path)


def main() -> None:
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")

        def fix(m: re.Match[str]) -> str:
            return render(m[1], value_of(m[3], m[4])) + m[2]

        doc.write_text(FIGURE.sub(fix, text), encoding="utf-8")


if __name__ == "__main__":
    main()
