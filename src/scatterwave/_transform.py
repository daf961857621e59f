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

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from scatterwave.core.ops import _device, as_index, is_numpy, is_tensorflow, is_traced

Array = Any


class ArrayAPITransform:
    """Base class of :class:`~scatterwave.Scattering1D` and the JTFS transform."""

    N: int | None
    J: int
    T: int | None
    average: Any
    check_input: bool

    def _init_caches(self) -> None:
        self._built: dict[int, tuple[Any, Any]] = {}
        self._converted: dict[tuple, dict[str, Array]] = {}
        self._jit_cache: dict[tuple, Callable] = {}

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

    def _forward(self, x: Array, xp: Any, buffers: dict[str, Array]) -> Any:  # pragma: no cover
        raise NotImplementedError

    def __call__(self, x: Array) -> Any:
        """Transform ``x`` of shape ``(..., N)``; see the subclass for the output."""
        xp = _namespace(x)
        N = self._check_input(x, xp)
        buffers = self._buffers(N, xp, x)
        if type(x).__module__.startswith("jax") and not is_traced(x):
            return self._jitted(N, x, xp)(x, buffers)
        if is_tensorflow(xp):
            from scatterwave.core.tf_namespace import run_forward

            return run_forward(self._forward, self._jit_cache, x, buffers)
        return self._forward(x, xp, buffers)

    def _jitted(self, N: int, x: Array, xp: Any) -> Callable:
        """The forward pass compiled by ``jax.jit``, one per input shape and dtype."""
        key = (N, tuple(x.shape), str(x.dtype))
        if key not in self._jit_cache:
            import jax

            self._jit_cache[key] = jax.jit(lambda v, buffers: self._forward(v, xp, buffers))
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
