"""The flat tag columns every table door writes: batch output, Dask partitions, DataFrames.

``output_row`` is one output row (the ``Tags.to_dict()`` shape plus flat lists); ``tag_frame`` is
``Tagger.tag_dataframe``; ``frame_meta`` is its empty shape (the Dask ``meta``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tagger.io import require_columns, text_error
from tagger.tags import Tags
from tagger.topics import ASSIGNED

if TYPE_CHECKING:
    import pandas as pd

    from tagger.tagger import Tagger

FLAT_COLUMNS = {
    "topics": None,
    "people": "PERSON",
    "countries": "COUNTRY",
    "organisations": "ORG",
    "apps": "APP",
    "locations": "LOCATION",
}


def flat_columns(tags: Tags) -> dict[str, list[str]]:
    """The analysis columns: assigned topics and the suggested entities' names per label.

    Every entity (suggested or not) stays in the ``tags`` column; places are never an editor's
    tag, so ``locations`` lists every place named.
    """
    row: dict[str, list[str]] = {"topics": [t.slug for t in tags.topics if t.score >= ASSIGNED]}
    for column, label in FLAT_COLUMNS.items():
        if label is not None:
            row[column] = [
                e.name
                for e in tags.entities
                if e.label == label and (e.suggested or label == "LOCATION")
            ]
    return row


def output_row(tags: Tags) -> dict[str, Any]:
    """One output row without its id: the full tags plus the flat columns."""
    return {"tags": tags.to_dict(), **flat_columns(tags)}


def tag_frame(
    tagger: Tagger,
    df: pd.DataFrame,
    text: str = "body",
    batch_size: int = 64,
    n_process: int = 1,
) -> pd.DataFrame:
    """``Tagger.tag_dataframe``: the tag columns for each row of ``df``, same index.

    Columns: ``tags`` (the ``Tags.to_dict()`` dict), the flat ``topics``, ``people``,
    ``countries``, ``organisations``, ``apps``, ``locations`` lists, and ``error`` (None, or why
    the row's text could not be tagged; its other columns are then None). Join it back with
    ``df.join(result)``.
    """
    import pandas as pd

    require_columns(df, text)
    values = df[text].tolist()
    errors = [text_error(v, text) for v in values]
    good = [v for v, e in zip(values, errors, strict=True) if e is None]
    tagged = iter(tagger.tag_many(good, batch_size=batch_size, n_process=n_process))
    columns = ["tags", *FLAT_COLUMNS, "error"]
    rows: list[dict[str, Any]] = []
    for error in errors:
        if error is None:
            rows.append({**output_row(next(tagged)), "error": None})
        else:
            rows.append(dict.fromkeys(columns[:-1]) | {"error": error})
    return pd.DataFrame(rows, index=df.index, columns=columns, dtype=object)


def frame_meta() -> pd.DataFrame:
    """An empty frame with ``tag_frame``'s columns (the Dask ``meta``)."""
    import pandas as pd

    return pd.DataFrame({c: pd.Series([], dtype=object) for c in ["tags", *FLAT_COLUMNS, "error"]})
