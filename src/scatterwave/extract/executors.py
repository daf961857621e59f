"""Where chunks are computed: in-process, a local process pool, or a Dask cluster.

Every executor takes an iterator of :class:`~scatterwave.extract.compute.ChunkTask` and
calls ``on_result`` in the calling thread for each finished chunk, so the store is only
ever written by one process and no two writers touch the same chunk. At most a bounded
number of tasks is in flight, which bounds memory whatever the size of the job.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from scatterwave.extract.compute import (
    ChunkResult,
    ChunkTask,
    TransformSpec,
    compute_chunk,
    run_task,
)

__all__ = [
    "DaskExecutor",
    "Executor",
    "InProcessExecutor",
    "ProcessPoolExecutor",
    "die_with_parent",
]

logger = logging.getLogger(__name__)

OnResult = Callable[[ChunkResult], None]


class Executor:
    """Base class: ``run(spec, tasks, on_result)`` then ``close()``."""

    description = "executor"

    def run(self, spec: TransformSpec, tasks: Iterator[ChunkTask], on_result: OnResult) -> None:
        """Compute every task and hand each result to ``on_result``."""
        raise NotImplementedError

    def close(self) -> None:
        """Release processes or connections."""

    def abort(self) -> None:
        """Stop at once after an error or an interruption: running work is dropped."""
        self.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InProcessExecutor(Executor):
    """Compute chunks one after another in this process.

    Parameters
    ----------
    transform : object or None
        An already built transform for the job (``None``: built from the spec).
    """

    description = "in-process"

    def __init__(self, transform: Any = None) -> None:
        self._transform = transform

    def run(self, spec: TransformSpec, tasks: Iterator[ChunkTask], on_result: OnResult) -> None:
        """Compute every task in turn and hand each result to ``on_result``."""
        if self._transform is None:
            for task in tasks:
                on_result(run_task(spec, task))
            return
        for task in tasks:
            on_result(compute_chunk(task, self._transform, spec.device))


#: Seconds between two checks of the watchdog thread of a worker process.
WATCHDOG_INTERVAL = 0.5
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent_pid: int) -> None:
    """Make this (worker) process end when the process ``parent_pid`` ends.

    Two mechanisms, so that no worker outlives a parent killed by any signal, ``SIGKILL``
    included: on Linux the kernel's parent-death signal (``prctl(PR_SET_PDEATHSIG,
    SIGKILL)``, through :mod:`ctypes`), and on every platform a daemon thread that checks
    every :data:`WATCHDOG_INTERVAL` seconds that the parent is still this process's parent
    and ends the process (``os._exit``) when it is not. The worker's pending work is lost,
    which is harmless: only the parent writes the store, and it is gone.

    Parameters
    ----------
    parent_pid : int
        The process id of the parent (``os.getpid()`` in the parent).
    """
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
                logger.debug("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
        except (OSError, AttributeError) as exc:  # no libc symbol: the watchdog remains
            logger.debug("no parent-death signal: %s", exc)
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(WATCHDOG_INTERVAL)
        os._exit(1)

    threading.Thread(target=watch, name="scatterwave-parent-watchdog", daemon=True).start()


class ProcessPoolExecutor(Executor):
    """A local pool of ``workers`` processes (spawned: safe with threads and torch).

    Each worker ends with this process, whatever kills it (see :func:`die_with_parent`),
    and :meth:`abort` terminates the workers instead of waiting for their chunks.
    """

    def __init__(self, workers: int) -> None:
        import concurrent.futures
        import multiprocessing

        self.workers = int(workers)
        self.description = f"local pool of {self.workers} processes"
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )

    def run(self, spec: TransformSpec, tasks: Iterator[ChunkTask], on_result: OnResult) -> None:
        """Compute the tasks in the pool, at most two per worker in flight.

        Each result goes to ``on_result`` in this thread as soon as it is finished.
        """
        import concurrent.futures

        window = 2 * self.workers
        in_flight: set[concurrent.futures.Future[ChunkResult]] = set()
        exhausted = False
        while True:
            while not exhausted and len(in_flight) < window:
                task = next(tasks, None)
                if task is None:
                    exhausted = True
                else:
                    in_flight.add(self._pool.submit(run_task, spec, task))
            if not in_flight:
                return
            finished, in_flight = concurrent.futures.wait(
                in_flight, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in finished:
                on_result(future.result())

    def close(self) -> None:
        """Cancel the tasks not started, wait for the running ones, end the workers."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def abort(self) -> None:
        """Terminate the workers without waiting for their chunks."""
        # The pool's own shutdown waits for the running chunks; after an interruption
        # the workers are terminated instead (their chunks are recomputed on resume).
        processes = list((getattr(self._pool, "_processes", None) or {}).values())
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join(timeout=10)


class DaskExecutor(Executor):
    """Run chunk tasks on a Dask distributed cluster; results come back to this process.

    Tasks are pure functions of their inputs, so the scheduler re-runs those lost with a
    worker that dies; the client commits each chunk once, whatever the retries.

    Parameters
    ----------
    address : str
        Scheduler address, e.g. ``tcp://127.0.0.1:8786``.
    timeout : float or None
        Seconds to wait for the connection (``None``: Dask's configuration value
        ``distributed.comm.timeouts.connect``, 30 s unless changed).
    """

    def __init__(self, address: str, *, timeout: float | None = None) -> None:
        import dask.config
        from dask.utils import parse_timedelta
        from distributed import Client

        self.address = address
        self.description = f"Dask cluster at {address}"
        if timeout is None:
            timeout = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"))
        try:
            self._client = Client(address, timeout=f"{timeout}s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ConnectionError(
                f"cannot connect to the Dask scheduler at {address!r}: {exc}; check that the "
                "scheduler runs and the address is right"
            ) from exc
        self._token = uuid.uuid4().hex[:12]

    def _threads(self) -> int:
        info = self._client.scheduler_info()
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()))

    def run(self, spec: TransformSpec, tasks: Iterator[ChunkTask], on_result: OnResult) -> None:
        """Compute the tasks on the cluster, at most two per worker thread in flight.

        Each result goes to ``on_result`` in this thread as soon as it is finished.
        """
        from distributed import as_completed

        window = 2 * self._threads()
        submitted = 0

        def submit(task: ChunkTask) -> Any:
            nonlocal submitted
            submitted += 1
            return self._client.submit(
                run_task,
                spec,
                task,
                key=f"scatterwave-extract-{self._token}-{task.index}",
                pure=False,
                retries=2,
            )

        initial = []
        for task in tasks:
            initial.append(submit(task))
            if len(initial) >= window:
                break
        queue = as_completed(initial, loop=self._client.loop)
        for future in queue:
            result = future.result()
            future.release()
            on_result(result)
            following = next(tasks, None)
            if following is not None:
                queue.add(submit(following))
        logger.debug("dask: %d task(s) submitted", submitted)

    def close(self) -> None:
        """Close the connection to the scheduler."""
        self._client.close()
