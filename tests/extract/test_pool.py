"""Tests of scatterwave.extract.pool: results, errors and deaths of workers, and stopping
the pool while a worker is in the middle of sending a result."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scatterwave.extract.pool import (
    THREAD_VARIABLES,
    RemoteTraceback,
    WorkerDied,
    WorkerPool,
    worker_threads,
)

#: A result larger than any pipe buffer (Linux socket buffers are at most a few MiB), so
#: that its worker stays blocked in the middle of sending it while nobody reads.
LARGE = 64 * 2**20
#: No test here should take more than a few seconds; a hang fails instead of blocking.
HANG_LIMIT = 60


@contextmanager
def _no_hang(seconds: int = HANG_LIMIT) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGALRM"):
        yield
        return

    def fail(signum: int, frame: object) -> None:
        raise TimeoutError(f"the pool hung for {seconds} s")

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _square(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError(f"task {x} is bad")
    return x


def _kill_self(x: int) -> int:
    os.kill(os.getpid(), signal.SIGKILL)
    return x


def _die_once_on_three(x: int, marker: str) -> tuple[int, int]:
    """Square ``x``; task 3 kills its worker the first time it runs (``marker`` remembers)."""
    if x == 3 and not os.path.exists(marker):
        Path(marker).touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x, os.getpid()


def _large_after_marker(marker: str) -> bytes:
    Path(marker).touch()
    return b"\x01" * LARGE


def test_every_task_runs_once_and_results_come_back_in_this_thread() -> None:
    pool = WorkerPool(2)
    got: list[int] = []
    pids: set[int] = set()
    threads: set[int] = set()

    def on_result(result: tuple[int, int]) -> None:
        got.append(result[0])
        pids.add(result[1])
        threads.add(threading.get_ident())

    try:
        with _no_hang():
            pool.run(_square, ((i,) for i in range(12)), on_result)
            # a second run reuses the same workers
            pool.run(_square, [(20,)], on_result)
    finally:
        pool.close()
    assert sorted(got) == sorted([i * i for i in range(12)] + [400])
    assert threads == {threading.get_ident()}
    assert len(pids) <= 2 and os.getpid() not in pids


def test_an_exception_in_a_task_is_raised_with_the_workers_traceback() -> None:
    pool = WorkerPool(2)
    try:
        with _no_hang(), pytest.raises(ValueError, match="task 3 is bad") as info:
            pool.run(_fail_on_three, ((i,) for i in range(6)), lambda r: None)
    finally:
        pool.abort()
    cause = info.value.__cause__
    assert isinstance(cause, RemoteTraceback)
    assert "_fail_on_three" in str(cause) and "ValueError" in str(cause)


def test_a_task_that_kills_its_worker_every_time_is_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = WorkerPool(1)  # one retry by default
    try:
        with (
            caplog.at_level(logging.WARNING, logger="scatterwave.extract.pool"),
            _no_hang(),
            pytest.raises(
                WorkerDied, match=r"exit code -9.*out of memory.*task 1 \(attempt 2 of 2\)"
            ),
        ):
            pool.run(_kill_self, [(1,)], lambda r: None, describe=lambda a: f"task {a[0]}")
    finally:
        pool.abort()
    retried = [r.getMessage() for r in caplog.records if "again in a new worker" in r.getMessage()]
    assert len(retried) == 1 and "task 1 (attempt 1 of 2)" in retried[0], retried


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_task_whose_worker_dies_once_is_computed_again_in_a_fresh_worker(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pool = WorkerPool(2)
    marker = str(tmp_path / "died-once")
    got: list[int] = []
    pids: set[int] = set()

    def on_result(result: tuple[int, int]) -> None:
        got.append(result[0])
        pids.add(result[1])

    try:
        with caplog.at_level(logging.WARNING, logger="scatterwave.extract.pool"), _no_hang():
            pool.run(_die_once_on_three, ((i, marker) for i in range(8)), on_result)
        assert len(pool._pool) == 2 and all(w.process.is_alive() for w in pool._pool)
    finally:
        pool.close()
    assert sorted(got) == [i * i for i in range(8)]  # every task once, task 3 included
    assert os.path.exists(marker)
    assert len(pids) >= 2  # the replacement is a new process
    retried = [r.getMessage() for r in caplog.records if "again in a new worker" in r.getMessage()]
    assert len(retried) == 1 and "exit code -9" in retried[0], retried


def test_without_retries_the_first_death_is_reported() -> None:
    pool = WorkerPool(1, retries=0)
    try:
        with _no_hang(), pytest.raises(WorkerDied, match=r"task 1 \(attempt 1 of 1\)"):
            pool.run(_kill_self, [(1,)], lambda r: None, describe=lambda a: f"task {a[0]}")
    finally:
        pool.abort()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_worker_killed_in_the_middle_of_sending_ends_the_run(tmp_path: Path) -> None:
    """The case that hung the standard library's pool: the result pipe holds part of a
    message when its writer dies. Here the worker is killed while it is blocked sending a
    result larger than the pipe (this thread is busy in ``on_result`` of the first)."""
    pool = WorkerPool(1, retries=0)  # the retry of a lost task is tested above
    marker = tmp_path / "second-task-returned"
    seen: list[int] = []

    def on_result(result: bytes) -> None:
        seen.append(len(result))
        if len(seen) > 1:
            return
        worker = pool._pool[0]
        deadline = time.monotonic() + 30
        # the second task is already sent; wait until its result has started to arrive
        while not (marker.exists() and worker.conn.poll()) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert worker.conn.poll(), "the second result never started to arrive"
        os.kill(worker.process.pid, signal.SIGKILL)

    first, second = tmp_path / "first", str(marker)
    start = time.monotonic()
    try:
        with _no_hang(), pytest.raises(WorkerDied, match="exit code -9"):
            pool.run(_large_after_marker, [(str(first),), (second,)], on_result)
    finally:
        pool.abort()
    assert seen == [LARGE]
    assert time.monotonic() - start < HANG_LIMIT
    assert pool._pool == []


def test_abort_is_bounded_while_workers_compute() -> None:
    pool = WorkerPool(2)
    started = threading.Event()

    def interrupt_later() -> None:
        started.wait(30)
        time.sleep(2.0)  # the workers have started and sleep
        os.kill(os.getpid(), signal.SIGINT)

    helper = threading.Thread(target=interrupt_later, daemon=True)
    helper.start()
    t0 = time.monotonic()
    try:
        with _no_hang(), pytest.raises(KeyboardInterrupt):
            started.set()
            pool.run(time.sleep, ((30.0,) for _ in range(4)), lambda r: None)
    finally:
        pool.abort()
    helper.join(5)
    assert time.monotonic() - t0 < 20  # the sleeping workers were terminated, not awaited


def _thread_variables(_: int) -> dict[str, str | None]:
    return {name: os.environ.get(name) for name in THREAD_VARIABLES}


def test_workers_share_the_cores_unless_the_environment_sizes_the_thread_pools(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each of ``w`` workers starts its BLAS and OpenMP pools with ``cores // w`` threads
    (without this, ``w`` pools as wide as the machine oversubscribe it: docs/extract.md); a
    variable the environment sets is passed on unchanged, and this process's environment is
    left as it was."""
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    seen: list[dict[str, str | None]] = []
    pool = WorkerPool(2)
    with _no_hang():
        try:
            pool.run(_thread_variables, [(0,), (1,)], seen.append)
        finally:
            pool.close()
    expected = str(worker_threads(2))
    assert (
        seen
        == [{"OMP_NUM_THREADS": expected, "OPENBLAS_NUM_THREADS": expected, "MKL_NUM_THREADS": "3"}]
        * 2
    )
    assert "OMP_NUM_THREADS" not in os.environ and "OPENBLAS_NUM_THREADS" not in os.environ
    assert worker_threads(2, cores=16) == 8 and worker_threads(4, cores=2) == 1


def test_workers_must_be_positive_and_retries_not_negative() -> None:
    with pytest.raises(ValueError, match="at least 1, got 0"):
        WorkerPool(0)
    with pytest.raises(ValueError, match="retries must be 0 or more, got -1"):
        WorkerPool(1, retries=-1)
