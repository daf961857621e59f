"""TensorFlow as an array-API namespace: exactly the operations the compute cores use.

TensorFlow is not array-API compliant (``tf.experimental.numpy`` comes closest but names and
promotes differently), so the cores cannot run on it through ``array_api_compat``. This module
maps the subset of the standard that :mod:`scatterwave.core` calls (:data:`OPERATIONS`) onto
``tf`` and ``tf.signal``, so the one compute core also serves TensorFlow, eagerly, inside
``tf.function`` and under XLA (``jit_compile=True``), differentiably (``tf.GradientTape``).

Two TensorFlow specifics are handled here:

* A complex tensor is never multiplied by a real one (TensorFlow does not promote), so the
  Fourier-domain filters are stored complex for TensorFlow (see
  :func:`scatterwave._buffers.convert_buffers`).
* Inside ``tf.function`` the batch size may be unknown while tracing (``None``, as in Keras
  models). A shape entry ``None`` passed to :func:`TFNamespace.reshape` or
  :func:`TFNamespace.zeros` then stands for the number of signals, taken from the input at run
  time; the time axis must be known (the filters depend on it).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

Tensor = Any

#: The array-API functions (and the ``fft`` functions) the cores call; each is tested against
#: NumPy in ``tests/core/test_tf_namespace.py``.
OPERATIONS = (
    "abs",
    "all",
    "asarray",
    "astype",
    "concat",
    "conj",
    "finfo",
    "flip",
    "hypot",
    "imag",
    "isdtype",
    "isfinite",
    "matmul",
    "mean",
    "permute_dims",
    "real",
    "reshape",
    "sum",
    "take",
    "where",
    "zeros",
    "fft.fft",
    "fft.ifft",
    "fft.rfft",
    "fft.irfft",
)

_SUPPORTED = "float32 or float64"


def is_tensorflow_tensor(x: Any) -> bool:
    """Tell whether ``x`` is a TensorFlow tensor or variable (without importing TensorFlow)."""
    return type(x).__module__.startswith("tensorflow")


def variable_value(x: Any) -> Any:
    """Return the tensor a ``tf.Variable`` holds (read in any gradient tape), else ``x``.

    Variables are not tensors (no ``ndim``): optimising an input through a transform or the
    Keras layer passes one.
    """
    if is_tensorflow_tensor(x) and hasattr(x, "read_value"):
        import tensorflow as tf

        return tf.convert_to_tensor(x)
    return x


def namespace(x: Tensor) -> TFNamespace:
    """Return the namespace for a TensorFlow input ``x``, after checking what the cores need.

    Raises
    ------
    TypeError
        For ragged or sparse tensors and for dtypes other than float32 / float64.
    ValueError
        When the last (time) axis has no static length while tracing.
    """
    import tensorflow as tf

    if isinstance(x, tf.RaggedTensor):
        raise TypeError(
            "x is a tf.RaggedTensor; the transforms need signals of one length. Pad them "
            "to a common length first (x.to_tensor()), or transform each length separately"
        )
    if isinstance(x, tf.SparseTensor):
        raise TypeError(
            "x is a tf.SparseTensor; convert it to a dense tensor first (tf.sparse.to_dense(x))"
        )
    if not hasattr(x, "dtype") or not hasattr(x, "shape"):
        raise TypeError(f"x of type {type(x).__name__} is not a TensorFlow tensor")
    if x.dtype not in (tf.float32, tf.float64):
        hint = (
            "transform the real and imaginary parts separately"
            if x.dtype.is_complex
            else ("convert it first, e.g. tf.cast(x, tf.float32)")
        )
        raise TypeError(
            f"x must be a {_SUPPORTED} tensor; got a tf.Tensor of dtype {x.dtype.name}: {hint}"
        )
    if x.shape.rank is None or (x.shape.rank >= 1 and x.shape[-1] is None):
        raise ValueError(
            f"x has shape {x.shape} while tracing: the last (time) axis needs a static length, "
            "because the filters depend on it. Give tf.function an input_signature with the "
            "length set, e.g. tf.TensorSpec([None, N], tf.float32), or use keras.Input(shape=(N,))"
        )
    return TFNamespace(x)


def run_forward(forward: Callable, cache: dict, x: Tensor, buffers: dict[str, Tensor]) -> Any:
    """``forward(x, xp, buffers, caps)`` on TensorFlow: a graph for eager ``x``, inlined if traced.

    ``xp`` and ``caps`` (:func:`scatterwave.core.capabilities.capabilities`) are resolved on
    the tensor the forward receives, so that inside the graph ``caps.traced`` is True.

    Op-by-op (eager) execution of the cores' few hundred operations costs about 3 times the
    CPU time of the same graph (N=2^16, J=8, Q=8, batch 8, float32), so an eager ``x`` runs a
    ``tf.function`` traced once per input shape, dtype and device (kept in ``cache``) on
    ``x``'s device. The cores have no tensor-dependent control flow, so AutoGraph (which would
    rewrite their Python source, 5 times the cost of tracing) is off, also inside a caller's
    ``tf.function``. Gradients recorded by a ``tf.GradientTape`` flow through either way.
    """
    import tensorflow as tf

    from scatterwave.core.capabilities import capabilities

    plain = tf.autograph.experimental.do_not_convert(
        lambda v, b: forward(v, namespace(v), b, capabilities(v))
    )
    if tf.is_symbolic_tensor(x):
        return plain(x, buffers)
    key = ("tensorflow", tuple(x.shape), x.dtype.name, x.device)
    if key not in cache:
        cache[key] = tf.function(plain, autograph=False)
    with tf.device(x.device):
        return cache[key](x, buffers)


class _FFT:
    """``xp.fft`` over the last axis (the only axis the cores transform)."""

    def __init__(self, tf: Any) -> None:
        self._tf = tf

    def _last(self, axis: int) -> None:
        if axis != -1:
            raise NotImplementedError(f"TensorFlow FFTs run over the last axis; got axis={axis}")

    def _resize(self, x: Tensor, n: int | None) -> Tensor:
        """Crop or zero-pad the last axis to ``n`` entries (the ``n`` of ``numpy.fft``)."""
        size = x.shape[-1]
        if n is None or n == size:
            return x
        if n < size:
            return x[..., :n]
        pad = [[0, 0]] * (x.shape.rank - 1) + [[0, n - size]]
        return self._tf.pad(x, pad)

    def fft(self, x: Tensor, n: int | None = None, axis: int = -1) -> Tensor:
        """Implement the array API's ``fft.fft`` with TensorFlow."""
        self._last(axis)
        return self._tf.signal.fft(self._resize(x, n))

    def ifft(self, x: Tensor, n: int | None = None, axis: int = -1) -> Tensor:
        """Implement the array API's ``fft.ifft`` with TensorFlow."""
        self._last(axis)
        return self._tf.signal.ifft(self._resize(x, n))

    def rfft(self, x: Tensor, n: int | None = None, axis: int = -1) -> Tensor:
        """Implement the array API's ``fft.rfft`` with TensorFlow."""
        self._last(axis)
        return self._tf.signal.rfft(self._resize(x, n))

    def irfft(self, x: Tensor, n: int | None = None, axis: int = -1) -> Tensor:
        """Implement the array API's ``fft.irfft`` with TensorFlow."""
        self._last(axis)
        n = 2 * (x.shape[-1] - 1) if n is None else n
        # tf.signal.irfft reads the first n // 2 + 1 bins (zero-extending), like NumPy.
        return self._tf.signal.irfft(x, fft_length=[n])


