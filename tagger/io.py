"""Reading tables for every door: CSV/TSV, JSONL (.gz), Parquet and folders of .txt/.html files.

``read_records`` streams rows as :class:`Record` (batch jobs: constant memory, a bad row becomes an
error record); ``read_table`` reads a whole table into pandas (training, evaluation). Both accept
the same extensions (``input_kind``), and a missing column is reported one way
(``require_columns``).
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tagger.errors import BadInputError
from tagger.text import decode_bytes, html_to_text, looks_like_html

if TYPE_CHECKING:
    import pandas as pd


def require_columns(table: Any, *columns: str, where: str = "") -> None:
    """Fail naming the columns that do exist when one asked for is missing.

    ``table`` is anything with ``.columns`` (pandas, Dask) or ``.names`` (an Arrow schema).
    """
    names = [str(c) for c in (table.columns if hasattr(table, "columns") else table.names)]
    missing = [c for c in columns if c not in names]
    if missing:
        prefix = f"{where}: " if where else ""
        raise BadInputError(
            f"{prefix}column(s) {', '.join(map(repr, missing))} not found; the data has: "
            f"{', '.join(names)}"
        )


def text_error(value: object, column: str) -> str | None:
    """Why ``value`` cannot be tagged as text, or None."""
    if is_missing(value):
        return f"missing text (column {column!r} absent or null)"
    if not isinstance(value, str):
        return f"text in column {column!r} is {type(value).__name__}, not str"
    if any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        return "undecodable bytes in text (not valid UTF-8)"
    return None


def is_missing(value: object) -> bool:
    """None, NaN or pandas' NA (what a null cell becomes in a DataFrame)."""
    return value is None or (isinstance(value, float) and value != value) or _is_na(value)


def _is_na(value: object) -> bool:
    return type(value).__name__ in ("NAType", "NaTType")


def read_table(path: str | Path) -> pd.DataFrame:
    """CSV, JSONL (optionally .gz) or Parquet into a DataFrame, chosen by the file's extension."""
    import pandas as pd

    file = Path(path)
    kind = input_kind(file)
    try:
        if kind == "parquet":
            return pd.read_parquet(file)
        if kind == "jsonl":
            return pd.read_json(file, lines=True, dtype=False)
        if kind == "csv":
            sep = "\t" if file.name.lower().endswith((".tsv", ".tsv.gz")) else ","
            return pd.read_csv(file, sep=sep, dtype=str)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{file} could not be read: {exc}") from None
    raise BadInputError(f"{file}: a folder is read by `tagger batch`, not as one table")


@dataclass
class Record:
    """One input row: its id, its text, or why it cannot be tagged."""

    position: int  # 0-based index in the input stream; resume counts by it
    id: str
    text: str | None = None
    error: str | None = None
    line: int | None = None  # physical line (JSONL) where that differs from the position


def _id_of(value: object, fallback: str) -> str:
    if is_missing(value) or value == "":
        return fallback
    return str(value)


def _record(
    position: int, obj: dict[str, Any], text_col: str, id_col: str, fallback: str
) -> Record:
    value = obj.get(text_col)
    error = text_error(value, text_col)
    rid = _id_of(obj.get(id_col), fallback)
    return Record(position, rid, None if error else value, error)


# ---------------------------------------------------------------- readers


def input_kind(path: Path) -> str:
    """'jsonl', 'csv', 'parquet' or 'folder', from the path."""
    name = path.name.lower()
    if path.is_dir():
        return "folder"
    if not path.is_file():
        raise BadInputError(f"{path} does not exist")
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz")):
        return "jsonl"
    if name.endswith((".csv", ".csv.gz", ".tsv", ".tsv.gz")):
        return "csv"
    if name.endswith(".parquet"):
        return "parquet"
    raise BadInputError(
        f"{path}: expected .jsonl(.gz), .ndjson(.gz), .csv(.gz), .tsv(.gz), .parquet or a folder "
        "of .txt/.html files"
    )


def _open_binary(path: Path) -> io.BufferedIOBase:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def read_jsonl(
    path: Path, text_col: str, id_col: str, skip: int = 0, stats: dict[str, int] | None = None
) -> Iterator[Record]:
    """One record per non-blank line; a bad line becomes an error record, never an exception.

    Blank lines are not rows; they are counted in ``stats["blank_lines"]`` so the summary says so.
    """
    position = 0
    with _open_binary(path) as fh:
        for lineno, raw in enumerate(fh, start=1):
            if not raw.strip():
                if stats is not None and position >= skip:
                    stats["blank_lines"] = stats.get("blank_lines", 0) + 1
                continue
            position += 1
            if position <= skip:
                continue
            pos, fallback = position - 1, f"line:{lineno}"
            try:
                line = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                yield Record(pos, fallback, error=f"undecodable bytes (not UTF-8) at byte {exc.start}", line=lineno)  # fmt: skip
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                yield Record(pos, fallback, error=f"malformed JSON: {exc}", line=lineno)
                continue
            if not isinstance(obj, dict):
                yield Record(pos, fallback, error=f"JSON line is {type(obj).__name__}, not an object", line=lineno)  # fmt: skip
                continue
            record = _record(pos, obj, text_col, id_col, fallback)
            record.line = lineno
            yield record


