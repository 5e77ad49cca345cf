"""The ``tagger`` command line: one door onto ``Tagger.tag``."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from tagger.errors import BadInputError, TaggerError
from tagger.settings import DEFAULT_FEEDBACK_DB, MAX_BODY_BYTES, MAX_TEXT_CHARS
from tagger.tags import Tags
from tagger.text import decode_bytes, html_to_text, looks_like_html

app = typer.Typer(help="Tag news text with entities and topics, locally.", no_args_is_help=True)
out = Console()
F = TypeVar("F", bound=Callable[..., Any])


class Engine(StrEnum):
    LOCAL = "local"
    DASK = "dask"


class LinearModel(StrEnum):
    SVM = "svm"
    LOGREG = "logreg"


class Decoding(StrEnum):
    STRICT = "strict"
    REPLACE = "replace"


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="A readable table, JSON or CSV.")]


def _format(chosen: OutputFormat, as_json: bool, as_csv: bool) -> OutputFormat:
    """``--format``, with the older ``--json`` / ``--csv`` flags as its aliases."""
    if as_json and as_csv:
        raise BadInputError("give --json or --csv, not both (or one --format json|csv)")
    if as_json:
        return OutputFormat.JSON
    return OutputFormat.CSV if as_csv else chosen


INTERNAL_ERROR = 70  # EX_SOFTWARE: not the user's fault
MaxCharsOpt = Annotated[
    int,
    typer.Option(
        min=1, help="Longest text to tag, in characters (the service's limit); longer is an error."
    ),
]
ModelOpt = Annotated[
    Path | None, typer.Option("--model", "-m", help="Model bundle directory (default: shipped).")
]


def reports_errors(func: F) -> F:
    """Turn a TaggerError into one clean line on stderr and its exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TaggerError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt, SystemExit):
            raise
        except MemoryError:
            typer.echo("Out of memory: try a smaller --batch-size or fewer processes", err=True)
            raise typer.Exit(INTERNAL_ERROR) from None
        except Exception as exc:  # a bug or an unforeseen input: one line, not a traceback
            if os.environ.get("TAGGER_DEBUG"):
                raise
            typer.echo(
                f"Internal error: {type(exc).__name__}: {exc} (set TAGGER_DEBUG=1 to see the "
                "traceback, and please report it)",
                err=True,
            )
            raise typer.Exit(INTERNAL_ERROR) from None

    return wrapper  # type: ignore[return-value]


def load_tagger(model: Path | None) -> Any:
    """The tagger for a command: the given bundle or the shared default."""
    import tagger

    return tagger.Tagger.load(model) if model else tagger.default_tagger()


def read_input(text: str | None, file: Path | None, errors: str) -> str:
    """TEXT, or the file's contents (``-`` is stdin), HTML reduced to its text."""
    if (text is None) == (file is None):
        raise BadInputError("give either TEXT or --file PATH (use --file - for stdin)")
    if file is None:
        assert text is not None
        return text
    if str(file) == "-":
        data, name = sys.stdin.buffer.read(), "<stdin>"
    else:
        if not file.is_file():
            raise BadInputError(f"{file} is not a file")
        data, name = file.read_bytes(), str(file)
    content = decode_bytes(data, name=name, errors=errors)
    is_html = file.suffix.lower() in (".html", ".htm") or looks_like_html(content)
    return html_to_text(content) if is_html else content


def render(tags: Tags, limit: int) -> None:
    """Entities and topics as two readable tables."""
    table = Table(title="Entities (suggested first)", title_justify="left")
    for column in ("tag", "salience", "label", "name", "id", "count"):
        table.add_column(column, justify="right" if column in ("salience", "count") else "left")
    ordered = sorted(tags.entities, key=lambda e: not e.suggested)  # stable: salience order kept
    for e in ordered[:limit]:
        mark = "suggested" if e.suggested else ""
        table.add_row(mark, f"{e.salience:.2f}", e.label, e.name, e.id or "", str(e.count))
    out.print(table)
    topics = Table(title="Topics", title_justify="left")
    for column in ("score", "slug", "IPTC", "evidence"):
        topics.add_column(column)
    for t in tags.topics:
        topics.add_row(f"{t.score:.2f}", t.slug, f"{t.label} ({t.iptc})", ", ".join(t.evidence))
    out.print(topics if tags.topics else "[dim]No topics above their thresholds.[/dim]")


