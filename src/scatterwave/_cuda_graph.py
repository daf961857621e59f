"""Replay a transform's forward pass, or its forward and backward passes, as CUDA graphs.

A scattering forward issues several hundred small kernels (one multiply, fold, FFT and
modulus per band group), and its backward pass about twice as many. On a GPU each launch
costs a few microseconds of host time, so for the batch sizes people use both passes are
bound by launches, not by arithmetic or memory traffic. A CUDA graph records the launches
once and replays them with one call.

Policy (``cuda_graphs=True``, the default of both transforms), for PyTorch tensors on a CUDA
device whose filters do not require grad (see :func:`graph_mode`):

* **forward graphs** when no gradient is recorded (``torch.no_grad()``,
  ``torch.inference_mode()``, or an input that does not require grad);
* **training graphs** when the input requires grad: the forward pass and the backward pass
  to the input are captured together (as ``torch.cuda.make_graphed_callables`` does) and run
  as one autograd node. Its backward pass replays the captured one, unless a later call
  replayed the forward pass in between (the graph's saved activations are then another
  call's): it replays this call's forward pass again first, so gradients are always this
  call's. A double backward (``create_graph=True``) recomputes eagerly;
* the first call of an input shape runs eagerly; the second captures a graph (after two
  warm-up runs on a side stream, as PyTorch requires), checks one replay against an eager
  run of the same input (relative L2 within :func:`tolerance`; else the graph is dropped
  with a warning) and every later call replays it;
* a graph keeps its working memory (about one eager call's peak; for a training graph the
  activations saved for the backward pass too) in a private pool until it is evicted: at
  most :data:`MAX_GRAPHS` graphs per transform, least recently used first;
* if a capture fails, the shape falls back to eager calls for good (logged at INFO).

Replays return fresh tensors (copies of the graph's outputs and gradients), so results never
alias.

CuPy arrays are replayed through PyTorch when PyTorch with CUDA is installed
(:func:`through_torch`): the array is shared with PyTorch through DLPack (no copy), on CuPy's
current stream, and the output is shared back. CuPy issues the same kernels as PyTorch, but
its per-call host overhead made the eager forward 14-19 times slower than PyTorch's graph
replay on an H200 (``benchmarks/README_gpu.md``); capturing CuPy's own kernels would need a
private memory pool for the graph, which CuPy does not offer. ``cuda_graphs=False`` computes
with CuPy's own kernels.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from scatterwave.core.capabilities import is_functorch_wrapped

if TYPE_CHECKING:
    from scatterwave.core.capabilities import Capabilities

logger = logging.getLogger(__name__)

#: Graphs kept per transform (each holds about one call's peak working memory).
MAX_GRAPHS = 4
#: Calls of a shape before it is captured (the first runs eagerly).
CAPTURE_AFTER = 1

Array = Any
GraphMode = Literal["forward", "train"]


def graph_mode(x: Array, buffers: dict[str, Array], caps: Capabilities) -> GraphMode | None:
    """Tell how a call on ``x`` (capabilities ``caps``) can be graphed, if at all.

    ``"forward"`` for a CUDA tensor recording no gradient, ``"train"`` for one that requires
    grad (with gradient recording on), None elsewhere: other libraries and devices, during
    another capture, inside ``torch.func`` transforms, while ``torch.compile`` traces (the
    compiler owns the graph; the cache's locks and captures would split it), and where a
    filter requires grad.
    """
    if caps.library != "torch" or caps.device_kind != "cuda":
        return None
    import torch

    if caps.traced or torch.cuda.is_current_stream_capturing() or is_functorch_wrapped(x):
        return None
    if not torch.is_grad_enabled():
        return "forward"
    if any(getattr(b, "requires_grad", False) for b in buffers.values()):
        return None
    return "train" if x.requires_grad else "forward"


def tolerance(dtype: Any) -> float:
    """Relative L2 difference allowed between a replay and an eager run in ``dtype``.

    Replays launch the eager kernels, but atomics (the scatter-adds of gathered bands'
    gradients) may sum in another order: 1000 units of round-off.
    """
    import torch

    return 1000 * torch.finfo(dtype).eps


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


def _leaves(out: Any) -> list[Array]:
    """Return the tensors of ``out`` (a tensor, or dicts, tuples and lists of them) in order."""
    found: list[Array] = []
    _tree(out, found.append)
    return found


def _differentiable(out: Any) -> list[Array]:
    """Return the tensors of ``out`` that require grad, in order."""
    return [t for t in _leaves(out) if t.requires_grad]


def _rebuild(out: Any, leaves: list[Array]) -> Any:
    """``out``'s structure with its tensors replaced, in order, by ``leaves``."""
    it = iter(leaves)
    return _tree(out, lambda _: next(it))


# ---------------------------------------------------------------- device hooks
# The only two places that need a CUDA device; tests on the CPU replace them with stand-ins
# that re-run the recorded body on replay (tests/test_cuda_graph.py).


def _warm_up(device: Any, body: Callable[[], Any]) -> None:
    """Run ``body`` twice on a side stream (cuFFT plans, allocator blocks, lazy inits)."""
    import torch

    stream = torch.cuda.Stream(device=device)
    stream.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(stream):
        for _ in range(2):
            body()
    torch.cuda.current_stream(device).wait_stream(stream)


def _record(body: Callable[[], Any], pool: Any = None) -> tuple[Callable[[], None], Any, Any]:
    """Capture ``body()`` in a CUDA graph; return its replay, ``body``'s result and the pool."""
    import torch

    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph, pool=pool):
        result = body()
    return graph.replay, result, graph.pool()


