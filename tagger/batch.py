"""Batch jobs over archives: stream rows in, tag them, write parts atomically, resume after a kill.

The job reads INPUT (JSONL, .jsonl.gz, CSV, Parquet or a folder of .txt/.html files) one record at
a time, cuts the stream into numbered *parts* of ``part_rows`` input rows, and for each part writes
``OUTPUT.parts/part-NNNNNN.<ext>`` (tagged rows) and ``part-NNNNNN.errors.jsonl`` (rows that could
not be tagged), each to a temporary file renamed into place, then records the part in
``OUTPUT.parts/state.json``. A rerun with ``resume=True`` skips the input rows of the recorded
parts, so no row is lost or written twice. When the input is exhausted the parts are merged into
OUTPUT and ``OUTPUT.errors.jsonl`` and the parts directory is removed. Memory stays flat: only one
part (plus what spaCy buffers) is held at a time.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tagger.columns import FLAT_COLUMNS, frame_meta, output_row, tag_frame
from tagger.errors import BadInputError, ConfigurationError
from tagger.io import Record, count_rows, input_kind, read_records
from tagger.settings import MAX_TEXT_CHARS

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from tagger.tagger import Tagger

OUTPUT_FORMATS = (".parquet", ".jsonl")
STATE_FILE = "state.json"
STATE_VERSION = 2


# ---------------------------------------------------------------- writers


def _arrow_schema() -> pa.Schema:
    import pyarrow as pa

    fields = [pa.field("id", pa.string()), pa.field("tags_json", pa.string())]
    fields += [pa.field(c, pa.list_(pa.string())) for c in FLAT_COLUMNS]
    return pa.schema(fields)


def _atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write through a temporary file in the same folder, fsync, then rename into place."""
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def write_rows(path: Path, rows: list[dict[str, Any]]) -> None:
    """Output rows to ``path`` (Parquet or JSONL by extension), atomically."""
    if path.suffix == ".parquet" or path.name.endswith(".parquet.part"):
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = _arrow_schema()
        columns: dict[str, list[Any]] = {name: [] for name in schema.names}
        for row in rows:
            columns["id"].append(row["id"])
            columns["tags_json"].append(json.dumps(row["tags"], ensure_ascii=False))
            for c in FLAT_COLUMNS:
                columns[c].append(row[c])
        table = pa.table(columns, schema=schema)
        _atomic_write(path, lambda tmp: pq.write_table(table, tmp))
    else:
        _atomic_write(path, lambda tmp: _write_jsonl(tmp, rows))


def _write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_output(path: str | Path) -> pd.DataFrame:
    """A finished OUTPUT as a DataFrame (in memory), with ``tags`` as dicts whatever the format."""
    import pandas as pd

    file = Path(path)
    if file.suffix == ".parquet":
        frame = pd.read_parquet(file)
        frame.insert(1, "tags", [json.loads(s) for s in frame.pop("tags_json")])
        for c in FLAT_COLUMNS:
            frame[c] = [list(v) for v in frame[c]]
        return frame
    with open(file, encoding="utf-8") as fh:  # json, not pd.read_json: exact floats
        return pd.DataFrame(
            [json.loads(line) for line in fh], columns=["id", "tags", *FLAT_COLUMNS]
        )


# ---------------------------------------------------------------- the job


@dataclass
class BatchSummary:
    """What a batch run did; ``rows_read == tagged + failed`` over the whole input."""

    input: str
    output: str
    errors_file: str
    rows_read: int = 0
    tagged: int = 0
    failed: int = 0
    resumed_from: int = 0  # rows already done by earlier runs
    blank_lines: int = 0  # blank JSONL lines: not rows, counted so nothing passes unseen
    duplicate_ids: int = 0  # rows whose id an earlier row already had
    duplicate_examples: list[str] = field(default_factory=list)  # the first few such ids
    elapsed: float = 0.0  # seconds of this run
    throughput: float = 0.0  # rows per second in this run
    failures: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("failures")
        return d


Runner = Callable[[Iterator[list[Record]]], Iterator[tuple[list[Record], list[dict[str, Any]]]]]


