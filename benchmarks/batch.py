"""Speed and memory of ``tagger batch`` (issue 5), side by side in one run on the same texts.

- throughput of ``tag_file`` (1 process) against a bare spaCy ``nlp.pipe`` with the same NER-only
  base model, and against the core ``Tagger.tag_many`` (what batch adds on top of the core);
- ``n_process=2`` against 1;
- a Dask ``LocalCluster`` of 2 workers against ``n_process=2``;
- peak RSS of the ``tagger batch`` command on 10,000 and on 100,000 rows, each in a fresh process.

News-length texts (400-700 words) are made by joining stories of ``data/corpus/news_topics.jsonl``.
Run: ``python -m benchmarks.batch [--n 20000] [--rss-rows 10000 100000]``; JSON goes to
``benchmarks/results/batch.json``; inputs and outputs live under ``--workdir`` (default /tmp).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import RESULTS, ROOT, Timer, write_result

CORPUS = ROOT / "data" / "corpus" / "news_topics.jsonl"


def corpus_texts() -> list[str]:
    with open(CORPUS, encoding="utf-8") as fh:
        return [json.loads(line)["text"] for line in fh]


def news_text(stories: list[str], seed: int) -> str:
    """One news-length text: whole stories joined until 400-700 words."""
    rng = random.Random(seed)
    target, parts, words = rng.randint(400, 700), [], 0
    while True:
        story = stories[rng.randrange(len(stories))]
        if parts and words + len(story.split()) > 700:
            break
        parts.append(story)
        words += len(story.split())
        if words >= target:
            break
    return "\n\n".join(parts)


def lead(story: str, sentences: int = 2) -> str:
    """The first sentences of a story: short texts for the 100,000-row runs."""
    return ". ".join(story.split(". ")[:sentences]).rstrip(".") + "."


def write_input(path: Path, texts: list[str], rows: int) -> Path:
    """``rows`` JSONL rows cycling over ``texts``."""
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(rows):
            fh.write(json.dumps({"id": f"n{i}", "body": texts[i % len(texts)]}) + "\n")
    return path


def peak_rss_mb(cmd: list[str]) -> float:
    """Peak RSS of ``cmd`` (and the children it waited for), measured from a fresh parent."""
    probe = (
        "import resource, subprocess, sys; "
        "r = subprocess.run(sys.argv[1:], capture_output=True); "
        "assert r.returncode == 0, r.stderr.decode()[-2000:]; "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return int(out.stdout.strip()) / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20000, help="news-length texts for throughput")
    parser.add_argument("--rss-rows", type=int, nargs=2, default=[10000, 100000])
    parser.add_argument("--rss-text", choices=["news", "short"], default="short")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--rss-n-process", type=int, default=1)
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument(
        "--only",
        choices=["throughput", "rss"],
        help="run one half and merge it into an existing results/batch.json",
    )
    args = parser.parse_args()
    result: dict[str, Any] = {}
    previous = RESULTS / "batch.json"
    if args.only and previous.exists():
        result = json.loads(previous.read_text())
        for key in ("benchmark", "run_at", "machine"):
            result.pop(key, None)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="tagger-batch-bench-"))
    work.mkdir(parents=True, exist_ok=True)

    stories = corpus_texts()
    if args.only != "rss":
        throughput(args, work, stories, result)
    if args.only != "throughput":
        memory(args, work, stories, result)
    # recomputed from the raw figures on every run (a merged half keeps its own numbers)
    ratios: dict[str, float] = {}
    result["ratios"] = ratios
    result["targets"] = {
        "batch_vs_spacy": ">= 0.85",
        "n_process_2_vs_1": ">= 1.6",
        "dask_vs_n_process_2": ">= 0.8",
        "rss_large_vs_small": "<= 1.10",
    }
    if "batch_n_process_1_docs_per_s" in result:
        p1 = result["batch_n_process_1_docs_per_s"]
        p2 = result["batch_n_process_2_docs_per_s"]
        spacy_rate, core = result["spacy_nlp_pipe_docs_per_s"], result["tag_many_docs_per_s"]
        ratios["batch_vs_spacy"] = round(p1 / spacy_rate, 3)
        ratios["tag_many_vs_spacy"] = round(core / spacy_rate, 3)  # the core's cost
        ratios["batch_vs_tag_many"] = round(p1 / core, 3)  # what the batch door adds
        ratios["n_process_2_vs_1"] = round(p2 / p1, 3)
        if "dask_2_workers_docs_per_s" in result:
            dask_rate = result["dask_2_workers_docs_per_s"]
            ratios["dask_vs_n_process_2"] = round(dask_rate / p2, 3)
    if "peak_rss_mb" in result:
        small, large = (result["peak_rss_mb"][str(r)] for r in result["rss_rows"])
        ratios["rss_large_vs_small"] = round(large / small, 3)
    write_result("batch", result)


def throughput(args: argparse.Namespace, work: Path, stories: list[str], result: dict) -> None:
    import spacy

    import tagger
    from tagger.batch import tag_file
    from tagger.pipeline import NER_ONLY_EXCLUDE, base_model_name

    texts = [news_text(stories, i) for i in range(args.n)]
    words = sum(len(t.split()) for t in texts) / len(texts)
    src = write_input(work / "news.jsonl", texts, args.n)
    result.update(
        texts=args.n, mean_words=round(words, 1), input=str(src), base_model=base_model_name()
    )

    def rate(seconds: float) -> float:
        return round(args.n / seconds, 2)

    # 1. bare spaCy, the same NER-only base model, same texts (model load not timed)
    nlp = spacy.load(base_model_name(), exclude=NER_ONLY_EXCLUDE)
    list(nlp.pipe(texts[:20]))
    with Timer() as t:
        for _ in nlp.pipe(texts, batch_size=64):
            pass
    result["spacy_nlp_pipe_docs_per_s"] = rate(t.seconds)
    del nlp

    # 2. the core: Tagger.tag_many over the same list (entities + topic model)
    tg = tagger.default_tagger()
    list(tg.tag_many(texts[:20]))
    with Timer() as t:
        for _ in tg.tag_many(texts, batch_size=64):
            pass
    result["tag_many_docs_per_s"] = rate(t.seconds)

    # 3. tag_file: read JSONL, tag, write Parquet parts, merge (model already loaded)
    for n_process in (1, 2):
        out = work / f"out_p{n_process}.parquet"
        with Timer() as t:
            summary = tag_file(src, out, tagger=tg, n_process=n_process, overwrite=True)
        assert summary.tagged == args.n, summary
        result[f"batch_n_process_{n_process}_docs_per_s"] = rate(t.seconds)

    # 4. Dask LocalCluster, 2 single-threaded worker processes (start-up timed separately)
    if not args.skip_dask:
        from tagger.distributed import dask_runner

        with Timer() as cold, dask_runner(None, n_workers=2) as run:
            warm = write_input(work / "warm.jsonl", texts[:4], 4)
            tag_file(warm, work / "warm.parquet", runner=run, overwrite=True, part_rows=2)
            with Timer() as t:
                summary = tag_file(src, work / "out_dask.parquet", runner=run, overwrite=True)
        assert summary.tagged == args.n, summary
        result["dask_2_workers_docs_per_s"] = rate(t.seconds)
        result["dask_cluster_start_and_model_load_s"] = round(cold.seconds - t.seconds, 1)


def memory(args: argparse.Namespace, work: Path, stories: list[str], result: dict) -> None:
    """Peak RSS of the command for a small and a large input, each in a fresh process."""
    if args.rss_text == "news":
        small_texts = [news_text(stories, i) for i in range(200)]
    else:
        small_texts = [lead(s) for s in stories]
    rss: dict[str, float] = {}
    for rows in args.rss_rows:
        path = write_input(work / f"rss_{rows}.jsonl", small_texts, rows)
        cmd = [sys.executable, "-m", "tagger", "batch", str(path), "--out"]
        cmd += [str(work / f"rss_{rows}.parquet"), "--overwrite", "--no-progress"]
        cmd += ["--n-process", str(args.rss_n_process)]
        with Timer() as t:
            rss[str(rows)] = round(peak_rss_mb(cmd), 1)
        result[f"rss_run_{rows}_s"] = round(t.seconds, 1)
    result["peak_rss_mb"] = rss
    result["rss_rows"] = args.rss_rows
    result["rss_n_process"] = args.rss_n_process
    result["rss_texts"] = (
        "news-length" if args.rss_text == "news" else "first two sentences of corpus stories"
    )


if __name__ == "__main__":
    main()