# ---------------------------------------------------------------- graphs


def _close(got: list[Array], want: list[Array], what: str) -> None:
    import torch

    for g, w in zip(got, want, strict=True):
        g, w = g.detach(), w.detach()
        scale = float(torch.linalg.vector_norm(w))
        diff = float(torch.linalg.vector_norm(g - w))
        if not diff <= tolerance(w.dtype) * max(scale, torch.finfo(w.dtype).tiny):
            rel = diff / scale if scale else float("inf")
            raise _Mismatch(f"{what} differs from the eager pass by {rel:.2e} (relative L2)")


class _Mismatch(RuntimeError):
    """A replay disagreed with the eager pass: the graph is not used."""


class _Graph:
    """A captured forward pass without gradient recording."""

    def __init__(self, fn: Callable[[Array], Any], x: Array) -> None:
        import torch

        self.static_x = x.detach().clone()
        with torch.no_grad():
            _warm_up(x.device, lambda: fn(self.static_x))
            self.replay, self.static_out, _ = _record(lambda: fn(self.static_x))
            want = _leaves(fn(self.static_x))
            self.replay()
        _close(_leaves(self.static_out), want, "the forward replay")
        self.lock = threading.Lock()

    def __call__(self, x: Array) -> Any:
        with self.lock:
            self.static_x.copy_(x)
            self.replay()
            return _tree(self.static_out, lambda t: t.clone())


class _TrainGraph:
    """A captured forward pass and its backward pass to the input, as one autograd node."""

    def __init__(self, fn: Callable[[Array], Any], x: Array) -> None:
        import torch

        self.fn = fn
        self.static_x = x.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            _warm_up(x.device, self._eager_round)
            self.replay_forward, self.static_out, pool = _record(self._forward)
            self.live = _differentiable(self.static_out)
            if not self.live:
                raise RuntimeError("no output depends on the input")
            self.static_grads = [torch.empty_like(t) for t in self.live]
            self.replay_backward, (self.static_dx,), _ = _record(self._backward, pool)
        self.lock = threading.Lock()
        self.current: object | None = None  # the call whose activations the graph holds
        self._check()

    # bodies (captured once; re-run by the CPU stand-ins of the tests on every replay)
    def _forward(self) -> Any:
        self.out = self.fn(self.static_x)
        return self.out

    def _backward(self) -> tuple[Array]:
        import torch

        live = _differentiable(self.out)
        (dx,) = torch.autograd.grad(
            live, self.static_x, self.static_grads, retain_graph=True, allow_unused=True
        )
        return (torch.zeros_like(self.static_x) if dx is None else dx,)

    def _eager_round(self) -> None:
        import torch

        live = _differentiable(self.fn(self.static_x))
        if live:
            torch.autograd.grad(live, self.static_x, [torch.ones_like(t) for t in live])

    def _check(self) -> None:
        """Compare one replay (outputs and gradient) with an eager pass on the same input."""
        import torch

        gen = torch.Generator(device=self.static_x.device).manual_seed(0)
        grads = [
            torch.randn(t.shape, generator=gen, device=t.device, dtype=t.dtype) for t in self.live
        ]
        with torch.enable_grad():
            out = _leaves(self.fn(self.static_x))
            live = _differentiable(out)
            (dx,) = torch.autograd.grad(live, self.static_x, grads, allow_unused=True)
        with torch.no_grad():
            self.replay_forward()
            for s, g in zip(self.static_grads, grads):
                s.copy_(g)
            self.replay_backward()
        _close(_leaves(self.static_out), [t.detach() for t in out], "the forward replay")
        if dx is not None:
            _close([self.static_dx], [dx], "the backward replay")

    def __call__(self, x: Array) -> Any:
        flat = iter(_replay_function().apply(self, x))
        leaves = [  # outputs that need no gradient (none in practice): plain copies
            next(flat) if t.requires_grad else t.detach().clone() for t in _leaves(self.static_out)
        ]
        return _rebuild(self.static_out, leaves)


