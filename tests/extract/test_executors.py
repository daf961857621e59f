"""Tests of scatterwave.extract.executors: local process pool and a real Dask cluster."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np
import pytest

from scatterwave.extract import ExtractConfig, extract

from .conftest import SMALL

zarr = pytest.importorskip("zarr")


@pytest.fixture(scope="module")
def reference(clean_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ref") / "ref.zarr"
    extract([clean_corpus], out, ExtractConfig(**SMALL, batch_size=3, workers=1))
    return out


def _assert_same_store(a: Path, b: Path) -> None:
    ga, gb = zarr.open_group(str(a), mode="r"), zarr.open_group(str(b), mode="r")
    # the same chunks go through the same code whatever the executor: bitwise equal
    np.testing.assert_array_equal(ga["coefficients"][:], gb["coefficients"][:])
    np.testing.assert_array_equal(ga["ok"][:], gb["ok"][:])
    assert bool(np.all(ga["chunk_done"][:])) and ga.attrs["complete"] is True
    for name in ("file_index", "start_sample", "n_valid"):
        np.testing.assert_array_equal(ga[name][:], gb[name][:])


def test_process_pool_equals_in_process(
    reference: Path, clean_corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "pool.zarr"
    result = extract([clean_corpus], out, ExtractConfig(**SMALL, batch_size=3, workers=2))
    assert result.ok and result.computed_chunks == result.n_chunks
    _assert_same_store(out, reference)


class _KillOneWorker:
    """Progress sink that SIGKILLs a Dask worker process after the first commit."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.killed: int | None = None
        self.updates = 0

    def start(self, total: int, done: int) -> None:
        self.total = total

    def update(self, n_items: int) -> None:
        self.updates += 1
        if self.killed is None:
            self.killed = self.pids[0]
            os.kill(self.killed, signal.SIGKILL)

    def close(self) -> None:
        pass


@pytest.mark.slow
def test_dask_cluster_with_a_worker_killed(
    reference: Path, clean_corpus: Path, tmp_path: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            worker_dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        pids = list(client.run(os.getpid).values())
        assert len(pids) == 2
        killer = _KillOneWorker(pids)
        out = tmp_path / "dask.zarr"
        cfg = ExtractConfig(**SMALL, batch_size=2, scheduler=cluster.scheduler_address)
        result = extract([clean_corpus], out, cfg, progress=killer)
        assert killer.killed is not None
        # no chunk lost, none committed twice (commits == chunks), same values
        assert killer.updates == result.n_chunks == result.computed_chunks
    ref = zarr.open_group(str(reference), mode="r")
    got = zarr.open_group(str(out), mode="r")
    assert got["coefficients"].chunks[0] == 2
    np.testing.assert_array_equal(got["coefficients"][:], ref["coefficients"][:])
    assert got.attrs["complete"] is True and bool(np.all(got["chunk_done"][:]))


def test_unreachable_scheduler_fails_fast(clean_corpus: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    import dask.config

    cfg = ExtractConfig(**SMALL, scheduler="tcp://127.0.0.1:9")
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "2s"}),
        pytest.raises(ConnectionError, match="cannot connect to the Dask scheduler"),
    ):
        extract([clean_corpus], tmp_path / "o.zarr", cfg)
    assert not (tmp_path / "o.zarr").exists()
