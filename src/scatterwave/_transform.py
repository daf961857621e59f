"""What every array-API transform shares: input checks, filter caches, the call path.

A transform subclass provides ``_build(N) -> (filterbank, plan)`` (``plan.buffers``: flat NumPy
arrays) and ``_forward(x, xp, buffers)``. This base class turns those into ``__call__`` for any
array library: it checks the input once, converts the filters to the input's library, device
and dtype once per combination (cached), and compiles the whole forward pass with ``jax.jit``
for JAX inputs (eager JAX would compile every small operation separately). TensorFlow tensors
run through the namespace of :mod:`scatterwave.core.tf_namespace`, eager ones as a
``tf.function`` graph (likewise about 3 times faster than op-by-op execution).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from scatterwave._cuda_graph import GraphCache, graphable, through_torch, torch_can_take
from scatterwave._device import chunk_size
from scatterwave.core.ops import _device, as_index, is_numpy, is_tensorflow, is_traced
from scatterwave.core.workspace import ThreadWorkspaces, Workspace

Array = Any


def no_autograph(fn: Callable) -> Callable:
    """Mark ``fn`` so that TensorFlow's AutoGraph calls it as plain Python inside a caller's
    ``tf.function`` (the attribute ``tf.autograph.experimental.do_not_convert`` sets), without
    importing TensorFlow. The transforms are trace-safe Python: converting them gains nothing,
    and AutoGraph's conversion of the whole call tree failed depending on test order."""
    fn.autograph_info__ = frozenset()  # type: ignore[attr-defined]
    return fn


