"""A local pool of worker processes that can always be stopped.

Each worker is a spawned process with a pipe of its own, driven from the calling thread:
no hidden thread of the pool reads results, so nothing can be left blocked when the pool
is stopped. (The standard library's pool reads every result in a manager thread that the
interpreter joins at exit; a worker terminated while sending a result left that thread
waiting for the rest of the message, and the interrupted process never exited.)

A worker terminated at any moment only breaks its own pipe, which the pool then reads as
the end of that worker. Its task is then given once more to a fresh worker (``retries``),
as a Dask scheduler re-runs the tasks of a lost worker; a task that ends its worker again
ends the run with :class:`WorkerDied`.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

__all__ = ["RemoteTraceback", "WorkerDied", "WorkerPool", "die_with_parent"]

logger = logging.getLogger(__name__)

#: Seconds between two checks of the watchdog thread of a worker process.
WATCHDOG_INTERVAL = 0.5
#: Seconds :meth:`WorkerPool.close` waits for an idle worker to end after being told to.
CLOSE_TIMEOUT = 30.0
#: Seconds :meth:`WorkerPool.abort` waits for a terminated worker before killing it.
ABORT_TIMEOUT = 5.0
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
#: Thread pools a worker starts with ``cores // workers`` threads (at least 1) when this
#: process's environment does not size them: with every worker's BLAS and OpenMP pools as
#: wide as the machine, the threads outnumber the cores and OpenBLAS's spin (docs/extract.md).
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def worker_threads(workers: int, cores: int | None = None) -> int:
    """Return the BLAS / OpenMP threads of each of ``workers`` processes on ``cores`` cores."""
    if cores is None:
        affinity = getattr(os, "sched_getaffinity", None)
        cores = len(affinity(0)) if affinity is not None else os.cpu_count() or 1
    return max(1, cores // workers)


class WorkerDied(RuntimeError):
    """A worker process ended while it held a task (killed, crashed, out of memory)."""


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a worker (set as the exception's cause)."""

    def __str__(self) -> str:
        return "\n" + str(self.args[0])