@app.command("tag")
@reports_errors
def tag_command(
    text: Annotated[str | None, typer.Argument(help="Text to tag.")] = None,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Plain text or HTML file; - for stdin.")
    ] = None,
    output: FormatOpt = OutputFormat.TABLE,
    as_json: Annotated[bool, typer.Option("--json", hidden=True, help="= --format json")] = False,
    errors: Annotated[
        Decoding, typer.Option(help="Undecodable bytes: fail, or replace them with U+FFFD.")
    ] = Decoding.STRICT,
    limit: Annotated[int, typer.Option(min=1, help="Entities to show in the table.")] = 25,
    model: ModelOpt = None,
    max_chars: MaxCharsOpt = MAX_TEXT_CHARS,
) -> None:
    """Tag one article and print its entities and topics."""
    content = read_input(text, file, errors.value)
    if len(content) > max_chars:
        raise BadInputError(
            f"the text is {len(content):,} characters; the limit is {max_chars:,} "
            "(raise it with --max-chars)"
        )
    tags = load_tagger(model).tag(content)
    output = _format(output, as_json, False)
    if output is OutputFormat.CSV:
        raise BadInputError("tagger tag prints a table or JSON (--format table|json)")
    if output is OutputFormat.JSON:
        out.print_json(json.dumps(tags.to_dict(), ensure_ascii=False))
    else:
        render(tags, limit)


@app.command("info")
@reports_errors
def info_command(model: ModelOpt = None) -> None:
    """The model, the versions and the knowledge base's size."""
    out.print_json(json.dumps(load_tagger(model).describe(), ensure_ascii=False))


def main() -> None:  # pragma: no cover - console entry for ``python -m tagger``
    app()


