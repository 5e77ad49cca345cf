"""The ``tagger`` command line: one door onto ``Tagger.tag``."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from tagger.errors import BadInputError, TaggerError
from tagger.tags import Tags
from tagger.text import decode_bytes, html_to_text, looks_like_html

app = typer.Typer(help="Tag news text with entities and topics, locally.", no_args_is_help=True)
out = Console()
F = TypeVar("F", bound=Callable[..., Any])

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
    table = Table(title="Entities", title_justify="left")
    for column in ("salience", "label", "name", "id", "count"):
        table.add_column(column, justify="right" if column in ("salience", "count") else "left")
    for e in tags.entities[:limit]:
        table.add_row(f"{e.salience:.2f}", e.label, e.name, e.id or "", str(e.count))
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
    as_json: Annotated[bool, typer.Option("--json", help="Print the tags as JSON.")] = False,
    errors: Annotated[
        str, typer.Option(help="Undecodable bytes: 'strict' (fail) or 'replace'.")
    ] = "strict",
    limit: Annotated[int, typer.Option(help="Entities to show in the table.")] = 25,
    model: ModelOpt = None,
) -> None:
    """Tag one article and print its entities and topics."""
    content = read_input(text, file, errors)
    tags = load_tagger(model).tag(content)
    if as_json:
        out.print_json(json.dumps(tags.to_dict(), ensure_ascii=False))
    else:
        render(tags, limit)


@app.command("info")
@reports_errors
def info_command(model: ModelOpt = None) -> None:
    """The model, the versions and the knowledge base's size."""
    from tagger.model import describe

    out.print_json(json.dumps(describe(load_tagger(model)), ensure_ascii=False))


def main() -> None:  # pragma: no cover - console entry for ``python -m tagger``
    app()


@app.command("train")
@reports_errors
def train_command(
    data: Annotated[Path, typer.Argument(help="Training data: CSV, JSONL(.gz) or Parquet.")],
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
    model: Annotated[str, typer.Option(help="'svm' (default) or 'logreg'.")] = "svm",
    c: Annotated[float, typer.Option("--C", help="Regularisation strength (inverse).")] = 1.0,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing bundle.")] = False,
) -> None:
    """Train a topic model on an archive's editor-assigned tags and write a model bundle."""
    import time
    import warnings

    from tagger.training import read_table, train

    if (out / "manifest.json").exists() and not overwrite:
        raise BadInputError(f"{out} already holds a bundle; pass --overwrite to replace it")
    frame = read_table(data)
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trained = train(
            frame, text=text_col, labels=labels_col, taxonomy=taxonomy, seed=seed, sep=sep,
            negatives=negatives, model=model, C=c, out=out, source=data.name,
        )  # fmt: skip
    for warning in caught:
        typer.echo(f"warning: {warning.message}", err=True)
    metrics = trained.manifest["metrics"]
    typer.echo(
        f"trained on {trained.manifest['training_data']['rows_used']} rows in "
        f"{time.perf_counter() - started:.1f}s; cross-validated micro-F1 "
        f"{metrics['micro']['f1']:.3f}, macro-F1 {metrics['macro']['f1']:.3f}; bundle: {out}"
    )
