"""Where chunks are computed: in-process, a local process pool, or a Dask cluster.

Every executor takes an iterator of :class:`~scatterwave.extract.compute.ChunkTask` and
calls ``on_result`` in the calling thread for each finished chunk, so the store is only
ever written by one process and no two writers touch the same chunk. At most a bounded
number of tasks is in flight, which bounds memory whatever the size of the job.
"""

from __future__ import annotations

import logging
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
from scatterwave.extract.pool import WorkerPool

__all__ = [
    "DaskExecutor",
    "Executor",
    "InProcessExecutor",
    "ProcessPoolExecutor",
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


class ProcessPoolExecutor(Executor):
    """A local pool of ``workers`` spawned processes (safe with threads and torch).

    Each worker ends with this process, whatever kills it, and :meth:`abort` terminates
    the workers instead of waiting for their chunks. A chunk whose worker dies is computed
    once more in a fresh worker; see :mod:`scatterwave.extract.pool`.
    """

    def __init__(self, workers: int) -> None:
        self.workers = int(workers)
        self.description = f"local pool of {self.workers} processes"
        self._pool = WorkerPool(self.workers)

    def run(self, spec: TransformSpec, tasks: Iterator[ChunkTask], on_result: OnResult) -> None:
        """Compute the tasks in the pool, one per worker at a time.

        Each result goes to ``on_result`` in this thread as soon as it is finished.
        """
        self._pool.run(
            run_task,
            ((spec, task) for task in tasks),
            on_result,
            describe=lambda args: f"chunk {args[1].index}",
        )

    def close(self) -> None:
        """End the workers (they are idle once :meth:`run` has returned)."""
        self._pool.close()

    def abort(self) -> None:
        """Terminate the workers without waiting for their chunks."""
        # Their chunks are recomputed on resume.
        self._pool.abort()


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