@functools.cache
def _replay_function() -> Any:
    """Return the autograd node of a training graph's replay (defined once torch is imported)."""
    import torch

    class Replay(torch.autograd.Function):
        @staticmethod
        def forward(ctx: Any, graph: _TrainGraph, x: Array) -> tuple[Array, ...]:  # type: ignore[override]
            ctx.graph = graph
            ctx.token = object()
            with graph.lock:
                graph.static_x.copy_(x)
                graph.replay_forward()
                graph.current = ctx.token
                out = tuple(t.detach().clone() for t in graph.live)
            ctx.save_for_backward(x)
            return out

        @staticmethod
        def backward(ctx: Any, *grads: Array) -> tuple[None, Array]:  # type: ignore[override]
            graph: _TrainGraph = ctx.graph
            (x,) = ctx.saved_tensors
            if torch.is_grad_enabled():  # create_graph=True: a differentiable, eager pass
                live = _differentiable(graph.fn(x))
                full = [torch.zeros_like(t) if g is None else g for t, g in zip(live, grads)]
                (dx,) = torch.autograd.grad(live, x, full, create_graph=True, allow_unused=True)
                return None, torch.zeros_like(x) if dx is None else dx
            with graph.lock:
                if graph.current is not ctx.token:  # another call replayed the forward since
                    graph.static_x.copy_(x)
                    graph.replay_forward()
                    graph.current = ctx.token
                for s, g in zip(graph.static_grads, grads):
                    if g is None:
                        s.zero_()
                    else:
                        s.copy_(g)
                graph.replay_backward()
                return None, graph.static_dx.clone()

    return Replay


class GraphCache:
    """Per-transform cache of captured passes, keyed by input shape, dtype, device and mode."""

    def __init__(self) -> None:
        self._graphs: OrderedDict[tuple, _Graph | _TrainGraph | None] = OrderedDict()
        self._seen: dict[tuple, int] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:  # pickling a transform drops its graphs (device state)
        return {}

    def __setstate__(self, state: dict) -> None:
        self.__init__()  # type: ignore[misc]

    def run(
        self, key: tuple, fn: Callable[[Array], Any], x: Array, mode: GraphMode = "forward"
    ) -> Any:
        """Return ``fn(x)``, replayed from a graph once ``(key, mode)`` has been seen before."""
        key = (*key, mode)
        with self._lock:
            graph: _Graph | _TrainGraph | None
            if key not in self._graphs:
                count = self._seen.get(key, 0)
                self._seen[key] = count + 1
                if count < CAPTURE_AFTER:
                    graph = None
                else:
                    graph = self._capture(key, fn, x, mode)
            else:
                graph = self._graphs[key]
                self._graphs.move_to_end(key)
        if graph is None:
            return fn(x)
        return graph(x)

    def _capture(
        self, key: tuple, fn: Callable[[Array], Any], x: Array, mode: GraphMode
    ) -> _Graph | _TrainGraph | None:
        graph: _Graph | _TrainGraph | None
        try:
            graph = _Graph(fn, x) if mode == "forward" else _TrainGraph(fn, x)
        except _Mismatch as err:
            logger.warning("CUDA graph for %s not used: %s; running eagerly", key, err)
            graph = None
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
