"""The store on object storage: a real S3 API (moto's server mode, on loopback), written
through s3fs by a sync and read back through the readers, DuckDB and Dask."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

import rtk_notebook as rtk
from tests.factories import make_world, store_kit

WEEKEND = ("2026-11-14", "2026-11-16")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, Any]]:
    """A moto S3 server on a free loopback port with a bucket; the store's storage_options."""
    import boto3
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **keys).create_bucket(
        Bucket="history"
    )
    yield {
        "endpoint_url": endpoint,
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"region_name": "us-east-1"},
    }
    server.stop()


@pytest.fixture(scope="module")
def synced(s3: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """The weekend synced into s3://history/acme, and the same into a local directory."""
    world = make_world()
    kit = store_kit(world, workers=0)
    remote = rtk.Store("s3://history/acme", storage_options=s3)
    local = rtk.Store(tmp_path_factory.mktemp("local"))
    result = kit.sync(remote, *WEEKEND)
    kit.sync(local, *WEEKEND)
    kit.close()
    assert result.peers_added == 29
    return remote, local


def test_a_sync_into_s3_reads_back_as_a_local_one(synced: tuple[Any, Any]) -> None:
    remote, local = synced
    assert remote.url == "s3://history/acme"
    for read in ("sessions", "quality", "findings", "participants"):
        a = getattr(remote, read)().sort_values(list(getattr(remote, read)().columns[:2]))
        b = getattr(local, read)().sort_values(list(a.columns[:2]))
        pd.testing.assert_frame_equal(
            a.reset_index(drop=True), b.reset_index(drop=True), check_categorical=False
        )
    files = remote.fs.ls("history/acme/quality")
    assert sorted(f.rsplit("/", 1)[1] for f in files) == ["date=2026-11-14", "date=2026-11-15"]


def test_duckdb_reads_the_s3_store(synced: tuple[Any, Any]) -> None:
    remote, local = synced
    query = "SELECT verdict, count(*) AS n FROM quality GROUP BY verdict ORDER BY verdict"
    pd.testing.assert_frame_equal(remote.sql(query), local.sql(query))


def test_a_second_sync_into_s3_waits_for_the_first(
    synced: tuple[Any, Any], s3: dict[str, Any]
) -> None:
    remote, _ = synced
    kit = store_kit(make_world(), workers=0)
    with remote.lock(), pytest.raises(rtk.StoreBusyError, match="another sync is writing"):
        kit.sync(rtk.Store("s3://history/acme", storage_options=s3), *WEEKEND)
    assert kit.stats.requests == 0
    again = kit.sync(remote, *WEEKEND)  # the lease was returned
    kit.close()
    assert again.sessions_final == 7


def test_dask_on_a_local_cluster_reads_the_s3_store(synced: tuple[Any, Any]) -> None:
    from distributed import Client, LocalCluster

    remote, _ = synced
    with (
        LocalCluster(n_workers=1, threads_per_worker=2, processes=False) as cluster,
        Client(cluster),
    ):
        for call in (
            lambda engine: remote.trend(freq="D", by="browser", engine=engine),
            lambda engine: remote.compare(
                before=("2026-11-14", "2026-11-15"), after=("2026-11-15", "2026-11-16"),
                engine=engine,
            ),
        ):  # fmt: skip
            pd.testing.assert_frame_equal(call("dask"), call("duckdb"), check_exact=False)
