"""Array-API primitives shared by the transforms (NumPy, PyTorch, JAX, CuPy, array-api-strict).

Everything here takes the namespace ``xp`` explicitly (from ``array_api_compat``) and uses only
functions of the array API standard and its ``fft`` extension, so one implementation serves every
library, on every device, differentiably.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

Array = Any


def reflect_indices(N: int, pad_left: int, pad_right: int) -> np.ndarray:
    """Indices implementing symmetric reflection without edge repetition (NumPy's "reflect").

    Works for pads longer than the signal (the reflection repeats), shape
    ``(pad_left + N + pad_right,)``.
    """
    t = np.arange(-pad_left, N + pad_right)
    if N == 1:
        return np.zeros_like(t)
    period = 2 * (N - 1)
    t = np.mod(t, period)
    return np.where(t < N, t, period - t)


def pad(
    x: Array,
    pad_left: int,
    pad_right: int,
    mode: str | Callable,
    xp: Any,
    index_cache: dict | None = None,
) -> Array:
    """Pad the last axis of ``x`` (shape ``(B, N)``) by ``pad_left`` and ``pad_right`` samples.

    Parameters
    ----------
    mode : {"reflect", "zero"} or callable
        A callable is called as ``mode(x, pad_left, pad_right)`` and must return an array of
        shape ``(B, pad_left + N + pad_right)`` of the same library.
    """
    B, N = x.shape
    if pad_left == 0 and pad_right == 0:
        return x
    if callable(mode):
        out = mode(x, pad_left, pad_right)
        expected = (B, N + pad_left + pad_right)
        if tuple(out.shape) != expected:
            raise ValueError(
                f"the pad_mode callable returned shape {tuple(out.shape)}; expected {expected} "
                "(it is called as pad_mode(x, pad_left, pad_right) on x of shape (batch, N))"
            )
        return out
    if mode == "zero":
        dev = _device(x)
        left = xp.zeros((B, pad_left), dtype=x.dtype, device=dev)
        right = xp.zeros((B, pad_right), dtype=x.dtype, device=dev)
        return xp.concat([left, x, right], axis=-1)
    idx = reflect_indices(N, pad_left, pad_right)
    return xp.take(x, as_index(idx, x, xp), axis=-1)


def as_index(idx: np.ndarray, like: Array, xp: Any) -> Array:
    """Integer index array in ``like``'s library and device."""
    return xp.asarray(
        np.asarray(idx, dtype=np.int32 if _is_jax(xp) else np.int64), device=_device(like)
    )


def _device(x: Array) -> Any:
    from array_api_compat import device

    return device(x)


def is_numpy(xp: Any) -> bool:
    """True for NumPy (plain or through ``array_api_compat``), which has no autodiff."""
    name = getattr(xp, "__name__", "")
    return name.endswith("numpy") and "jax" not in name


def _is_jax(xp: Any) -> bool:
    return "jax" in getattr(xp, "__name__", "")


def complex_dtype(xp: Any, real_dtype: Any) -> Any:
    """The complex dtype matching a real floating dtype."""
    return xp.complex64 if real_dtype == xp.float32 else xp.complex128


def bandpass(
    spectrum: Array,
    gather: Array,
    filters: Array,
    n_rows: int,
    n_blocks: int,
    blocks_per_row: int,
    M: int,
    xp: Any,
) -> Array:
    """``IFFT(fold(spectrum * filter))`` for many rows at once (complex, unscaled).

    Parameters
    ----------
    spectrum : complex array, shape (B, R, n_bins)
        Positive-frequency bins of ``R`` real input rows, ``n_bins >= blocks_per_row * M``
        (see :func:`extend_bins`).
    gather : int array, shape (n_rows * n_blocks,)
        Block indices into the ``(R * blocks_per_row, M)`` block view of ``spectrum``.
    filters : real array, shape (n_rows, n_blocks * M)
        Each output row's filter window (block-aligned, see
        :func:`scatterwave.core.plan._band_windows`).

    Returns
    -------
    complex array, shape (B, n_rows, M)
        The analytic signal ``(x * psi)[::2**k]`` when the filter windows include the
        subsampling factor ``1 / 2**k`` (as the plans' compiled windows do); ``2**k`` times it
        otherwise.
    """
    B, R, n_bins = spectrum.shape
    width = blocks_per_row * M
    if width < n_bins:
        spectrum = spectrum[..., :width]
    elif width > n_bins:
        raise ValueError(f"spectrum has {n_bins} bins; {width} needed (use extend_bins first)")
    blocks = xp.reshape(spectrum, (B, R * blocks_per_row, M))
    picked = xp.take(blocks, gather, axis=1)
    picked = xp.reshape(picked, (B, n_rows, n_blocks, M))
    # In place: ``picked`` is a fresh gather, and a new temporary of this size costs about as
    # much as an FFT over it; this beats a broadcast product without the gather (measured).
    # JAX arrays are immutable: there ``*=`` rebinds the name.
    picked *= xp.reshape(filters, (1, n_rows, n_blocks, M))
    folded = xp.sum(picked, axis=2) if n_blocks > 1 else xp.reshape(picked, (B, n_rows, M))
    del picked  # not alive during the FFT (peak memory)
    return xp.fft.ifft(folded, axis=-1)


def modulus(z: Array, xp: Any) -> Array:
    """``|z|`` for complex ``z``, with a finite (not NaN) gradient at ``z = 0``.

    NumPy's ``abs`` is used directly. For the other libraries the modulus is
    ``hypot(re, im)`` on the real and imaginary views (3 times faster than complex ``abs`` in
    PyTorch on CPU); see :func:`modulus_parts` for the gradient at zero.
    """
    if is_numpy(xp):
        return xp.abs(z)
    return modulus_parts(xp.real(z), xp.imag(z), xp)


def modulus_parts(re: Array, im: Array, xp: Any) -> Array:
    """``sqrt(re**2 + im**2)`` from separate real and imaginary parts.

    Where gradients can flow (JAX; PyTorch unless gradient recording is off, as under
    ``torch.no_grad()`` or ``torch.inference_mode()``) the modulus is
    ``hypot(re, im + c)`` with ``c = sqrt(smallest normal number)`` of the dtype: the shift
    changes no result above ``c`` (``1e-19`` in float32, ``1e-154`` in float64) by more than a
    relative ``c / |z|`` and keeps the gradient finite at zero. Elsewhere it is skipped (one
    pass less). Contiguous parts make this several times faster than the modulus of an
    interleaved complex array in PyTorch on CPU (vectorised ``hypot``).
    """
    if _needs_gradient(re, xp):
        im = im + math.sqrt(xp.finfo(re.dtype).smallest_normal)
    return xp.hypot(re, im)


def _needs_gradient(a: Array, xp: Any) -> bool:
    """Whether a gradient may be taken through ``a`` (JAX always; PyTorch when recording).

    PyTorch is asked about its grad mode, not ``a.requires_grad``: ``torch.func`` transforms
    differentiate tensors that do not report ``requires_grad``.
    """
    if _is_jax(xp):
        return True
    if type(a).__module__.startswith("torch"):
        import torch

        return torch.is_grad_enabled()
    return False


def extend_bins(spectrum: Array, width: int, xp: Any) -> Array:
    """Zero-extend (or keep) the last axis of ``spectrum`` to at least ``width`` bins."""
    n_bins = spectrum.shape[-1]
    if width <= n_bins:
        return spectrum
    shape = (*spectrum.shape[:-1], width - n_bins)
    zeros = xp.zeros(shape, dtype=spectrum.dtype, device=_device(spectrum))
    return xp.concat([spectrum, zeros], axis=-1)


def lowpass(spectrum: Array, phi: Array, n_bins: int, k_avg: int, xp: Any) -> Array:
    """Low-pass filter and subsample real rows given their rfft ``spectrum`` (..., L // 2 + 1).

    The low-pass is applied by truncating its spectrum at the output Nyquist frequency
    (``n_bins = L // 2**k_avg // 2 + 1``); the discarded tail of ``phi_T`` is below
    ``exp(-12.5) ~ 4e-6`` of its peak.
    """
    L_out = 2 * (n_bins - 1)
    return xp.fft.irfft(spectrum[..., :n_bins] * phi, n=L_out, axis=-1) * (1.0 / 2**k_avg)


def is_traced(x: Array) -> bool:
    """True for abstract values being traced (``jax.jit``), whose contents cannot be inspected."""
    module = type(x).__module__
    if not module.startswith("jax"):
        return False
    import jax

    return isinstance(x, jax.core.Tracer)