def count_jsonl(path: Path) -> int:
    """Rows in a JSONL file (non-blank lines), by a streaming scan."""
    with _open_binary(path) as fh:
        return sum(1 for raw in fh if raw.strip())


def read_csv(
    path: Path, text_col: str, id_col: str, skip: int = 0, chunk: int = 1000
) -> Iterator[Record]:
    """CSV in chunks of ``chunk`` rows; cells with bytes that are not UTF-8 become error records."""
    import pandas as pd

    with _open_binary(path) as fh:
        try:
            reader = pd.read_csv(
                fh, dtype=object, keep_default_na=False, chunksize=chunk,
                sep="\t" if path.name.lower().endswith((".tsv", ".tsv.gz")) else ",",
                encoding="utf-8-sig", encoding_errors="surrogateescape",
            )  # fmt: skip
            position = 0
            for frame in reader:
                require_columns(frame, text_col, where=str(path))
                has_id = id_col in frame.columns
                for i, value in enumerate(frame[text_col].tolist()):
                    position += 1
                    if position <= skip:
                        continue
                    rid = frame[id_col].iat[i] if has_id else None
                    obj = {text_col: value, id_col: rid}
                    record = _record(position - 1, obj, text_col, id_col, f"row:{position}")
                    if any(0xD800 <= ord(c) <= 0xDFFF for c in record.id):
                        record.id = f"row:{position}"
                    yield record
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise BadInputError(f"{path} could not be read as CSV: {exc}") from None


def read_parquet(
    path: Path, text_col: str, id_col: str, skip: int = 0, chunk: int = 1000
) -> Iterator[Record]:
    """Parquet record batches of ``chunk`` rows, reading only the text and id columns."""
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:
        raise BadInputError(f"{path} could not be read as Parquet: {exc}") from None
    names = pf.schema_arrow.names
    require_columns(pf.schema_arrow, text_col, where=str(path))
    columns = [text_col] + ([id_col] if id_col in names and id_col != text_col else [])
    position = 0
    for batch in pf.iter_batches(batch_size=chunk, columns=columns):
        if position + batch.num_rows <= skip:
            position += batch.num_rows
            continue
        texts = batch.column(text_col).to_pylist()
        ids = batch.column(id_col).to_pylist() if id_col in columns else [None] * len(texts)
        for value, rid in zip(texts, ids, strict=True):
            position += 1
            if position <= skip:
                continue
            yield _record(
                position - 1, {text_col: value, id_col: rid}, text_col, id_col, f"row:{position}"
            )


def parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except Exception as exc:
        raise BadInputError(f"{path} could not be read as Parquet: {exc}") from None


TEXT_SUFFIXES = (".txt", ".html", ".htm")


def folder_files(path: Path) -> list[Path]:
    """The .txt/.html files under a folder, in a stable (sorted) order."""
    return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)


def read_folder(path: Path, skip: int = 0) -> Iterator[Record]:
    """One record per file, id = path relative to the folder; HTML reduced to its text."""
    for position, file in enumerate(folder_files(path)):
        if position < skip:
            continue
        rid = file.relative_to(path).as_posix()
        try:
            content = decode_bytes(file.read_bytes(), name=rid)
        except BadInputError as exc:
            yield Record(position, rid, error=f"undecodable bytes: {exc}")
            continue
        except OSError as exc:
            yield Record(position, rid, error=f"unreadable file: {exc}")
            continue
        is_html = file.suffix.lower() in (".html", ".htm") or looks_like_html(content)
        yield Record(position, rid, html_to_text(content) if is_html else content)


def read_records(
    path: Path,
    text_col: str = "body",
    id_col: str = "id",
    skip: int = 0,
    stats: dict[str, int] | None = None,
) -> Iterator[Record]:
    """Every row of INPUT as a Record, in input order, streamed, starting after ``skip`` rows."""
    kind = input_kind(path)
    if kind == "jsonl":
        return read_jsonl(path, text_col, id_col, skip, stats)
    if kind == "csv":
        return read_csv(path, text_col, id_col, skip)
    if kind == "parquet":
        return read_parquet(path, text_col, id_col, skip)
    return read_folder(path, skip)


def count_rows(path: Path) -> int | None:
    """Rows in INPUT where that is cheap to know (for the progress bar), else None."""
    kind = input_kind(path)
    if kind == "jsonl":
        return count_jsonl(path)
    if kind == "parquet":
        return parquet_rows(path)
    if kind == "folder":
        return len(folder_files(path))
    return None


_AUTO_SEPARATORS = ("|", ";", ",")


def parse_labels(value: Any, sep: str | None = None) -> list[str] | None:
    """A list column or a delimited string as a list of labels; None when the cell is empty."""
    import numpy as np
    import pandas as pd

    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, list | tuple | np.ndarray | pd.Series):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            return parse_labels(json.loads(text))
        except ValueError:
            pass
    if sep is None:
        sep = next((s for s in _AUTO_SEPARATORS if s in text), "|")
    return [part.strip() for part in text.split(sep) if part.strip()]