@app.command("train")
@reports_errors
def train_command(
    data: Annotated[
        list[Path],
        typer.Argument(
            help="Training data: CSV, JSONL(.gz) or Parquet; several files are one table."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Bundle directory to write.")],
    text_col: Annotated[str, typer.Option(help="Column with the article text.")] = "body",
    labels_col: Annotated[str, typer.Option(help="Column with the labels.")] = "tags",
    taxonomy: Annotated[
        Path | None, typer.Option(help="Taxonomy CSV (slug, iptc_qcode, iptc_label).")
    ] = None,
    sep: Annotated[
        str | None, typer.Option(help="Label separator in a string column (default: auto).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed (folds, solver).")] = 0,
    negatives: Annotated[
        bool, typer.Option(help="Keep rows with an empty label list as 'no topic' examples.")
    ] = False,
    model: Annotated[
        LinearModel, typer.Option(help="The linear model per topic.")
    ] = LinearModel.SVM,
    c: Annotated[float, typer.Option("--C", help="Regularisation strength (inverse).")] = 1.0,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing bundle.")] = False,
    feedback: Annotated[
        Path | None,
        typer.Option(help="Feedback DB of 'tagger serve': fold editors' verdicts in."),
    ] = None,
    calibration: Annotated[
        Path | None,
        typer.Option(
            help="Full-length labelled articles (same columns) to fit the length-aware "
            "aggregator and thresholds on; default: out-of-fold scores of DATA."
        ),
    ] = None,
    entities: Annotated[
        bool,
        typer.Option(
            "--entities",
            help="Also learn which entities to suggest from the editors' entity tags in the "
            "columns people, countries, organisations, apps (as 'tagger batch' writes them).",
        ),
    ] = False,
) -> None:
    """Train a topic model on an archive's editor-assigned tags and write a model bundle."""
    import time
    import warnings

    from tagger.entity_match import TYPES as ENTITY_TYPES
    from tagger.io import read_table, require_columns
    from tagger.model import clear_bundle
    from tagger.training import train

    if out.exists() and not out.is_dir():
        raise BadInputError(f"{out} is a file, not a bundle directory")
    if out.is_dir() and any(out.iterdir()):
        if not (out / "manifest.json").is_file():
            raise BadInputError(
                f"{out} is a directory that is not empty and holds no model bundle: refusing to "
                "write into it; choose a new or empty directory"
            )
        if not overwrite:
            raise BadInputError(f"{out} already holds a bundle; pass --overwrite to replace it")
    import pandas as pd

    tables = []
    for file in data:
        table = read_table(file)
        # checked per file: joined, a file without the column would become rows of missing text
        entity_cols = list(ENTITY_TYPES) if entities else []
        require_columns(table, text_col, labels_col, *entity_cols, where=str(file))
        tables.append(table)
    frame = pd.concat(tables, ignore_index=True)
    cal_frame = read_table(calibration) if calibration is not None else None
    if overwrite and (out / "manifest.json").is_file():
        clear_bundle(out)
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trained = train(
            frame, text=text_col, labels=labels_col, taxonomy=taxonomy, seed=seed, sep=sep,
            negatives=negatives, model=model.value, C=c, out=out,
            source="+".join(file.name for file in data),
            feedback=feedback, calibration=cal_frame,
            calibration_source=calibration.name if calibration is not None else "",
            entities=entities,
        )  # fmt: skip
    for warning in caught:
        typer.echo(f"warning: {warning.message}", err=True)
    metrics = trained.manifest["metrics"]
    typer.echo(
        f"trained on {trained.manifest['training_data']['rows_used']} rows in "
        f"{time.perf_counter() - started:.1f}s; cross-validated micro-F1 "
        f"{metrics['micro']['f1']:.3f}, macro-F1 {metrics['macro']['f1']:.3f}; bundle: {out}"
    )
    folded = trained.manifest["training_data"].get("feedback")
    if folded:
        typer.echo(
            f"feedback: {folded['verdicts']} verdict(s) read; {folded['stories']} stor(ies) "
            f"used: {folded['positives']} positive and {folded['negatives']} negative topic "
            f"label(s), {folded['rows_corrected']} training row(s) corrected, "
            f"{folded['rows_added']} added; not used: {folded['not_used'] or 'none'}"
        )
    learned = trained.manifest.get("entity_tags")
    if learned:
        per_type = ", ".join(
            f"{label} {c['tagged']}/{c['entities']}" for label, c in learned["entities"].items()
        )
        typer.echo(
            f"entity suggestions learned from {learned['rows_used']} article(s) (tagged/found: "
            f"{per_type}); shipped decision kept for: "
            f"{', '.join(learned['kept_from_shipped_model']) or 'none'}"
        )
        if "feedback" in learned:
            used = learned["feedback"]
            typer.echo(
                f"entity feedback: {used['entity_verdicts_used']} verdict(s) used, "
                f"{used['articles_corrected']} article(s) corrected, {used['articles_added']} "
                f"added; not used: {used['not_used'] or 'none'}"
            )


@app.command("batch")
@reports_errors
def batch_command(
    input: Annotated[
        Path, typer.Argument(help="JSONL(.gz), CSV, Parquet, or a folder of .txt/.html files.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="OUTPUT: .parquet or .jsonl.")],
    text_col: Annotated[str, typer.Option(help="Column with the article text.")] = "body",
    id_col: Annotated[str, typer.Option(help="Column with the row id.")] = "id",
    n_process: Annotated[int, typer.Option(min=1, help="Worker processes (local engine).")] = 1,
    batch_size: Annotated[int, typer.Option(min=1, help="Texts per spaCy batch.")] = 64,
    part_rows: Annotated[int, typer.Option(min=1, help="Input rows per resumable part.")] = 1000,
    resume: Annotated[bool, typer.Option(help="Continue an interrupted run.")] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing OUTPUT.")] = False,
    engine: Annotated[Engine, typer.Option(help="Tag here, or on a Dask cluster.")] = Engine.LOCAL,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (default: a LocalCluster).")
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="LocalCluster workers (dask, no --scheduler).")
    ] = 2,
    tolerate_errors: Annotated[
        bool, typer.Option(help="Exit 0 even when some rows could not be tagged.")
    ] = False,
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    max_chars: MaxCharsOpt = MAX_TEXT_CHARS,
    model: ModelOpt = None,
) -> None:
    """Tag an archive, streaming, resumable; bad rows go to OUTPUT.errors.jsonl."""
    from tagger.batch import tag_file

    options: dict[str, Any] = dict(
        max_chars=max_chars,
        text_col=text_col, id_col=id_col, batch_size=batch_size, part_rows=part_rows,
        resume=resume, overwrite=overwrite, progress=progress,
    )  # fmt: skip
    try:
        if engine is Engine.DASK:
            from tagger.distributed import dask_runner

            with dask_runner(scheduler, model=model, n_workers=workers, batch_size=batch_size) as run:  # fmt: skip
                summary = tag_file(input, out, runner=run, **options)
        else:
            tagger = load_tagger(model)
            summary = tag_file(input, out, tagger=tagger, n_process=n_process, **options)
    except KeyboardInterrupt:
        typer.echo("interrupted: finished parts are kept; rerun with --resume to continue", err=True)  # fmt: skip
        raise typer.Exit(130) from None
    typer.echo(
        f"rows read {summary.rows_read:,} (resumed after {summary.resumed_from:,}), tagged "
        f"{summary.tagged:,}, failed {summary.failed:,}; {summary.elapsed:.1f}s, "
        f"{summary.throughput:,.1f} rows/s; output {summary.output}, errors {summary.errors_file}",
        err=True,
    )
    if summary.blank_lines:
        typer.echo(f"skipped {summary.blank_lines:,} blank line(s) (not rows)", err=True)
    if summary.duplicate_ids:
        typer.echo(
            f"warning: {summary.duplicate_ids:,} row(s) repeat an earlier id, e.g. "
            f"{', '.join(summary.duplicate_examples)}",
            err=True,
        )
    if summary.failed and not tolerate_errors:
        for failure in summary.failures[:5]:
            typer.echo(f"  failed row {failure['row']} ({failure['id']}): {failure['reason']}", err=True)  # fmt: skip
        typer.echo(
            f"{summary.failed:,} row(s) failed (see {summary.errors_file}); "
            "pass --tolerate-errors to exit 0 anyway",
            err=True,
        )
        raise typer.Exit(1)


@app.command("evaluate")
@reports_errors
def evaluate_command(
    data: Annotated[Path, typer.Argument(help="Gold data: CSV, JSONL(.gz) or Parquet.")],
    model: ModelOpt = None,
    text_col: Annotated[str, typer.Option(help="Column with the article text.")] = "body",
    labels_col: Annotated[str, typer.Option(help="Column with the gold topic labels.")] = "tags",
    k: Annotated[int, typer.Option("--k", min=1, help="Cut-off for precision/recall/F1@k.")] = 3,
    output: FormatOpt = OutputFormat.TABLE,
    as_json: Annotated[bool, typer.Option("--json", hidden=True, help="= --format json")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", hidden=True, help="= --format csv")] = False,
    limit: Annotated[int | None, typer.Option(help="Evaluate the first N rows only.")] = None,
) -> None:
    """Score a model's topics, and its entities where the data has gold spans or the editors'
    entity tags (columns people, countries, organisations, apps), against gold data."""
    from tagger import evaluate as ev
    from tagger.entity_match import TYPES as ENTITY_TYPES
    from tagger.io import parse_labels, read_table, require_columns
    from tagger.suggest_training import names_in

    output = _format(output, as_json, as_csv)
    frame = read_table(data)
    require_columns(frame, text_col)
    if limit is not None:
        frame = frame.head(limit)
    spans = ev.gold_entities(frame, text_col)
    has_topics = labels_col in frame.columns
    # the editors' document-level entity tags, in the columns tagger batch writes
    tag_cols = [c for c in ENTITY_TYPES if c in frame.columns]
    if not has_topics and spans is None and not tag_cols:
        require_columns(frame, labels_col)  # fails naming the columns that exist
    if frame.empty:
        raise BadInputError(f"{data} has no rows to evaluate")
    # a malformed tag cell is an error before any tagging
    entity_gold = [
        {c: names_in(row[c], f"row {n + 1}, column {c!r}") for c in tag_cols}
        for n, row in enumerate(frame[tag_cols].to_dict("records"))
    ]
    tagger = load_tagger(model)
    tables: dict[str, Any] = {}
    texts = [t if isinstance(t, str) else "" for t in frame[text_col].tolist()]
    if has_topics:
        gold = [parse_labels(v) or [] for v in frame[labels_col].tolist()]
        scores = ev.topic_scores(tagger, texts)
        tables["topics"] = ev.topics(gold, scores, k=k)
        tables["topics by length"] = ev.topics_by_length(gold, scores, texts)
    if spans is not None:
        span_texts, gold_spans = spans
        predicted = tagger.tag_many(span_texts)
        plo = {s[2] for doc in gold_spans for s in doc} <= set(ev.PLO)
        label_map = ev.TO_PLO if plo else None  # gold in PER/LOC/ORG: map ours, drop demonyms
        skip = ev.demonyms(tagger) if plo else set()
        pred_spans = [ev.tag_spans(t, label_map, skip) for t in predicted]
        tables["entities"] = ev.entities(gold_spans, pred_spans)
    if tag_cols:
        kb = tagger.nlp.get_pipe("tagger_entities").kb
        tables["entity tags"] = ev.entity_tags(entity_gold, tagger.tag_many(texts), kb)
    if output is OutputFormat.JSON:
        payload = {
            name: table.reset_index().to_dict(orient="records") for name, table in tables.items()
        }
        out.print_json(json.dumps({"data": str(data), "rows": len(frame), **payload}))
    elif output is OutputFormat.CSV:
        parts = [t.reset_index().assign(table=name) for name, t in tables.items()]
        merged = pd_concat(parts)
        typer.echo(merged.to_csv(index=False), nl=False)
    else:
        for name, table in tables.items():
            show_metrics(name, table, len(frame))


def pd_concat(parts: list[Any]) -> Any:
    """Tables of different columns stacked, the table name first."""
    import pandas as pd

    merged = pd.concat(parts, ignore_index=True)
    return merged[["table", *[c for c in merged.columns if c != "table"]]]


def show_metrics(name: str, table: Any, rows: int) -> None:
    """One metrics DataFrame as a rich table: the rates to three decimals and the counts (the
    tp/fp/fn columns are in --json and --csv)."""
    from rich import box

    title = f"{name.capitalize()} ({rows} documents)"
    view = Table(title=title, title_justify="left", box=box.SIMPLE)
    frame = table.reset_index()
    frame = frame[[c for c in frame.columns if c not in ("tp", "fp", "fn")]]
    short = {"precision": "P", "recall": "R", "predicted": "pred"}
    for column in frame.columns:
        head = str(column)
        for word, abbr in short.items():
            head = head.replace(word, abbr)
        numeric = column not in ("label", "match", "length")
        view.add_column(head, justify="right" if numeric else "left", no_wrap=True)
    for record in frame.itertuples(index=False):
        view.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in record))
    # a pipe or a narrow terminal gets 80 columns; never squeeze the numbers out of the table
    (out if out.width >= 110 else Console(width=110)).print(view)


@app.command("serve")
@reports_errors
def serve_command(
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback unless you mean otherwise).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    model: ModelOpt = None,
    workers: Annotated[int, typer.Option(help="Worker processes, each loads the model.")] = 1,
    feedback_db: Annotated[
        Path, typer.Option("--feedback-db", help="SQLite file for editors' feedback.")
    ] = Path(DEFAULT_FEEDBACK_DB),
    keep_text: Annotated[
        bool,
        typer.Option(help="Store the story text with feedback (needed to train on it)."),
    ] = False,
    max_body: Annotated[
        int, typer.Option(help="Largest request body in bytes (413).")
    ] = MAX_BODY_BYTES,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the HTTP API and the editors' page (needs the 'serve' extra). TAGGER_API_KEY set:
    every /v1 route requires 'Authorization: Bearer <key>'."""
    import os

    from tagger.errors import ConfigurationError

    try:
        import uvicorn
    except ImportError:
        raise ConfigurationError(
            "tagger serve needs FastAPI and uvicorn: pip install 'tagger[serve]'"
        ) from None
    if workers < 1:
        raise BadInputError("--workers must be at least 1")
    if model is not None and not (model / "manifest.json").is_file():
        raise BadInputError(f"--model {model} is not a model bundle (no manifest.json)")
    if not feedback_db.resolve().parent.is_dir():
        raise BadInputError(f"--feedback-db: folder {feedback_db.resolve().parent} does not exist")
    # every worker builds its app from these (uvicorn's factory), so they agree
    os.environ["TAGGER_MODEL"] = str(model.resolve()) if model else ""
    os.environ["TAGGER_FEEDBACK_DB"] = str(feedback_db.resolve())
    os.environ["TAGGER_KEEP_TEXT"] = "1" if keep_text else ""
    os.environ["TAGGER_MAX_BODY"] = str(max_body)
    if workers > 1:
        # the workers already share the cores: one BLAS thread each (read when numpy loads)
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    if host not in ("127.0.0.1", "localhost", "::1") and not os.environ.get("TAGGER_API_KEY"):
        typer.echo(
            f"warning: listening on {host} with no TAGGER_API_KEY: anyone who can reach it can "
            "use the API",
            err=True,
        )
    typer.echo(f"tagger: the editors' page is at http://{host}:{port}/ (API docs: /docs)", err=True)
    uvicorn.run(
        "tagger.service:app_from_env", factory=True, host=host, port=port, workers=workers,
        log_level=log_level,
    )  # fmt: skip