def local_runner(tagger: Tagger, n_process: int = 1, batch_size: int = 64) -> Runner:
    """Tag chunks through one ``tag_many`` stream (spaCy's worker processes start once)."""

    def run(chunks: Iterator[list[Record]]) -> Iterator[tuple[list[Record], list[dict[str, Any]]]]:
        pending: deque[tuple[list[Record], int, list[dict[str, Any]]]] = deque()

        def feed() -> Iterator[str]:
            for chunk in chunks:
                good = [r.text for r in chunk if r.error is None]
                pending.append((chunk, len(good), []))
                yield from good  # type: ignore[misc]

        for tags in tagger.tag_many(feed(), batch_size=batch_size, n_process=n_process):
            while pending and len(pending[0][2]) == pending[0][1]:
                chunk, _, rows = pending.popleft()
                yield chunk, rows
            pending[0][2].append(output_row(tags))
        while pending:
            chunk, _, rows = pending.popleft()
            yield chunk, rows

    return run


def _chunked(records: Iterator[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def parts_dir(output: Path) -> Path:
    return output.with_name(output.name + ".parts")


def errors_path(output: Path) -> Path:
    return output.with_name(output.name + ".errors.jsonl")


def job_path(output: Path) -> Path:
    """The record a finished job leaves next to OUTPUT: what it read and wrote, for ``--resume``."""
    return output.with_name(output.name + ".job.json")


def _input_fingerprint(path: Path) -> dict[str, Any]:
    return {"input": str(path.resolve())}


def _records_digest(records: Iterable[Record], previous: str = "") -> str:
    """A chained SHA-256 of what was read (ids, texts, errors): identifies the input by content."""
    h = hashlib.sha256(previous.encode())
    for r in records:
        h.update(r.id.encode("utf-8", "surrogatepass") + b"\0")
        value = r.text if r.error is None else "\x01" + str(r.error)
        h.update((value or "").encode("utf-8", "surrogatepass") + b"\x02")
    return h.hexdigest()


def refuse_same_file(src: Path, dst: Path) -> None:
    """Refuse an output (or its errors file, parts folder, job record) that is the input itself.

    Checked before anything is written or deleted, through symlinks and hard links.
    """
    for target in (dst, errors_path(dst), parts_dir(dst), job_path(dst)):
        same = target.exists() and os.path.samefile(src, target)
        if same or target.resolve() == src.resolve():
            raise BadInputError(
                f"{target} is the input {src}: writing there would destroy it; choose another --out"
            )


def _error_row(record: Record) -> dict[str, Any]:
    row: dict[str, Any] = {"row": record.position + 1, "id": record.id, "reason": record.error}
    if record.line is not None:
        row["line"] = record.line
    return row


def _prepare(
    output: Path, settings: dict[str, Any], resume: bool, overwrite: bool
) -> dict[str, Any]:
    """The state to start from: fresh, the recorded parts of an interrupted run, or a finished job."""
    parts, errors, job = parts_dir(output), errors_path(output), job_path(output)
    state_file = parts / STATE_FILE
    if overwrite:
        if parts.exists():
            shutil.rmtree(parts)
        for stale in (output, errors, job):
            if stale.exists():
                stale.unlink()
    elif (output.exists() or parts.exists()) and not resume:
        raise BadInputError(
            f"{output if output.exists() else parts} exists; pass --resume to continue an "
            "interrupted run or --overwrite to start again"
        )
    if resume and parts.exists():
        if not state_file.is_file():
            raise BadInputError(f"cannot resume: {parts} has no {STATE_FILE}; pass --overwrite")
        state: dict[str, Any] = json.loads(state_file.read_text())
        if state.get("version") != STATE_VERSION:
            raise BadInputError(
                f"cannot resume: {parts} was written by another version of tagger; pass --overwrite"
            )
        _check_settings(state["settings"], settings)
        return state
    if resume and output.exists():
        record = json.loads(job.read_text()) if job.is_file() else None
        if record is None or record.get("output_size") != output.stat().st_size:
            raise BadInputError(
                f"cannot resume: {output} was not written by a tagger batch job (no matching "
                f"{job.name}); pass --overwrite to replace it or choose another --out"
            )
        _check_settings(record["settings"], settings)
        return {"complete": True, "record": record}
    parts.mkdir(parents=True, exist_ok=True)
    state = {"version": STATE_VERSION, "settings": settings, "parts": []}
    _atomic_write(state_file, lambda tmp: tmp.write_text(json.dumps(state, indent=1)))
    return state


def _check_settings(recorded: dict[str, Any], settings: dict[str, Any]) -> None:
    for key, value in settings.items():
        if key != "part_rows" and recorded.get(key) != value:  # parts as before
            raise BadInputError(
                f"cannot resume: {key} was {recorded.get(key)!r} in the interrupted "
                f"run and is {value!r} now; pass --overwrite to start again"
            )


def _assemble(output: Path, state: dict[str, Any]) -> None:
    """Merge the parts into OUTPUT and OUTPUT.errors.jsonl, one part at a time."""
    parts = parts_dir(output)
    names = [p["name"] for p in state["parts"]]
    if output.suffix == ".parquet":
        import pyarrow.parquet as pq

        def merge(tmp: Path) -> None:
            with pq.ParquetWriter(tmp, _arrow_schema()) as writer:
                for name in names:
                    writer.write_table(pq.read_table(parts / f"{name}.parquet"))

        _atomic_write(output, merge)
    else:
        _atomic_write(output, lambda tmp: _concat(tmp, [parts / f"{n}.jsonl" for n in names]))
    _atomic_write(
        errors_path(output),
        lambda tmp: _concat(tmp, [parts / f"{n}.errors.jsonl" for n in names]),
    )
    shutil.rmtree(parts)


def _concat(target: Path, files: list[Path]) -> None:
    with open(target, "wb") as out:
        for file in files:
            with open(file, "rb") as fh:
                shutil.copyfileobj(fh, out)


def tag_file(
    input: str | Path,
    output: str | Path,
    *,
    tagger: Tagger | None = None,
    text_col: str = "body",
    id_col: str = "id",
    n_process: int = 1,
    batch_size: int = 64,
    part_rows: int = 1000,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = False,
    runner: Runner | None = None,
    max_chars: int = MAX_TEXT_CHARS,
) -> BatchSummary:
    """Tag every row of ``input`` into ``output`` (Parquet or JSONL by extension).

    Rows that cannot be tagged go to ``OUTPUT.errors.jsonl`` with their row number, id and reason;
    ``rows_read == tagged + failed`` always. ``runner`` replaces the local ``tag_many`` stream
    (the Dask engine passes one); the default is ``local_runner(tagger, n_process, batch_size)``.
    """
    src, dst = Path(input), Path(output)
    input_kind(src)  # fails early on a missing or unknown input
    if dst.suffix not in OUTPUT_FORMATS:
        raise BadInputError(f"{dst}: the output must end in .parquet or .jsonl")
    if part_rows < 1 or batch_size < 1 or n_process < 1:
        raise ConfigurationError("part_rows, batch_size and n_process must be at least 1")
    if not dst.parent.is_dir():
        raise BadInputError(f"{dst.parent} is not a directory")
    refuse_same_file(src, dst)
    stats: dict[str, int] = {}
    # read the first row before anything is written: a missing column or an unreadable file
    # fails here and leaves no parts folder behind
    reader = read_records(src, text_col, id_col, stats=stats)
    first = next(reader, None)
    records = _limit_length(itertools.chain([] if first is None else [first], reader), max_chars)
    settings = {**_input_fingerprint(src), "text_col": text_col, "id_col": id_col}
    summary = BatchSummary(str(src), str(dst), str(errors_path(dst)))
    state = _prepare(dst, {**settings, "part_rows": part_rows}, resume, overwrite)
    started = time.perf_counter()
    if state.get("complete"):
        return _summary_from_record(summary, state["record"])
    part_rows = state["settings"]["part_rows"]
    done = state["parts"]
    skip = sum(p["rows"] for p in done)
    summary.resumed_from = skip
    if runner is None:
        if tagger is None:
            import tagger as _tagger

            tagger = _tagger.default_tagger()
        runner = local_runner(tagger, n_process=n_process, batch_size=batch_size)
    parts = parts_dir(dst)
    ext = dst.suffix
    total = count_rows(src) if progress else None
    ids = _IdTracker()
    digest = _verify_done_parts(src, records, done, ids)
    with _progress(progress, total, skip) as advance:
        for chunk, rows in runner(ids.watch(_chunked(records, part_rows))):
            name = f"part-{len(done):06d}"
            good = [r for r in chunk if r.error is None]
            out_rows = [{"id": r.id, **row} for r, row in zip(good, rows, strict=True)]
            bad = [_error_row(r) for r in chunk if r.error is not None]
            write_rows(parts / f"{name}{ext}", out_rows)
            _atomic_write(parts / f"{name}.errors.jsonl", lambda tmp, b=bad: _write_jsonl(tmp, b))  # type: ignore[misc]
            digest = _records_digest(chunk, digest)
            done.append({"name": name, "rows": len(chunk), "tagged": len(out_rows), "failed": len(bad), "digest": digest})  # fmt: skip
            _atomic_write(parts / STATE_FILE, lambda tmp: tmp.write_text(json.dumps(state)))
            summary.failures.extend(bad[: max(0, 20 - len(summary.failures))])
            advance(len(chunk))
    summary.rows_read = sum(p["rows"] for p in done)
    summary.tagged = sum(p["tagged"] for p in done)
    summary.failed = sum(p["failed"] for p in done)
    summary.blank_lines = stats.get("blank_lines", 0)
    summary.duplicate_ids, summary.duplicate_examples = ids.duplicates, ids.examples
    _assemble(dst, state)
    record = {
        "settings": state["settings"],
        "output_size": dst.stat().st_size,
        **{k: v for k, v in summary.to_dict().items() if k not in ("elapsed", "throughput")},
    }
    _atomic_write(job_path(dst), lambda tmp: tmp.write_text(json.dumps(record, indent=1)))
    summary.elapsed = time.perf_counter() - started
    summary.throughput = (summary.rows_read - skip) / summary.elapsed if summary.elapsed else 0.0
    return summary


def _limit_length(records: Iterator[Record], max_chars: int) -> Iterator[Record]:
    """A text over the per-text limit becomes an error row (the same limit as the service)."""
    for record in records:
        if record.text is not None and len(record.text) > max_chars:
            record.error = (
                f"text is {len(record.text):,} characters; the limit is {max_chars:,} "
                "(raise it with --max-chars)"
            )
            record.text = None
        yield record


class _IdTracker:
    """Notices ids seen before (kept as 8-byte digests, so memory stays small on big archives)."""

    def __init__(self) -> None:
        self.seen: set[bytes] = set()
        self.duplicates = 0
        self.examples: list[str] = []

    def add(self, records: Iterable[Record]) -> None:
        for r in records:
            key = hashlib.blake2b(r.id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
            if key in self.seen:
                self.duplicates += 1
                if len(self.examples) < 5:
                    self.examples.append(r.id)
            else:
                self.seen.add(key)

    def watch(self, chunks: Iterator[list[Record]]) -> Iterator[list[Record]]:
        for chunk in chunks:
            self.add(chunk)
            yield chunk


def _verify_done_parts(
    src: Path, records: Iterator[Record], done: list[dict[str, Any]], ids: _IdTracker
) -> str:
    """Re-read the rows of the recorded parts and check they are what was tagged before.

    Refuses an input that changed since the interrupted run (same size or not); returns the chained
    digest to continue from.
    """
    digest = ""
    for part in done:
        chunk = [r for _, r in zip(range(part["rows"]), records, strict=False)]
        ids.add(chunk)
        digest = _records_digest(chunk, digest)
        if len(chunk) != part["rows"] or digest != part.get("digest"):
            raise BadInputError(
                f"cannot resume: {src} changed since the interrupted run (rows of "
                f"{part['name']} differ); pass --overwrite to start again"
            )
    return digest


def _summary_from_record(summary: BatchSummary, record: dict[str, Any]) -> BatchSummary:
    """A rerun with ``resume`` of a finished job: report what it did, tag nothing."""
    for key in ("rows_read", "tagged", "failed", "blank_lines", "duplicate_ids"):
        setattr(summary, key, record.get(key, 0))
    summary.duplicate_examples = record.get("duplicate_examples", [])
    summary.resumed_from = summary.rows_read
    return summary


class _progress:
    """A rich progress bar (documents/s, time left) or a no-op."""

    def __init__(self, enabled: bool, total: int | None, completed: int) -> None:
        self.enabled, self.total, self.completed = enabled, total, completed

    def __enter__(self) -> Callable[[int], None]:
        if not self.enabled:
            return lambda n: None
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(
            TextColumn("tagging"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]} docs/s"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self.bar.start()
        self.task = self.bar.add_task("tag", total=self.total, completed=self.completed, rate="-")
        self.t0, self.n = time.perf_counter(), 0

        def advance(n: int) -> None:
            self.n += n
            rate = self.n / max(time.perf_counter() - self.t0, 1e-9)
            self.bar.update(self.task, advance=n, rate=f"{rate:,.0f}")

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.bar.stop()


__all__ = ["BatchSummary", "frame_meta", "local_runner", "read_output", "tag_file", "tag_frame"]
