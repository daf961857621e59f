"""Shared machinery of the benchmark workers: JSON-lines loop, timing, peak memory.

Each library under test runs in its own long-lived worker process (same code path for both),
driven by ``benchmarks/scattering1d.py`` over stdin/stdout, one JSON object per line. A worker
subclasses :class:`Adapter`; this module turns requests into calls of its methods and measures
them identically for every library:

* time: ``time.perf_counter`` (wall) and ``time.process_time`` (CPU time of the process, all
  threads) around each call (``torch.cuda.synchronize`` on CUDA), after one untimed warm-up;
* peak memory: on CPU the growth of the process's resident set during one call, from the
  kernel's high-water mark (``VmHWM``, reset through ``/proc/self/clear_refs``), less the
  file-backed pages (library code) faulted in meanwhile. The driver measures it in a fresh
  worker started with ``MALLOC_MMAP_THRESHOLD_=4096``, so every allocation of a page or more
  is mapped on demand and unmapped when freed: free memory kept by the allocator from
  earlier calls can neither hide nor inflate the peak. On CUDA:
  ``torch.cuda.max_memory_allocated`` minus the memory allocated before the call.

This file must run under both the project's environment and the peer library's virtual
environment, so it depends on NumPy and (optionally) torch only.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

CLEAR_REFS = "/proc/self/clear_refs"


class Adapter:
    """One library's side of the benchmark; subclasses implement the ``_``-less hooks."""

    library = "?"

    def __init__(self) -> None:
        self.backend = "numpy"
        self.device = "cpu"
        self.dtype = "float64"
        self.x: Any = None
        self.transform: Any = None

    # -- hooks ---------------------------------------------------------------------------
    def versions(self) -> dict[str, str]:
        raise NotImplementedError

    def construct(self, N: int, J: int, Q: int) -> Any:
        """Build (and return) a transform for the current backend and device."""
        raise NotImplementedError

    def forward(self, x: Any) -> Any:
        """The transform applied to ``x`` (shape (batch, N)), output (batch, n_paths, N_out)."""
        raise NotImplementedError

    # -- requests -------------------------------------------------------------------------
    def hello(
        self, threads: int, device: str, backends: tuple[str, ...] = ("numpy", "torch")
    ) -> dict[str, Any]:
        """Set torch's (and TensorFlow's) thread count and the device; report versions and
        capabilities."""
        import torch

        torch.set_num_threads(threads)
        if "tensorflow" in backends:  # before TensorFlow runs anything
            import tensorflow as tf

            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        self.device = device
        info = {
            "library": self.library,
            "versions": self.versions(),
            "cuda": bool(torch.cuda.is_available()),
            "memory_method": memory_method(device),
        }
        if device != "cpu" and not info["cuda"]:
            return info  # the driver reports it and stops
        # Warm-up: the first transform of each backend pays for lazy imports and first-use
        # set-up, which would otherwise be charged to the first configuration's build.
        dtypes = {"numpy": "float64", "torch": "float32", "tensorflow": "float32"}
        for backend in dict.fromkeys(["numpy", "torch", *backends]):
            self.build(N=1024, J=3, Q=8, batch=1, backend=backend, dtype=dtypes[backend], seed=0)
        self.transform = self.x = None
        return info

    def build(
        self, N: int, J: int, Q: int, batch: int, backend: str, dtype: str, seed: int
    ) -> dict[str, Any]:
        """Construct the transform (timed) and prepare the input batch."""
        self.transform, self.backend, self.dtype = None, backend, dtype
        gc.collect()
        sync(self.device)
        t0, c0 = time.perf_counter(), time.process_time()
        self.transform = self.construct(N, J, Q)
        sync(self.device)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        x = np.random.default_rng(seed).standard_normal((batch, N)).astype(dtype)
        self.x = to_backend(x, self.backend, self.device)
        out = self.forward(self.x)
        shape = list(out.shape)
        return {"build_s": elapsed, "build_cpu_s": cpu, "n_paths": shape[-2], "out_shape": shape}

    def forward_backward(self, x: Any) -> None:
        x = x.detach().clone().requires_grad_()
        self.forward(x).sum().backward()

    def measure(self, what: str, min_time: float, max_calls: int, warmup: bool) -> dict[str, Any]:
        """Time ``what`` ("forward", "backward" or an extra op): an optional untimed warm-up
        call, then at least one call and more until ``min_time`` seconds have passed or
        ``max_calls`` were made."""
        fn = self._op(what)
        if warmup:
            fn()
        times, cpu_times = [], []
        start = time.perf_counter()
        while not times or (time.perf_counter() - start < min_time and len(times) < max_calls):
            sync(self.device)
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            sync(self.device)
            times.append(time.perf_counter() - t0)
            cpu_times.append(time.process_time() - c0)
        return {"times": times, "cpu_times": cpu_times}

    def memory(self, what: str) -> dict[str, Any]:
        return {"peak_bytes": peak_memory(self._op(what), self.device)}

    def _op(self, what: str) -> Callable[[], Any]:
        if what == "forward":
            if self.backend == "torch":
                import torch

                def run() -> Any:
                    with torch.no_grad():
                        return self.forward(self.x)

                return run
            return lambda: self.forward(self.x)
        if what == "backward":
            if self.backend != "torch":
                raise ValueError("backward is measured for the torch backend only")
            return lambda: self.forward_backward(self.x)
        extra = self.extra_ops()
        if what in extra:
            return extra[what]
        raise ValueError(
            f"unknown operation {what!r}; expected one of {['forward', 'backward', *extra]}"
        )

    def extra_ops(self) -> dict[str, Callable[[], Any]]:
        """Further timeable operations of this library (name to zero-argument callable)."""
        return {}


