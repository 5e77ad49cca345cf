"""Bounded load check of ``tagger serve`` on loopback: concurrent clients posting news-length texts.

Starts the real server (``python -m tagger serve`` on a free 127.0.0.1 port, API key on), runs
one client alone for 5 seconds (the HTTP overhead), then 4 client threads for 30 seconds, each
posting ~500-word stories to ``/v1/tag`` over keep-alive connections, and reports requests per second, p50/p95/p99 latency and failed requests (which
must be zero). The baseline is a single in-process ``Tagger.tag()`` call on the same texts,
measured in the same run. Writes ``benchmarks/results/load.json``.

    python -m benchmarks.load [--clients 4] [--seconds 30] [--workers 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.common import ROOT, write_result

CORPUS = ROOT / "data" / "corpus" / "news_topics.jsonl"
MAX_REQUESTS = 50_000  # a bound on the count, whatever the speed


def news_texts(words: int = 500, count: int = 40) -> list[str]:
    """Stories of about ``words`` words: consecutive corpus articles joined as paragraphs."""
    rows = [json.loads(line)["text"] for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    texts, current = [], []
    for body in rows:
        current.append(body)
        if sum(len(b.split()) for b in current) >= words:
            texts.append("\n\n".join(current))
            current = []
            if len(texts) == count:
                break
    return texts


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of a non-empty list."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def baseline(t: Any, texts: list[str]) -> dict[str, Any]:
    """Single-call ``Tagger.tag()`` time on the same texts, in this process (server idle)."""
    for text in texts[:3]:  # warm up
        t.tag(text)
    times = []
    for text in texts:
        start = time.perf_counter()
        t.tag(text)
        times.append(time.perf_counter() - start)
    return {
        "calls": len(times),
        "median_ms": round(1000 * statistics.median(times), 2),
        "mean_ms": round(1000 * statistics.fmean(times), 2),
        "single_thread_rps": round(1 / statistics.fmean(times), 1),
        "expected": t.tag(texts[0]).to_dict(),
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int, key: str, db: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TAGGER_API_KEY": key}
    command = [
        sys.executable, "-m", "tagger", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--feedback-db", str(db), "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            sys.exit(f"the server exited with {proc.returncode}: {err[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    sys.exit("the server did not become healthy within 120 s")


def run_load(url: str, key: str, texts: list[str], clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` threads posting texts until ``seconds`` pass or MAX_REQUESTS are sent."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    go = threading.Barrier(clients + 1)
    sent = 0
    first: dict[str, Any] = {}

    def client(n: int) -> None:
        nonlocal sent
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            go.wait()
            i = n
            while time.monotonic() < stop:
                with lock:
                    if sent >= MAX_REQUESTS:
                        return
                    sent += 1
                text = texts[i % len(texts)]
                i += clients
                start = time.perf_counter()
                try:
                    r = http.post("/v1/tag", json={"text": text})
                    elapsed = time.perf_counter() - start
                    ok = r.status_code == 200
                    reason = f"HTTP {r.status_code}" if not ok else ""
                except httpx.HTTPError as exc:
                    elapsed, ok, reason = time.perf_counter() - start, False, repr(exc)
                with lock:
                    if ok:
                        latencies.append(elapsed)
                        if text is texts[0] and not first:
                            first.update(r.json())
                    else:
                        failures.append(reason)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    stop = time.monotonic() + seconds
    go.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    done = len(latencies)
    return {
        "requests": done + len(failures),
        "ok": done,
        "failed": len(failures),
        "failure_reasons": sorted(set(failures))[:10],
        "seconds": round(wall, 2),
        "requests_per_second": round(done / wall, 2),
        "latency_ms": {
            "p50": round(1000 * percentile(latencies, 50), 1),
            "p95": round(1000 * percentile(latencies, 95), 1),
            "p99": round(1000 * percentile(latencies, 99), 1),
            "max": round(1000 * max(latencies), 1),
        }
        if latencies
        else {},
        "first_answer": first,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument(
        "--solo-seconds", type=float, default=5.0, help="first, one client alone (overhead)"
    )
    args = parser.parse_args()

    texts = news_texts(args.words)
    words = [len(t.split()) for t in texts]
    import tagger

    local = tagger.Tagger.load()
    runs = []
    for workers in args.workers:
        key = secrets.token_urlsafe(24)
        with tempfile.TemporaryDirectory() as tmp:
            port = free_port()
            proc = start_server(port, workers, key, Path(tmp) / "feedback.sqlite3")
            try:
                # the baseline right before each run: these machines are shared and drift
                base = baseline(local, texts)
                expected = base.pop("expected")
                url = f"http://127.0.0.1:{port}"
                for text in texts[:4]:  # warm every worker a little
                    httpx.post(
                        f"{url}/v1/tag", json={"text": text}, timeout=30,
                        headers={"Authorization": f"Bearer {key}"},
                    )  # fmt: skip
                solo = run_load(url, key, texts, 1, args.solo_seconds)
                result = run_load(url, key, texts, args.clients, args.seconds)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
        answer = result.pop("first_answer")
        result["same_answer_as_tag"] = {
            k: answer.get(k) for k in ("entities", "topics")
        } == expected
        p50 = result["latency_ms"].get("p50", float("nan"))
        result["workers"] = workers
        result["baseline_single_tag_call"] = base
        solo.pop("first_answer")
        result["one_client"] = {
            "requests": solo["requests"],
            "failed": solo["failed"],
            "latency_ms": solo["latency_ms"],
            "p50_over_single_tag": round(solo["latency_ms"]["p50"] / base["median_ms"], 2),
        }
        result["p50_over_single_tag"] = round(p50 / base["median_ms"], 2)
        result["rps_over_single_thread_tag"] = round(
            result["requests_per_second"] / base["single_thread_rps"], 2
        )
        runs.append(result)
        print(f"workers={workers}: {json.dumps(result)}", file=sys.stderr)
    write_result(
        "load",
        {
            "setup": {
                "clients": args.clients,
                "seconds_per_run": args.seconds,
                "max_requests": MAX_REQUESTS,
                "texts": len(texts),
                "words_per_text": {"min": min(words), "median": statistics.median(words)},
                "server": "python -m tagger serve on 127.0.0.1 (uvicorn), API key on",
                "endpoint": "POST /v1/tag",
            },
            "baseline": "single in-process Tagger.tag() calls on the same texts, measured "
            "right before each run with the server idle (see each run)",
            "runs": runs,
            "failed_total": sum(r["failed"] + r["one_client"]["failed"] for r in runs),
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
    )
    if any(r["failed"] or r["one_client"]["failed"] for r in runs) or not all(
        r["same_answer_as_tag"] for r in runs
    ):
        sys.exit("load check failed: failed requests or answers that differ from tag()")


if __name__ == "__main__":
    main()
