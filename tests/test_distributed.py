"""The Dask path on a real LocalCluster of 2 worker processes: same answers, one model load each."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tagger.batch import read_output, tag_file
from tagger.errors import BadInputError
from tests.test_batch import story, write_jsonl

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from tagger.distributed import dask_runner, load_count, tag_dask  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def as_json(frame: pd.DataFrame) -> list[str]:
    return [json.dumps(r, sort_keys=True) for r in frame.to_dict("records")]


def test_tag_dask_equals_tag_dataframe_and_loads_once_per_worker(client, default):
    df = pd.DataFrame(
        {"id": range(24), "body": [story(i) if i != 5 else None for i in range(24)]},
        index=range(100, 124),
    )
    ddf = dd.from_pandas(df, npartitions=8)
    result = tag_dask(ddf, text="body").compute()
    expected = default.tag_dataframe(df)
    assert list(result.index) == list(df.index)
    assert as_json(result) == as_json(expected)
    loads = client.run(load_count)
    assert len(loads) == 2 and all(n <= 1 for n in loads.values()), loads
    assert sum(loads.values()) >= 1
    tag_dask(ddf).compute()  # more partitions later: still no reload
    assert max(client.run(load_count).values()) == 1
    with pytest.raises(BadInputError, match="'text' not found"):
        tag_dask(ddf, text="text")


def test_batch_dask_engine_equals_local(client, tmp_path, default):
    src = tmp_path / "in.jsonl"
    rows, bad = write_jsonl(src, 30)
    tag_file(src, tmp_path / "local.parquet", tagger=default, part_rows=7)
    with dask_runner(client.scheduler.address) as run:
        summary = tag_file(src, tmp_path / "dask.parquet", runner=run, part_rows=7)
    assert (summary.failed, summary.rows_read) == (bad, rows)
    local, remote = read_output(tmp_path / "local.parquet"), read_output(tmp_path / "dask.parquet")
    assert local.to_dict("records") == remote.to_dict("records")
    assert (tmp_path / "local.parquet.errors.jsonl").read_text() == (
        tmp_path / "dask.parquet.errors.jsonl"
    ).read_text()
    assert max(client.run(load_count).values()) == 1


def test_dask_runner_refuses_a_local_cluster_without_workers():
    from tagger.errors import ConfigurationError

    with (
        pytest.raises(ConfigurationError, match="at least 1 worker"),
        dask_runner(None, n_workers=0),
    ):
        pass


def test_dask_runner_stops_when_the_scheduler_has_no_workers():
    """A scheduler nobody joined must give a clear error, not a job that waits forever."""
    from tagger.errors import ConfigurationError

    with (
        distributed.LocalCluster(n_workers=0, dashboard_address=":0") as empty,
        pytest.raises(ConfigurationError, match="no Dask worker joined"),
        dask_runner(empty.scheduler_address, worker_timeout=1),
    ):
        pass
