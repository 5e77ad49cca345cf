"""Helpers shared by the benchmarks: where ../shared is, and how results are written."""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TAGGER_SHARED", ROOT.parent / "shared"))
RESULTS = ROOT / "benchmarks" / "results"


def shared(*parts: str) -> Path:
    """A file under ../shared; exits with a message where it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        sys.exit(f"{path} not found: benchmarks read their data from ../shared/eval")
    return path


def write_result(name: str, result: dict[str, Any]) -> Path:
    """benchmarks/results/NAME.json with the machine and the time of the run."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": name,
        "run_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        **result,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return path


class Timer:
    """``with Timer() as t: ...; t.seconds``"""

    def __enter__(self) -> Timer:
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.start


def bootstrap_interval(
    rows: Any, statistic: Any, resamples: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """95% interval of ``statistic(rows[sample])`` over articles drawn with replacement.

    The measuring part is a few hundred articles: a figure's interval says how far it can move
    with the sample alone, which is what to weigh a target's margin against.
    """
    import numpy as np

    rows = np.asarray(rows)
    rng = np.random.default_rng(seed)
    values = [statistic(rows[rng.integers(0, len(rows), len(rows))]) for _ in range(resamples)]
    low, high = np.percentile(values, [2.5, 97.5])
    return round(float(low), 4), round(float(high), 4)


def f1_of_counts(counts: Any) -> float:
    """Micro-F1 of summed (tp, fp, fn) rows."""
    tp, fp, fn = (float(x) for x in counts.sum(axis=0))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0
