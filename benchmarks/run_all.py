"""Regenerate every benchmark result in ``benchmarks/results/``, one after another.

Each benchmark runs in its own process (``python -m benchmarks.NAME``) so one's memory and
imports do not colour the next one's timings. About 20 minutes on 2 cores: Reuters (~7 min),
NER with its speed runs (~4 min), BBC 5-fold (~8 min), EUvsDisinfo (seconds).
Usage: python -m benchmarks.run_all [--skip reuters,bbc] [--only euvsdisinfo]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from benchmarks.common import ROOT

BENCHMARKS = {
    "ner": ["ner_conll2003", "ner_gum_wikinews", "ner_meantime_en"],
    "reuters": ["reuters21578"],
    "bbc": ["bbc_news"],
    "euvsdisinfo": ["euvsdisinfo"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip", default="", help="comma-separated benchmarks to leave out")
    parser.add_argument("--only", default="", help="comma-separated benchmarks to run")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    only = set(filter(None, args.only.split(",")))
    unknown = (skip | only) - set(BENCHMARKS)
    if unknown:
        sys.exit(f"unknown benchmark(s) {sorted(unknown)}; known: {', '.join(BENCHMARKS)}")
    failed = []
    for name, results in BENCHMARKS.items():
        if name in skip or (only and name not in only):
            continue
        print(f"== python -m benchmarks.{name}", flush=True)
        started = time.perf_counter()
        code = subprocess.run(
            [sys.executable, "-m", f"benchmarks.{name}"], cwd=ROOT, stdout=subprocess.DEVNULL
        ).returncode
        seconds = time.perf_counter() - started
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"   {status} in {seconds:.0f}s -> benchmarks/results/{{{','.join(results)}}}.json")
        if code:
            failed.append(name)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
