"""The batch job on a Dask cluster: ``tag_dask`` for dask DataFrames, and the engine behind
``tagger batch --engine dask``.

Each worker process loads the model once (``worker_tagger`` is cached per process) and reuses it
for every partition or chunk it is given; a worker needs ``pip install tagger[dask]`` (same
versions as the client) and, for ``--model PATH``, that path readable on its own file system.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tagger.batch import Runner
from tagger.columns import frame_meta, output_row, tag_frame
from tagger.errors import ConfigurationError
from tagger.io import Record

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

    from tagger.tagger import Tagger

_loads = 0  # how many times this process has loaded a model (the tests check it stays at 1)


@cache
def worker_tagger(model: str | None = None) -> Tagger:
    """The tagger of this worker process: loaded on first use, then reused."""
    global _loads
    import tagger

    _loads += 1
    return tagger.Tagger.load(model) if model else tagger.default_tagger()


def load_count() -> int:
    """Models loaded by this process so far (run it on the workers with ``client.run``)."""
    return _loads


def _model_arg(model: str | Path | None) -> str | None:
    return str(Path(model).resolve()) if model is not None else None


def _tag_partition(df: pd.DataFrame, text: str, model: str | None, batch_size: int) -> Any:
    return tag_frame(worker_tagger(model), df, text=text, batch_size=batch_size)


def tag_dask(
    ddf: dd.DataFrame, text: str = "body", model: str | Path | None = None, batch_size: int = 64
) -> dd.DataFrame:
    """The tag columns of each row of ``ddf`` (as ``Tagger.tag_dataframe``), lazily, same index.

    ``model``: a bundle directory every worker can read; None = the shipped default.
    """
    from tagger.io import require_columns

    require_columns(ddf, text)
    return ddf.map_partitions(
        _tag_partition, text, _model_arg(model), batch_size, meta=frame_meta()
    )


def _tag_texts(texts: list[str], model: str | None, batch_size: int) -> list[dict[str, Any]]:
    """Runs on a worker: the output rows (without ids) for one chunk's good texts."""
    tagger = worker_tagger(model)
    return [output_row(t) for t in tagger.tag_many(texts, batch_size=batch_size)]


@contextlib.contextmanager
def dask_runner(
    scheduler: str | None = None,
    *,
    model: str | Path | None = None,
    n_workers: int = 2,
    batch_size: int = 64,
    in_flight: int | None = None,
    worker_timeout: float = 60.0,
) -> Iterator[Runner]:
    """A ``tag_file`` runner that tags each chunk on a Dask cluster, results in input order.

    ``scheduler``: an address such as ``tcp://10.0.0.5:8786``; None starts a ``LocalCluster``
    of ``n_workers`` single-threaded worker processes for the length of the ``with`` block.
    Each chunk (a part of ``--part-rows`` rows) is split across the workers; at most
    ``in_flight`` chunks (default 2) are on the cluster at once, so memory stays flat on the
    client too. With no worker on the cluster after ``worker_timeout`` seconds it stops
    with a ConfigurationError instead of waiting forever.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigurationError("the dask engine needs: pip install 'tagger[dask]'") from None
    if not scheduler and n_workers < 1:
        raise ConfigurationError(f"a LocalCluster needs at least 1 worker, not {n_workers}")
    model_arg = _model_arg(model)
    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = stack.enter_context(Client(scheduler, timeout="20s"))
            except OSError as exc:
                raise ConfigurationError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None  # fmt: skip
        else:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=":0",
                )
            )
            client = stack.enter_context(Client(cluster))
        try:  # a scheduler without workers would take the parts and never answer
            client.wait_for_workers(1, timeout=worker_timeout)
        except TimeoutError:
            raise ConfigurationError(
                f"no Dask worker joined the scheduler within {worker_timeout:g} s; "
                "start one with: dask worker ADDRESS --nthreads 1"
            ) from None
        workers = max(1, len(client.scheduler_info()["workers"]))
        limit = in_flight or 2

        def submit(texts: list[str]) -> list[Any]:
            """One part's texts split across the workers, so a few large parts keep all busy."""
            step = max(batch_size, -(-len(texts) // workers))
            return [
                client.submit(_tag_texts, texts[i : i + step], model_arg, batch_size, pure=False)
                for i in range(0, len(texts), step)
            ]

        def run(chunks: Iterator[list[Record]]) -> Iterator[tuple[list[Record], list[dict[str, Any]]]]:  # fmt: skip
            queue: deque[tuple[list[Record], list[Any]]] = deque()
            for chunk in chunks:
                texts = [r.text for r in chunk if r.error is None and r.text is not None]
                queue.append((chunk, submit(texts)))
                while len(queue) >= limit:
                    done, futures = queue.popleft()
                    yield done, [row for future in futures for row in future.result()]
            while queue:
                done, futures = queue.popleft()
                yield done, [row for future in futures for row in future.result()]

        yield run
