"""Replay a transform's forward pass as one CUDA graph (PyTorch on CUDA, no gradient).

A scattering forward issues several hundred small kernels (one multiply, fold, FFT and
modulus per band group). On a GPU each launch costs a few microseconds of host time, so for
the batch sizes people use the forward is bound by launches, not by arithmetic or memory
traffic. A CUDA graph records the launches once and replays them with one call.

Policy (``cuda_graphs=True``, the default of both transforms):

* only PyTorch tensors on a CUDA device, when no gradient is recorded (``torch.no_grad()``,
  ``torch.inference_mode()``, or an input and filters that do not require grad);
* the first call of an input shape runs eagerly; the second captures a graph (after two
  warm-up runs on a side stream, as PyTorch requires) and every later call replays it;
* the graph keeps its working memory (about one eager call's peak) in a private pool until
  it is evicted: at most :data:`MAX_GRAPHS` graphs per transform, least recently used first;
* if a capture fails, the shape falls back to eager calls for good (logged at INFO).

Replays return fresh tensors (a copy of the graph's output), so results never alias.

CuPy arrays are replayed through PyTorch when PyTorch with CUDA is installed
(:func:`through_torch`): the array is shared with PyTorch through DLPack (no copy), on CuPy's
current stream, and the output is shared back. CuPy issues the same kernels as PyTorch, but
its per-call host overhead made the eager forward 14-19 times slower than PyTorch's graph
replay on an H200 (``benchmarks/README_gpu.md``); capturing CuPy's own kernels would need a
private memory pool for the graph, which CuPy does not offer. ``cuda_graphs=False`` computes
with CuPy's own kernels.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scatterwave.core.capabilities import Capabilities

logger = logging.getLogger(__name__)

#: Graphs kept per transform (each holds about one call's peak working memory).
MAX_GRAPHS = 4
#: Calls of a shape before it is captured (the first runs eagerly).
CAPTURE_AFTER = 1

Array = Any


def graphable(x: Array, buffers: dict[str, Array], caps: Capabilities) -> bool:
    """Tell whether ``x`` (capabilities ``caps``) is a CUDA tensor recording no gradient."""
    if caps.library != "torch" or caps.device_kind != "cuda":
        return False
    import torch

    if torch.cuda.is_current_stream_capturing():
        return False
    if torch.is_grad_enabled() and (
        x.requires_grad or any(getattr(b, "requires_grad", False) for b in buffers.values())
    ):
        return False
    return not is_functorch_wrapped(x)


def torch_can_take(caps: Capabilities) -> bool:
    """Tell whether an input of capabilities ``caps`` is a CuPy array PyTorch can take over.

    See the module doc: PyTorch with CUDA must be installed.
    """
    if caps.library != "cupy":
        return False
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def through_torch(transform: Callable[[Array], Any], x: Array) -> Any:
    """``transform(x)`` for a CuPy array, computed by PyTorch on CuPy's current stream."""
    import cupy
    import torch

    with cupy.cuda.Device(x.device.id):
        stream = cupy.cuda.get_current_stream()
        xt = torch.from_dlpack(x)
        with (
            torch.cuda.device(xt.device),
            torch.cuda.stream(torch.cuda.ExternalStream(stream.ptr, device=xt.device)),
        ):
            out = transform(xt)
        return _tree(out, cupy.from_dlpack)


def _tree(out: Any, fn: Callable[[Array], Array]) -> Any:
    if isinstance(out, dict):
        return {k: _tree(v, fn) for k, v in out.items()}
    if isinstance(out, (tuple, list)):
        return type(out)(_tree(v, fn) for v in out)
    return fn(out)


def is_functorch_wrapped(x: Array) -> bool:
    """Tell whether ``x`` is a tensor inside a ``torch.func`` transform (``vmap``, ``grad``)."""
    if type(x).__module__.split(".")[0] != "torch":
        return False
    import torch

    try:
        return bool(torch._C._functorch.is_functorch_wrapped_tensor(x))
    except AttributeError:  # pragma: no cover - older PyTorch
        return False


class _Graph:
    def __init__(self, fn: Callable[[Array], Any], x: Array) -> None:
        import torch

        self.static_x = x.detach().clone()
        stream = torch.cuda.Stream(device=x.device)
        stream.wait_stream(torch.cuda.current_stream(x.device))
        with torch.no_grad(), torch.cuda.stream(stream):
            for _ in range(2):  # warm-up: cuFFT plans, allocator blocks, lazy inits
                fn(self.static_x)
        torch.cuda.current_stream(x.device).wait_stream(stream)
        self.graph = torch.cuda.CUDAGraph()
        with torch.no_grad(), torch.cuda.graph(self.graph):
            self.static_out = fn(self.static_x)
        self.lock = threading.Lock()

    def __call__(self, x: Array) -> Any:
        with self.lock:
            self.static_x.copy_(x)
            self.graph.replay()
            return _clone(self.static_out)


def _clone(out: Any) -> Any:
    return _tree(out, lambda t: t.clone())


class GraphCache:
    """Per-transform cache of captured forwards, keyed by input shape, dtype and device."""

    def __init__(self) -> None:
        self._graphs: OrderedDict[tuple, _Graph | None] = OrderedDict()
        self._seen: dict[tuple, int] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:  # pickling a transform drops its graphs (device state)
        return {}

    def __setstate__(self, state: dict) -> None:
        self.__init__()  # type: ignore[misc]

    def run(self, key: tuple, fn: Callable[[Array], Any], x: Array) -> Any:
        """Return ``fn(x)``, replayed from a graph once ``key`` has been seen before."""
        with self._lock:
            graph: _Graph | None
            if key not in self._graphs:
                count = self._seen.get(key, 0)
                self._seen[key] = count + 1
                if count < CAPTURE_AFTER:
                    graph = None
                else:
                    graph = self._capture(key, fn, x)
            else:
                graph = self._graphs[key]
                self._graphs.move_to_end(key)
        if graph is None:
            return fn(x)
        return graph(x)

    def _capture(self, key: tuple, fn: Callable[[Array], Any], x: Array) -> _Graph | None:
        try:
            graph: _Graph | None = _Graph(fn, x)
        except Exception as err:  # any capture failure: this shape stays eager
            logger.info("CUDA graph capture failed for %s (%s); running eagerly", key, err)
            graph = None
        self._graphs[key] = graph
        while sum(g is not None for g in self._graphs.values()) > MAX_GRAPHS:
            oldest = next(k for k, g in self._graphs.items() if g is not None)
            del self._graphs[oldest]
            self._seen.pop(oldest, None)
        return graph

    def clear(self) -> None:
        """Drop every graph (and its memory pool)."""
        with self._lock:
            self._graphs.clear()
            self._seen.clear()
