"""What every array-API transform shares: the public protocol, argument checks, the call path.

The public protocol of a transform, used by ``__call__`` and by every caller that runs a
transform with its own buffers (the torch modules, extraction, the benchmarks):

* :meth:`~ArrayAPITransform.plan` ``(N)``: the compiled core plan for inputs of length ``N``
  (cached; ``plan.buffers`` holds the filters as flat NumPy arrays);
* :meth:`~ArrayAPITransform.buffers` ``(N, like)``: those buffers in the library, device and
  dtype of the array ``like`` (cached per combination;
  :func:`scatterwave._buffers.convert_buffers`);
* :meth:`~ArrayAPITransform.check` ``(x, xp)``: validate an input, return its length;
* :meth:`~ArrayAPITransform.compute` ``(x, xp, buffers, caps, *, chunk=None)``: the eager
  computation on an array of library ``xp``, in chunks of signals;
* :meth:`~ArrayAPITransform.run` ``(x, xp, buffers, caps)``: :meth:`compute` with the chunk
  fixed once per call, compiled by ``jax.jit`` for JAX (eager JAX would compile every small
  operation separately), replayed from a CUDA graph for PyTorch on CUDA without gradient, and
  as a ``tf.function`` graph for eager TensorFlow tensors (about 3 times faster than op-by-op
  execution; :mod:`scatterwave.core.tf_namespace`).

``caps`` is the :class:`~scatterwave.core.capabilities.Capabilities` record of the input,
resolved once per call by ``__call__`` and passed beside ``xp``: every library-dependent
choice outside the compute core reads it.

A subclass provides ``_make_plan(N) -> (filterbank, plan)`` (uncached; the plan carries its
memory model, ``plan.bytes_per_signal(itemsize)``), ``compute`` and its own argument checks;
the checks and the normalisation of the arguments both transforms share are here.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any, Generic, Literal, Protocol, TypeVar

from scatterwave._buffers import convert_buffers
from scatterwave._cuda_graph import GraphCache, graph_mode, through_torch, torch_can_take
from scatterwave._device import chunk_size
from scatterwave._validation import (
    check_bool,
    check_bool_or_literal,
    check_budget,
    check_criterion_amplitude,
    check_int,
    check_scales,
)
from scatterwave.core.capabilities import Capabilities, capabilities, is_functorch_wrapped
from scatterwave.core.ops import device_of
from scatterwave.core.tf_namespace import variable_value
from scatterwave.core.workspace import ThreadWorkspaces, Workspace

Array = Any


class SizedPlan(Protocol):
    """What the base class needs of a core plan: its memory model."""

    def bytes_per_signal(self, itemsize: int) -> int:
        """Estimated peak working memory of one signal's forward pass, in bytes."""
        ...


PlanT = TypeVar("PlanT", bound=SizedPlan)
FilterbankT = TypeVar("FilterbankT")


def no_autograph(fn: Callable) -> Callable:
    """Mark ``fn`` to be called as plain Python inside a caller's ``tf.function``.

    Sets the attribute that ``tf.autograph.experimental.do_not_convert`` sets, without
    importing TensorFlow. The transforms are trace-safe Python: converting them gains nothing,
    and AutoGraph's conversion of the whole call tree failed depending on test order.
    """
    fn.autograph_info__ = frozenset()  # type: ignore[attr-defined]
    return fn