class TFNamespace:
    """Array-API functions on TensorFlow tensors (only :data:`OPERATIONS`).

    Parameters
    ----------
    like : tf.Tensor, shape (..., N)
        The transform's input: an unknown (``None``) leading size in a requested shape is
        resolved from it at run time.
    """

    __name__ = "scatterwave.core.tf_namespace"

    def __init__(self, like: Tensor) -> None:
        import tensorflow as tf

        self._tf = tf
        self._like = like
        self.float32, self.float64 = tf.float32, tf.float64
        self.complex64, self.complex128 = tf.complex64, tf.complex128
        self.int32, self.int64 = tf.int32, tf.int64
        self.fft = _FFT(tf)

    # ------------------------------------------------------------------ dtypes and creation
    def isdtype(self, dtype: Any, kind: str) -> bool:
        """Implement the array API's ``isdtype`` with TensorFlow."""
        dtype = self._tf.as_dtype(dtype)
        kinds = {
            "real floating": dtype.is_floating,
            "complex floating": dtype.is_complex,
            "integral": dtype.is_integer,
            "bool": dtype.is_bool,
        }
        if kind not in kinds:
            raise NotImplementedError(f"isdtype kind {kind!r} is not used by the cores")
        return bool(kinds[kind])

    def finfo(self, dtype: Any) -> np.finfo:
        """Implement the array API's ``finfo`` with TensorFlow."""
        return np.finfo(self._tf.as_dtype(dtype).as_numpy_dtype)

    def asarray(self, obj: Any, dtype: Any = None, device: str | None = None) -> Tensor:
        """Implement the array API's ``asarray`` with TensorFlow."""
        with self._place(device):
            return self._tf.constant(obj, dtype=dtype)

    def zeros(self, shape: Sequence[int | None], dtype: Any = None, device: Any = None) -> Tensor:
        """Implement the array API's ``zeros`` with TensorFlow."""
        with self._place(device):
            return self._tf.zeros(self._shape(shape), dtype=dtype or self._tf.float64)

    def astype(self, x: Tensor, dtype: Any) -> Tensor:
        """Implement the array API's ``astype`` with TensorFlow."""
        return self._tf.cast(x, dtype)

    @contextlib.contextmanager
    def _place(self, device: str | None) -> Iterator[None]:
        if device:
            with self._tf.device(device):
                yield
        else:
            yield

    @contextlib.contextmanager
    def outside_trace(self) -> Iterator[None]:
        """Create tensors eagerly even while tracing, so they can be cached across traces."""
        with self._tf.init_scope():
            yield

    # ------------------------------------------------------------------ shapes
    def _shape(self, shape: Sequence[int | None]) -> Any:
        """Return a static shape, or a dynamic one where entries are ``None`` (module notes)."""
        shape = tuple(shape)
        if all(d is not None for d in shape):
            return shape
        if sum(d is None for d in shape) == 1 and not self._tf.executing_eagerly():
            lead = self._tf.shape(self._like)[:-1]
            rows = self._tf.reduce_prod(lead)
            return self._tf.stack([rows if d is None else d for d in shape])
        lead_static = tuple(self._like.shape[:-1])
        if shape[: len(lead_static)] == lead_static:  # the caller's leading axes, restored
            dynamic = self._tf.shape(self._like)[:-1]
            return self._tf.concat([dynamic, self._tf.constant(shape[len(lead_static) :])], 0)
        raise ValueError(
            f"cannot resolve shape {shape}: more than one axis of unknown size while tracing "
            "(give tf.function an input_signature with at most one unknown leading axis)"
        )

    def reshape(self, x: Tensor, shape: Sequence[int | None]) -> Tensor:
        """Implement the array API's ``reshape`` with TensorFlow."""
        shape = tuple(shape)
        if sum(d is None for d in shape) == 1 and all(d != -1 for d in shape):
            shape = tuple(-1 if d is None else d for d in shape)
        return self._tf.reshape(x, self._shape(shape))

    def permute_dims(self, x: Tensor, axes: Sequence[int]) -> Tensor:
        """Implement the array API's ``permute_dims`` with TensorFlow."""
        return self._tf.transpose(x, perm=list(axes))

    def concat(self, arrays: Sequence[Tensor], axis: int = 0) -> Tensor:
        """Implement the array API's ``concat`` with TensorFlow."""
        arrays = list(arrays)
        return arrays[0] if len(arrays) == 1 else self._tf.concat(arrays, axis=axis)

    def flip(self, x: Tensor, axis: int | None = None) -> Tensor:
        """Implement the array API's ``flip`` with TensorFlow."""
        if axis is None:
            raise NotImplementedError("flip without axis is not used by the cores")
        return self._tf.reverse(x, axis=[axis])

    def take(self, x: Tensor, indices: Tensor, axis: int | None = None) -> Tensor:
        """Implement the array API's ``take`` with TensorFlow."""
        if axis is None:
            raise NotImplementedError("take without axis is not used by the cores")
        return self._tf.gather(x, indices, axis=axis)

    # ------------------------------------------------------------------ arithmetic
    def sum(self, x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Implement the array API's ``sum`` with TensorFlow."""
        return self._tf.reduce_sum(x, axis=axis, keepdims=keepdims)

    def mean(self, x: Tensor, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Implement the array API's ``mean`` with TensorFlow."""
        return self._tf.reduce_mean(x, axis=axis, keepdims=keepdims)

    def all(self, x: Tensor) -> Tensor:
        """Implement the array API's ``all`` with TensorFlow."""
        return self._tf.reduce_all(x)

    def isfinite(self, x: Tensor) -> Tensor:
        """Implement the array API's ``isfinite`` with TensorFlow."""
        return self._tf.math.is_finite(x)

    def where(self, condition: Tensor, x1: Tensor, x2: Tensor) -> Tensor:
        """Implement the array API's ``where`` with TensorFlow."""
        return self._tf.where(condition, x1, x2)

    def matmul(self, x1: Tensor, x2: Tensor) -> Tensor:
        """Implement the array API's ``matmul`` with TensorFlow, at float32 precision.

        Where TensorFlow may run float32 products in TF32 (:func:`tf32_enabled`), the
        product is three TF32 products of split operands (:func:`matmul_3xtf32`).
        """
        tf = self._tf
        if x1.dtype == tf.float32 and x2.dtype == tf.float32 and tf32_enabled(tf):
            return matmul_3xtf32(tf)(x1, x2)
        return tf.linalg.matmul(x1, x2)

    def abs(self, x: Tensor) -> Tensor:
        """Implement the array API's ``abs`` with TensorFlow."""
        return self._tf.abs(x)

    def real(self, x: Tensor) -> Tensor:
        """Implement the array API's ``real`` with TensorFlow."""
        return self._tf.math.real(x)

    def imag(self, x: Tensor) -> Tensor:
        """Implement the array API's ``imag`` with TensorFlow."""
        return self._tf.math.imag(x)

    def conj(self, x: Tensor) -> Tensor:
        """Implement the array API's ``conj`` with TensorFlow."""
        return self._tf.math.conj(x)

    def hypot(self, x1: Tensor, x2: Tensor) -> Tensor:
        """``sqrt(x1**2 + x2**2)`` without overflow or underflow of the squares.

        The modulus of the complex number (TensorFlow has no ``hypot``) is computed with a
        scaled formula by TensorFlow's complex ``abs``; its gradient is ``z / |z|``, finite
        wherever ``|z| > 0`` (the cores shift ``x2`` by a tiny constant where gradients flow).
        """
        return self._tf.abs(self._tf.complex(x1, x2))


# ------------------------------------------------------------------ float32 products
# TensorFlow runs float32 matrix products in TF32 (10 mantissa bits: relative errors about
# 1e-3) on Ampere and newer GPUs unless ``tf.config.experimental.
# enable_tensor_float_32_execution(False)``; the JTFS's dense frequential operators and the
# global means are such products. Each operand is split into a part exact in TF32 and the
# rest, and the three products that matter are summed in float32 (the "3xTF32" scheme): about
# float32 accuracy (the dropped product of the two rests is below 2**-22 relative) for three
# times the products.


def tf32_enabled(tf: Any) -> bool:
    """Tell whether TensorFlow may run float32 products in TF32 (enabled and a GPU visible)."""
    return bool(tf.config.experimental.tensor_float_32_execution_enabled()) and _has_gpu(tf)


@functools.cache
def _has_gpu(tf: Any) -> bool:
    return bool(tf.config.list_physical_devices("GPU"))


def tf32_split(tf: Any, a: Tensor) -> tuple[Tensor, Tensor]:
    """Return ``(hi, lo)`` with ``a = hi + lo`` exactly, ``hi`` exact in TF32.

    ``hi`` is ``a`` rounded to 10 mantissa bits (half an ulp of TF32 added to the magnitude
    bits, the 13 low bits cleared), so ``|lo| <= 2**-11 |a|``.
    """
    bits = tf.bitcast(a, tf.int32)
    hi = tf.bitcast(tf.bitwise.bitwise_and(bits + 4096, -8192), tf.float32)
    return hi, a - hi


def _products(tf: Any, a: Tensor, b: Tensor) -> Tensor:
    a_hi, a_lo = tf32_split(tf, a)
    b_hi, b_lo = tf32_split(tf, b)
    mm = tf.linalg.matmul
    return mm(a_hi, b_hi) + (mm(a_hi, b_lo) + mm(a_lo, b_hi))


def _unbroadcast(tf: Any, grad: Tensor, like: Tensor) -> Tensor:
    """Sum ``grad`` over the batch axes along which ``like`` was broadcast."""
    while grad.shape.rank > like.shape.rank:
        grad = tf.reduce_sum(grad, axis=0)
    axes = [i for i, n in enumerate(like.shape[:-2]) if n == 1 and grad.shape[i] != 1]
    return tf.reduce_sum(grad, axis=axes, keepdims=True) if axes else grad


@functools.cache
def matmul_3xtf32(tf: Any) -> Callable[[Tensor, Tensor], Tensor]:
    """Return ``a @ b`` for float32 tensors as three TF32-exact products, differentiable."""

    @tf.custom_gradient
    def product(a: Tensor, b: Tensor) -> tuple[Tensor, Callable]:
        def grad(dy: Tensor) -> tuple[Tensor, Tensor]:
            da = _products(tf, dy, tf.linalg.matrix_transpose(b))
            db = _products(tf, tf.linalg.matrix_transpose(a), dy)
            return _unbroadcast(tf, da, a), _unbroadcast(tf, db, b)

        return _products(tf, a, b), grad

    return product