class ArrayAPITransform:
    """Base class of :class:`~scatterwave.Scattering1D` and the JTFS transform."""

    N: int | None
    J: int
    T: int | None
    average: Any
    check_input: bool
    memory_budget_mb: float | None
    cuda_graphs: bool

    def _init_caches(self) -> None:
        self._built: dict[int, tuple[Any, Any]] = {}
        self._converted: dict[tuple, dict[str, Array]] = {}
        self._jit_cache: dict[tuple, Callable] = {}
        self._graphs = GraphCache()
        self._per_signal: dict[tuple[int, int], int] = {}
        self._workspaces = ThreadWorkspaces()

    def _workspace(self, N: int, x: Array, xp: Any) -> Workspace | None:
        """This thread's reusable NumPy work arrays for inputs of length ``N`` and ``x``'s dtype
        (None for other libraries, whose temporaries are left to their allocators)."""
        if not is_numpy(xp) or not isinstance(x, np.ndarray):
            return None
        return self._workspaces.get((N, str(x.dtype)))

    def _averaging_scale(self, N: int) -> int | None:
        """Check ``J`` and ``T`` against the input length; return ``T`` (None: global mean)."""
        if 2**self.J > N:
            raise ValueError(
                f"J={self.J} is too large for inputs of length N={N}: need 2**J <= N; "
                f"use J <= {math.floor(math.log2(N))} or longer inputs"
            )
        if self.average == "global":
            return None
        T = 2**self.J if self.T is None else self.T
        if T > N:
            raise ValueError(
                f"T={T} exceeds the input length N={N}; use T <= N, or average='global' "
                "for a mean over the whole signal"
            )
        return T

    def _build(self, N: int) -> tuple[Any, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _forward(
        self, x: Array, xp: Any, buffers: dict[str, Array], chunk: int | None = None
    ) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _bytes_per_signal(self, N: int, itemsize: int) -> int:  # pragma: no cover - abstract
        """Estimated peak working memory of one signal's forward pass, in bytes."""
        raise NotImplementedError

    def _chunk(self, x: Array, N: int) -> int:
        """Signals per chunk for a batch like ``x`` (see :mod:`scatterwave._device`)."""
        itemsize = 4 if "float32" in str(x.dtype) else 8
        per_signal = self._per_signal.get((N, itemsize))
        if per_signal is None:  # a walk over the plan's groups: once per length and dtype
            per_signal = self._per_signal[N, itemsize] = self._bytes_per_signal(N, itemsize)
        return chunk_size(per_signal, x, self.memory_budget_mb)

    @no_autograph
    def __call__(self, x: Array) -> Any:
        """Transform ``x`` of shape ``(..., N)``; see the subclass for the output."""
        if self.cuda_graphs and torch_can_take(x):
            return through_torch(self, x)
        xp = _namespace(x)
        N = self._check_input(x, xp)
        buffers = self._buffers(N, xp, x)
        if is_tensorflow(xp):
            from scatterwave.core.tf_namespace import run_forward

            return run_forward(self._forward, self._jit_cache, x, buffers)
        return self._run(x, xp, buffers)

    def _run(self, x: Array, xp: Any, buffers: dict[str, Array]) -> Any:
        """The forward pass with the chunk size fixed once per call: compiled by ``jax.jit``
        for JAX, replayed from a CUDA graph for PyTorch on CUDA without gradient (see
        :mod:`scatterwave._cuda_graph`), eager otherwise."""
        N = int(x.shape[-1])
        if is_traced(x):
            return self._forward(x, xp, buffers)
        chunk = min(self._chunk(x, N), math.prod(x.shape[:-1]))
        key = (N, tuple(x.shape), str(x.dtype), str(getattr(x, "device", "")), chunk)
        if type(x).__module__.startswith("jax"):
            return self._jitted(key, xp)(x, buffers)
        if self.cuda_graphs and graphable(x, buffers):
            return self._graphs.run(key, lambda v: self._forward(v, xp, buffers, chunk), x)
        return self._forward(x, xp, buffers, chunk)

    def _jitted(self, key: tuple, xp: Any) -> Callable:
        """The forward pass compiled by ``jax.jit``, one per input shape, dtype and chunk."""
        if key not in self._jit_cache:
            import jax

            chunk = key[-1]
            self._jit_cache[key] = jax.jit(lambda v, buffers: self._forward(v, xp, buffers, chunk))
        return self._jit_cache[key]

    def _buffers(self, N: int, xp: Any, like: Array) -> dict[str, Array]:
        _, plan = self._build(N)
        tensorflow = is_tensorflow(xp)
        if is_traced(like) and not tensorflow:  # arrays made while tracing must not outlive it
            return self._convert_buffers(plan, xp, like)
        key = (N, getattr(xp, "__name__", str(xp)), str(_device(like)), str(like.dtype))
        if key not in self._converted:
            if tensorflow:  # eager tensors, made outside any tf.function trace: reusable
                with xp.outside_trace():
                    self._converted[key] = self._convert_buffers(plan, xp, like)
            else:
                self._converted[key] = self._convert_buffers(plan, xp, like)
        return self._converted[key]

    def _convert_buffers(self, plan: Any, xp: Any, like: Array) -> dict[str, Array]:
        """``plan.buffers`` in ``like``'s library, device and dtype (cached by the caller).

        Subclasses may lay a buffer out differently for one library here, once.
        """
        return convert_buffers(plan.buffers, xp, like)

    def _check_input(self, x: Array, xp: Any) -> int:
        """Validate ``x``; return its length. Messages say what was given and how to fix it."""
        if x.ndim < 1:
            raise ValueError("x must have at least one dimension (time last); got a scalar")
        if not xp.isdtype(x.dtype, "real floating"):
            if xp.isdtype(x.dtype, "complex floating"):
                raise TypeError(
                    f"complex input (dtype {x.dtype}) is not supported; transform the real and "
                    "imaginary parts separately"
                )
            raise TypeError(
                f"x must be float32 or float64; got dtype {x.dtype}. Convert it first, "
                "e.g. x.astype(np.float32) or torch's x.float()"
            )
        if x.dtype not in (xp.float32, xp.float64):
            raise TypeError(f"x must be float32 or float64; got {x.dtype}")
        N = int(x.shape[-1])
        if self.N is not None and N != self.N:
            raise ValueError(
                f"x has length {N} along its last axis but this transform was built for "
                f"N={self.N}; pass N=None to accept any length"
            )
        if N < 2:
            raise ValueError(f"x must have at least 2 samples along its last axis; got {N}")
        if any(d == 0 for d in x.shape[:-1]):  # (sizes are None in tf.function: unknown)
            raise ValueError(f"x has an empty batch (shape {tuple(x.shape)})")
        if self.check_input and not is_traced(x) and not bool(xp.all(xp.isfinite(x))):
            raise ValueError("x contains NaN or infinite values; clean or mask them first")
        return N

    # ------------------------------------------------------------------ repr
    def __new__(cls, *args: Any, **kwargs: Any) -> ArrayAPITransform:
        """Record the constructor's arguments as given, for :meth:`__repr__`."""
        self = super().__new__(cls)
        try:
            bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
        except TypeError:  # __init__ raises the same error with its own message
            bound = None
        self._arguments = {} if bound is None else dict(list(bound.arguments.items())[1:])
        return self

    def __repr__(self) -> str:
        """``Name(N=..., J=..., <every other argument that differs from its default>)``.

        Derived from the ``__init__`` signature of the class, showing each argument as given
        (so that evaluating the repr rebuilds the transform), in signature order.
        """
        return f"{type(self).__name__}({self._repr_arguments()})"

    def _repr_arguments(self) -> str:
        parts = []
        given = getattr(self, "_arguments", {})
        for name, param in list(inspect.signature(type(self).__init__).parameters.items())[1:]:
            if name in ("N", "J"):
                parts.append(f"{name}={getattr(self, name)!r}")
            elif name in given and not _same(given[name], param.default):
                parts.append(f"{name}={given[name]!r}")
        return ", ".join(parts)


def _same(value: Any, default: Any) -> bool:
    """Whether an argument equals its default (same type and value; arrays never do)."""
    if value is default:
        return True
    try:
        return type(value) is type(default) and bool(value == default)
    except (TypeError, ValueError):
        return False


def convert_buffers(buffers: dict[str, np.ndarray], xp: Any, like: Array) -> dict[str, Array]:
    """Convert a plan's NumPy buffers to ``like``'s library, device and real dtype."""
    dev = _device(like)
    single = like.dtype == xp.float32
    np_dtype = np.float32 if single else np.float64
    # Every filter multiplies a complex spectrum. PyTorch promotes a real operand to complex on
    # each such product (an allocation and a slower kernel), so its filters are stored complex;
    # TensorFlow does not promote at all.
    complex_filters = "torch" in getattr(xp, "__name__", "") or is_tensorflow(xp)
    out = {}
    for name, arr in buffers.items():
        if name == "index":
            out[name] = as_index(arr, like, xp)
        elif complex_filters and is_filter(name):
            out[name] = xp.asarray(
                arr.astype(np.complex64 if single else np.complex128), device=dev
            )
        elif is_numpy(xp):  # NumPy reads the plan's arrays as they are (no copy at float64)
            out[name] = arr.astype(np_dtype, copy=False)
        else:
            out[name] = xp.asarray(arr.astype(np_dtype), device=dev)
    return out


def is_filter(name: str) -> bool:
    """Buffers named ``*_f`` / ``*_fr`` hold Fourier-domain filters (house naming convention)."""
    return name.endswith(("_f", "_fr"))


def batch_slices(B: int | None, chunk: int) -> list[slice]:
    """Row slices of at most ``chunk`` signals covering a batch of ``B``.

    ``B`` is None for a batch of unknown size (``tf.function`` tracing a Keras model): one
    slice then covers it, whatever its size at run time.
    """
    if B is None:
        return [slice(None)]
    return [slice(b0, min(b0 + chunk, B)) for b0 in range(0, B, chunk)]


def _namespace(x: Array) -> Any:
    """The array-API namespace of ``x`` (TensorFlow: :mod:`scatterwave.core.tf_namespace`)."""
    if type(x).__module__.startswith("tensorflow"):
        from scatterwave.core.tf_namespace import namespace

        return namespace(x)
    from array_api_compat import array_namespace

    return array_namespace(x)