def die_with_parent(parent_pid: int) -> None:
    """Make this (worker) process end when the process ``parent_pid`` ends.

    Two mechanisms, so that no worker outlives a parent killed by any signal, ``SIGKILL``
    included: on Linux the kernel's parent-death signal (``prctl(PR_SET_PDEATHSIG,
    SIGKILL)``, through :mod:`ctypes`), and on every platform a daemon thread that checks
    every :data:`WATCHDOG_INTERVAL` seconds that the parent is still this process's parent
    and ends the process (``os._exit``) when it is not. The worker's pending work is lost,
    which is harmless: only the parent writes results, and it is gone.

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


def _worker_main(conn: Connection, parent_pid: int) -> None:
    """Body of a worker: run ``(function, args)`` messages until ``None`` or end of pipe."""
    die_with_parent(parent_pid)
    # Ctrl-C reaches the whole process group; the parent decides, and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        function, args = message
        try:
            reply: tuple[Any, ...] = (True, function(*args))
        except Exception as exc:
            reply = (False, exc, traceback.format_exc())
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return
        except Exception as exc:  # the result or the exception does not pickle
            text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            conn.send((False, RuntimeError(f"cannot send the result back: {exc}"), text))


@dataclass
class _Worker:
    process: Any  # multiprocessing.context.SpawnProcess
    conn: Connection
    busy: bool = False
    label: str = ""
    task: tuple[Any, ...] = ()  # (function, args) of the task it holds
    attempt: int = 0  # of that task, from 1


class WorkerPool:
    """``workers`` spawned processes, each computing one task at a time.

    Workers are started on the first :meth:`run` and end with this process, whatever
    kills it (see :func:`die_with_parent`).

    Parameters
    ----------
    workers : int
        Number of worker processes (at least 1).
    retries : int, optional
        How many times a task whose worker died (killed, crashed, out of memory) is given
        to a fresh worker before :meth:`run` raises :class:`WorkerDied`. Default 1. Each
        retry is logged as a warning. Only deaths are retried: an exception that a task
        raises is raised at once.
    """

    def __init__(self, workers: int, *, retries: int = 1) -> None:
        if int(workers) < 1:
            raise ValueError(f"workers must be at least 1, got {workers!r}")
        if int(retries) < 0:
            raise ValueError(f"retries must be 0 or more, got {retries!r}")
        self.workers = int(workers)
        self.retries = int(retries)
        self._context = multiprocessing.get_context("spawn")
        self._pool: list[_Worker] = []

    def _start(self) -> None:
        while len(self._pool) < self.workers:
            self._spawn(len(self._pool))

    def _spawn(self, index: int) -> _Worker:
        """Start worker ``index`` (appended, or replacing the dead worker there)."""
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main,
            args=(child_end, os.getpid()),
            name=f"scatterwave-worker-{index}",
            daemon=True,
        )
        worker = _Worker(process, parent_end)
        # listed before it starts, so that abort() sees it
        if index == len(self._pool):
            self._pool.append(worker)
        else:
            self._pool[index] = worker
        # A spawned process inherits this environment as it is when it starts.
        unset = [name for name in THREAD_VARIABLES if name not in os.environ]
        os.environ.update({name: str(worker_threads(self.workers)) for name in unset})
        try:
            process.start()
        finally:
            for name in unset:
                del os.environ[name]
        child_end.close()  # the worker's end lives in the worker only: EOF at its death
        return worker

    def run(
        self,
        function: Callable[..., Any],
        arguments: Iterable[tuple[Any, ...]],
        on_result: Callable[[Any], None],
        *,
        describe: Callable[[tuple[Any, ...]], str] = repr,
    ) -> None:
        """Call ``function(*args)`` in the workers for every ``args`` of ``arguments``.

        Each result goes to ``on_result`` in this thread as soon as it has arrived, in
        the order the tasks finish. A worker's next task is sent before ``on_result`` runs,
        so the workers compute while this thread handles results.

        Parameters
        ----------
        function : callable
            A module-level function (it is sent to the workers by reference).
        arguments : iterable of tuple
            Positional arguments of each call; read lazily, one per free worker.
        on_result : callable
            Called with each result.
        describe : callable, optional
            Names a task in error messages.

        Raises
        ------
        WorkerDied
            A worker ended while computing a task.
        Exception
            The exception a task raised in a worker, with the worker's traceback as its
            cause (:class:`RemoteTraceback`).
        """
        self._start()
        pending = iter(arguments)
        exhausted = False

        def feed() -> None:
            nonlocal exhausted
            for worker in self._pool:
                if exhausted:
                    return
                if not worker.busy:
                    args = next(pending, None)
                    if args is None:
                        exhausted = True
                        return
                    self._submit(worker, (function, args), describe(args), attempt=1)

        feed()
        while True:
            busy = [worker for worker in self._pool if worker.busy]
            if not busy:
                return
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
            results = []
            for worker in busy:
                if worker.conn in ready or worker.process.sentinel in ready:
                    results.extend(self._receive(worker))
            feed()
            for result in results:
                on_result(result)

    def _submit(self, worker: _Worker, task: tuple[Any, ...], label: str, attempt: int) -> None:
        worker.task, worker.label, worker.attempt = task, label, attempt
        worker.busy = True
        try:
            worker.conn.send(task)
        except OSError:  # the worker ended while idle
            self._replace(worker)

    def _receive(self, worker: _Worker) -> list[Any]:
        """Return the result of ``worker``'s task as a list of one, or ``[]`` if it was resent."""
        try:
            if not worker.conn.poll():  # only the sentinel: the process has ended
                raise EOFError
            reply = worker.conn.recv()
        except (EOFError, OSError):
            self._replace(worker)
            return []
        worker.busy = False
        if reply[0]:
            return [reply[1]]
        _, exc, text = reply
        raise exc from RemoteTraceback(text)

    def _replace(self, worker: _Worker) -> None:
        """Give the task of the dead ``worker`` to a fresh one, or raise WorkerDied."""
        process = worker.process
        process.join(ABORT_TIMEOUT)
        code = process.exitcode
        if code == -signal.SIGKILL:
            hint = " (killed by the system: out of memory? lower the batch size or the workers)"
        elif code is not None and code > 0:
            hint = " (its own error, if any, is on the standard error stream above)"
        else:
            hint = ""
        message = (
            f"worker process {process.pid} ended with exit code {code}{hint} while "
            f"computing {worker.label} (attempt {worker.attempt} of {self.retries + 1})"
        )
        worker.conn.close()
        if worker.attempt > self.retries:
            worker.busy = False
            raise WorkerDied(message)
        logger.warning("%s; computing it again in a new worker", message)
        fresh = self._spawn(self._pool.index(worker))
        self._submit(fresh, worker.task, worker.label, attempt=worker.attempt + 1)

    def close(self) -> None:
        """End the workers once they are idle (waits for running tasks)."""
        for worker in self._pool:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        deadline = time.monotonic() + CLOSE_TIMEOUT
        for worker in self._pool:
            worker.process.join(max(0.0, deadline - time.monotonic()))
        self.abort()  # whatever did not end by now

    def abort(self) -> None:
        """Terminate the workers at once; every wait is bounded."""
        started = [w for w in self._pool if w.process.pid is not None]
        for worker in started:
            if worker.process.is_alive():
                worker.process.terminate()
        for worker in started:
            worker.process.join(ABORT_TIMEOUT)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(ABORT_TIMEOUT)
        for worker in self._pool:
            worker.conn.close()
        self._pool = []