class ArrayAPITransform(Generic[FilterbankT, PlanT]):
    """Base class of :class:`~scatterwave.Scattering1D` and the JTFS transform (module doc)."""

    N: int | None
    _J: tuple[int, int]
    Q: tuple[int, int]
    T: int | None
    average: bool | Literal["global"]
    check_input: bool
    criterion_amplitude: float
    memory_budget_mb: float | None
    cuda_graphs: bool
    _arguments: dict[str, Any]

    # ------------------------------------------------------------------ shared arguments
    def _set_common(
        self,
        N: Any,
        J: Any,
        Q: Any,
        T: Any,
        average: Any,
        *,
        criterion_amplitude: Any,
        memory_budget_mb: Any,
        cuda_graphs: Any,
        check_input: Any,
    ) -> None:
        """Check and store the arguments both transforms take; set up the caches."""
        self._J, Q = check_scales(N, J, Q, T)
        average = check_bool_or_literal("average", average, (True, False), ("global",))
        if average == "global" and T is not None:
            raise ValueError(
                f"T={T!r} is not used with average='global' (a mean over the whole signal); "
                "remove T, or use average=True for local averaging at scale T"
            )
        self.N, self.Q, self.T = N, Q, T
        self.average = average
        self.criterion_amplitude = check_criterion_amplitude(criterion_amplitude)
        self.memory_budget_mb = check_budget(memory_budget_mb)
        self.cuda_graphs = check_bool("cuda_graphs", cuda_graphs)
        self.check_input = check_bool("check_input", check_input)
        self._built: dict[int, tuple[FilterbankT, PlanT]] = {}
        self._converted: dict[tuple, dict[str, Array]] = {}
        self._jit_cache: dict[tuple, Callable] = {}
        self._graphs = GraphCache()
        self._per_signal: dict[tuple[int, int], int] = {}
        self._workspaces = ThreadWorkspaces()

    @property
    def J(self) -> int | tuple[int, int]:
        """``J`` as an int, or ``(J1, J2)`` when the orders' scales differ (``_J`` is the pair)."""
        J1, J2 = self._J
        return J1 if J1 == J2 else self._J

    def _resolve_N(self, N: int | None) -> int:
        """Return ``N``, or the configured length when None."""
        N = self.N if N is None else N
        if N is None:
            raise ValueError("this transform was built with N=None: pass N explicitly")
        return N

    def _averaging_scale(self, N: int) -> int | None:
        """Check ``J`` and ``T`` against the input length; return ``T`` (None: global mean)."""
        if 2 ** self._J[0] > N:
            raise ValueError(
                f"J={self.J} is too large for inputs of length N={N}: need 2**J <= N; "
                f"use J <= {math.floor(math.log2(N))} or longer inputs"
            )
        if self.average == "global":
            return None
        T = 2 ** self._J[0] if self.T is None else self.T
        if T > N:
            raise ValueError(
                f"T={T} exceeds the input length N={N}; use T <= N, or average='global' "
                "for a mean over the whole signal"
            )
        return T

    # ------------------------------------------------------------------ what subclasses provide
    def _make_plan(self, N: int) -> tuple[FilterbankT, PlanT]:  # pragma: no cover - abstract
        """Build the filterbank and the compiled plan for inputs of length ``N`` (not cached)."""
        raise NotImplementedError

    def compute(
        self,
        x: Array,
        xp: Any,
        buffers: dict[str, Array],
        caps: Capabilities,
        *,
        chunk: int | None = None,
    ) -> Any:
        """Transform a checked ``x`` of library ``xp``, eagerly, in chunks of signals.

        Parameters
        ----------
        x : array, shape (..., N)
            Checked by :meth:`check`.
        xp : namespace
            The array-API namespace of ``x``.
        buffers : dict of str to array
            ``plan(N).buffers`` converted to ``x``'s library, device and dtype
            (:meth:`buffers`).
        caps : Capabilities
            The capabilities of ``x`` (:func:`scatterwave.core.capabilities.capabilities`).
        chunk : int, optional
            Signals per chunk; None: from the memory budget and the device of ``x``.

        Returns
        -------
        Any
            As ``__call__``.
        """
        N = int(x.shape[-1])
        plan = self.plan(N)
        x2 = xp.reshape(x, (-1, N))
        if chunk is None:
            chunk = self._chunk(x2, N, caps)
        ws = self._workspace(N, x2, caps)
        pieces = [
            self._compute_chunk(x2[part, ...], plan, buffers, xp, caps, ws)
            for part in batch_slices(x2.shape[0], chunk)
        ]
        return self._assemble(pieces, plan, buffers, xp, caps, tuple(x.shape[:-1]))

    def _compute_chunk(
        self,
        x: Array,
        plan: PlanT,
        buffers: dict[str, Array],
        xp: Any,
        caps: Capabilities,
        ws: Workspace | None,
    ) -> Any:  # pragma: no cover - abstract
        """Run the compute core on one chunk ``x`` of shape (B, N)."""
        raise NotImplementedError

    def _assemble(
        self,
        pieces: list[Any],
        plan: PlanT,
        buffers: dict[str, Array],
        xp: Any,
        caps: Capabilities,
        lead: tuple[int, ...],
    ) -> Any:  # pragma: no cover - abstract
        """Join the chunks' results into the output of batch shape ``lead``."""
        raise NotImplementedError

    # ------------------------------------------------------------------ public protocol
    def plan(self, N: int) -> PlanT:
        """Return the compiled plan for inputs of length ``N`` (built once per length, cached).

        Parameters
        ----------
        N : int
            Input length.

        Returns
        -------
        plan
            The core plan (:class:`~scatterwave.core.plan.ScatteringPlan` or
            :class:`~scatterwave.core.jtfs_plan.JTFSPlan`); ``plan.buffers`` is a dict of flat
            NumPy arrays: ``*_f`` / ``*_fr`` Fourier-domain filters (float64), ``index``
            (int64) and other real arrays.
        """
        return self._planned(N)[1]

    def _filters(self, N: int) -> FilterbankT:
        """Return the filterbank the plan for length ``N`` was compiled from (cached with it)."""
        return self._planned(N)[0]

    def _planned(self, N: int) -> tuple[FilterbankT, PlanT]:
        entry = self._built.get(N)
        if entry is None:
            entry = self._built[N] = self._make_plan(N)
        return entry

    def buffers(
        self, N: int, like: Array, *, xp: Any = None, caps: Capabilities | None = None
    ) -> dict[str, Array]:
        """Return ``plan(N).buffers`` in the library, device and dtype of ``like`` (cached).

        Parameters
        ----------
        N : int
            Input length.
        like : array
            An input (or any array of its library, device and real dtype).
        xp : namespace, optional
            The array-API namespace of ``like`` (default: resolved from it).
        caps : Capabilities, optional
            The capabilities of ``like`` (default: resolved from it).

        Returns
        -------
        dict of str to array
            One converted array per plan buffer
            (:func:`~scatterwave._buffers.convert_buffers`). Arrays made while tracing
            (``jax.jit``, ``torch.compile``) are not cached: they must not outlive the trace.
        """
        caps = capabilities(like) if caps is None else caps
        xp = _namespace(like, caps) if xp is None else xp
        plan = self.plan(N)
        tensorflow = caps.library == "tensorflow"
        if caps.traced and not tensorflow:  # arrays made while tracing must not outlive it
            return self._convert_buffers(plan, xp, like, caps)
        key = (N, getattr(xp, "__name__", str(xp)), str(device_of(like)), str(like.dtype))
        if key not in self._converted:
            if tensorflow:  # eager tensors, made outside any tf.function trace: reusable
                with xp.outside_trace():
                    self._converted[key] = self._convert_buffers(plan, xp, like, caps)
            else:
                self._converted[key] = self._convert_buffers(plan, xp, like, caps)
        return self._converted[key]

    def _convert_buffers(
        self, plan: PlanT, xp: Any, like: Array, caps: Capabilities
    ) -> dict[str, Array]:
        """Convert ``plan.buffers`` for ``like``; a subclass may add a library's own layout."""
        return convert_buffers(plan.buffers, xp, like, caps)  # type: ignore[attr-defined]

    def check(self, x: Array, xp: Any, caps: Capabilities | None = None) -> int:
        """Validate an input; return its length.

        Parameters
        ----------
        x : array, shape (..., N)
            The input.
        xp : namespace
            Its array-API namespace.
        caps : Capabilities, optional
            Its capabilities (default: resolved from ``x``).

        Returns
        -------
        int
            ``N``, the length of the last axis.

        Raises
        ------
        TypeError
            For a dtype other than float32 or float64.
        ValueError
            For a length other than the configured ``N``, an empty batch, or (with
            ``check_input=True``, not while tracing) NaN or infinite values.
        """
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
            raise TypeError(
                f"x must be float32 or float64; got {x.dtype}. Half precision loses the "
                "accuracy the filters are designed for: convert it first, e.g. torch's "
                "x.float() (under torch.autocast too) or x.astype(np.float32)"
            )
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
        traced = capabilities(x).traced if caps is None else caps.traced
        # torch.func.vmap forbids reading a value (data-dependent control flow), like a trace
        traced = traced or is_functorch_wrapped(x)
        if self.check_input and not traced and not bool(xp.all(xp.isfinite(x))):
            raise ValueError("x contains NaN or infinite values; clean or mask them first")
        return N

    def run(self, x: Array, xp: Any, buffers: dict[str, Array], caps: Capabilities) -> Any:
        """Run :meth:`compute` with the chunk size fixed once per call, compiled where it pays.

        ``jax.jit`` for JAX (one compilation per input shape, dtype and chunk), a
        ``tf.function`` graph for eager TensorFlow tensors, a CUDA graph replay for PyTorch
        on CUDA, of the forward pass or, where the input requires grad, of the forward and
        backward passes (see :mod:`scatterwave._cuda_graph`), eager otherwise. PyTorch's
        autocast is switched off inside: the filters are designed for float32 and float64,
        and an autocast matrix product in half precision lost three digits. Arguments as
        :meth:`compute`; ``x`` must have passed :meth:`check`.
        """
        if caps.library == "torch":
            import torch

            device = x.device.type
            if torch.is_autocast_enabled(device):
                with torch.autocast(device, enabled=False):
                    return self._dispatch(x, xp, buffers, caps)
        return self._dispatch(x, xp, buffers, caps)

    def _dispatch(self, x: Array, xp: Any, buffers: dict[str, Array], caps: Capabilities) -> Any:
        if caps.jit == "tensorflow":
            from scatterwave.core.tf_namespace import run_forward

            return run_forward(self.compute, self._jit_cache, x, buffers)
        if caps.traced:
            return self.compute(x, xp, buffers, caps)
        N = int(x.shape[-1])
        chunk = min(self._chunk(x, N, caps), math.prod(x.shape[:-1]))
        key = (N, tuple(x.shape), str(x.dtype), str(getattr(x, "device", "")), chunk)
        if caps.jit == "jax":
            return self._jitted(key, xp)(x, buffers)
        mode = graph_mode(x, buffers, caps) if self.cuda_graphs else None
        if mode is not None:
            return self._graphs.run(
                key, lambda v: self.compute(v, xp, buffers, caps, chunk=chunk), x, mode
            )
        return self.compute(x, xp, buffers, caps, chunk=chunk)

    @no_autograph
    def __call__(self, x: Array) -> Any:
        """Transform ``x`` of shape ``(..., N)``; see the subclass for the output."""
        x = variable_value(x)
        caps = capabilities(x)
        if self.cuda_graphs and torch_can_take(caps):
            return through_torch(self, x)
        xp = _namespace(x, caps)
        N = self.check(x, xp, caps)
        return self.run(x, xp, self.buffers(N, x, xp=xp, caps=caps), caps)

    # ------------------------------------------------------------------ helpers
    def _workspace(self, N: int, x: Array, caps: Capabilities) -> Workspace | None:
        """Return this thread's reusable NumPy work arrays for length ``N`` and ``x``'s dtype.

        None where ``caps`` allows no workspace (other libraries leave their temporaries to
        their allocators).
        """
        if not caps.workspace:
            return None
        return self._workspaces.get((N, str(x.dtype)))

    def _chunk(self, x: Array, N: int, caps: Capabilities | None = None) -> int:
        """Return the signals per chunk for a batch like ``x`` (:mod:`scatterwave._device`)."""
        itemsize = 4 if "float32" in str(x.dtype) else 8
        return chunk_size(self.bytes_per_signal(N, itemsize), x, self.memory_budget_mb, caps)

    def bytes_per_signal(self, N: int, itemsize: int) -> int:
        """Return the working memory one signal of length ``N`` takes, in bytes (cached).

        The plan's memory model (``plan.bytes_per_signal``, a walk over its groups), once per
        length and item size; :meth:`_chunk` divides the memory budget by it.
        """
        per_signal = self._per_signal.get((N, itemsize))
        if per_signal is None:
            per_signal = self._per_signal[N, itemsize] = self.plan(N).bytes_per_signal(itemsize)
        return per_signal

    def _jitted(self, key: tuple, xp: Any) -> Callable:
        """Return :meth:`compute` compiled by ``jax.jit``, one per input shape, dtype and chunk.

        The capabilities are resolved on the traced value inside (``traced=True``): arrays
        made while tracing must not be cached. ``jax.jit`` sorts a dict's keys, so a dict
        leaves the compiled function as a tuple and is rebuilt in ``meta()``'s order.
        """
        if key not in self._jit_cache:
            import jax

            chunk = key[-1]
            keys: list = []

            def values(v: Array, buffers: dict[str, Array]) -> Any:
                out = self.compute(v, xp, buffers, capabilities(v), chunk=chunk)
                keys[:] = list(out) if isinstance(out, dict) else []
                return tuple(out.values()) if keys else out

            compiled = jax.jit(values)

            def run(v: Array, buffers: dict[str, Array]) -> Any:
                out = compiled(v, buffers)  # traces on the first call, which fills keys
                return dict(zip(keys, out)) if keys else out

            self._jit_cache[key] = run
        return self._jit_cache[key]

    def _paths_exclude(self, sizes: dict[str, int]) -> dict[str, list[int]]:
        """Resolve ``paths_exclude`` (negative indices counted from the end), one list per key.

        ``sizes`` maps each accepted key to the number of wavelets it indexes.
        """
        given: dict[str, list[int]] = getattr(self, "paths_exclude", None) or {}
        out: dict[str, list[int]] = {}
        for key, size in sizes.items():
            values = []
            for n in given.get(key, ()):
                check_int(f"paths_exclude[{key!r}] entries", n)
                if not -size <= n < size:
                    raise ValueError(
                        f"paths_exclude[{key!r}] index {n} out of range for {size} wavelets"
                    )
                values.append(n % size)
            out[key] = values
        return out

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


def batch_slices(B: int | None, chunk: int) -> list[slice]:
    """Row slices of at most ``chunk`` signals covering a batch of ``B``.

    ``B`` is None for a batch of unknown size (``tf.function`` tracing a Keras model): one
    slice then covers it, whatever its size at run time.
    """
    if B is None:
        return [slice(None)]
    return [slice(b0, min(b0 + chunk, B)) for b0 in range(0, B, chunk)]


def _namespace(x: Array, caps: Capabilities) -> Any:
    """Return the array-API namespace of ``x`` (TensorFlow: see :mod:`.core.tf_namespace`)."""
    if caps.library == "tensorflow":
        from scatterwave.core.tf_namespace import namespace

        return namespace(x)
    from array_api_compat import array_namespace

    try:
        return array_namespace(x)
    except TypeError:
        raise TypeError(
            f"x of type {type(x).__name__} is not an array this transform can read; pass a "
            "NumPy, PyTorch, JAX, CuPy or TensorFlow array, e.g. np.asarray(x, dtype=np.float32)"
        ) from None