def to_backend(x: np.ndarray, backend: str, device: str) -> Any:
    """``x`` as the backend's array (torch on ``device``; TensorFlow on its default device)."""
    if backend == "torch":
        import torch

        return torch.from_numpy(x).to(device)
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.constant(x)
    return x


def sync(device: str) -> None:
    """Wait for queued GPU work (no-op on CPU)."""
    if device != "cpu":
        import torch

        torch.cuda.synchronize()


def memory_method(device: str) -> str:
    if device != "cpu":
        return "torch.cuda.max_memory_allocated"
    if _can_reset_hwm():
        mmap = os.environ.get("MALLOC_MMAP_THRESHOLD_", "glibc default")
        return f"VmHWM growth (peak RSS reset via /proc/self/clear_refs; mmap threshold {mmap})"
    return "unavailable"


def _can_reset_hwm() -> bool:
    try:
        with open(CLEAR_REFS, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not found in /proc/self/status")


def peak_memory(fn: Callable[[], Any], device: str) -> int | None:
    """Extra memory (bytes) held at the peak of one call of ``fn`` (its result included)."""
    gc.collect()
    if device != "cpu":
        import torch

        sync(device)
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
        out = fn()
        sync(device)
        peak = torch.cuda.max_memory_allocated() - base
        del out
        return int(peak)
    if not _can_reset_hwm():
        return None
    base, file_base = _status_kib("VmRSS"), _status_kib("RssFile")
    with open(CLEAR_REFS, "w") as f:
        f.write("5")
    out = fn()
    # Code pages of the libraries (file-backed, e.g. libtorch) that the kernel evicted under
    # memory pressure and the call faulted back in are not the call's memory.
    peak = _status_kib("VmHWM") - base - max(0, _status_kib("RssFile") - file_base)
    del out
    return int(peak) * 1024


def serve(adapter: Adapter) -> None:
    """Answer JSON-line requests on stdin until ``{"cmd": "quit"}`` or end of input.

    The protocol stream is a private copy of file descriptor 1; anything the libraries print
    (to ``sys.stdout`` or the C-level stdout) goes to stderr instead and cannot corrupt it.
    """
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    handlers: dict[str, Callable[..., dict[str, Any]]] = {
        "hello": adapter.hello,
        "build": adapter.build,
        "measure": adapter.measure,
        "memory": adapter.memory,
    }
    extra = getattr(adapter, "extra_handlers", None)
    if extra is not None:
        handlers.update(extra())
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        cmd = request.pop("cmd")
        if cmd == "quit":
            break
        try:
            if cmd not in handlers:
                raise ValueError(f"unknown command {cmd!r}; expected one of {sorted(handlers)}")
            reply = {"ok": True, **handlers[cmd](**request)}
        except Exception as exc:  # reported to the driver, which decides what to do
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            traceback.print_exc(file=sys.stderr)
        proto.write(json.dumps(reply) + "\n")
