"""Array-API primitives shared by the transforms (NumPy, PyTorch, JAX, CuPy, array-api-strict).

Everything here takes the namespace ``xp`` explicitly (from ``array_api_compat``, or
:mod:`scatterwave.core.tf_namespace` for TensorFlow) and is written with functions of the array
API standard and its ``fft`` extension, so one implementation serves every library, on every
device, differentiably.

A few functions take a library's own faster or exact path, chosen from the call's
:class:`~scatterwave.core.capabilities.Capabilities` (keyword ``caps``; resolved from the array
when None):

* :func:`modulus` squares the interleaved real view of a PyTorch complex tensor on CPU
  (``torch.view_as_real``, 2-2.5 times faster than ``hypot``), and :func:`range_scale` keeps
  those squares in range (``torch.no_grad``, ``torch.amax``, ``torch.exp2``);
* :func:`modulus_parts` asks PyTorch whether a gradient is being recorded
  (``torch.is_grad_enabled``) before shifting away from the non-differentiable point 0;
* :func:`matmul` asks JAX for full float32 precision (``jax.lax.Precision.HIGHEST``);
* :func:`as_index` makes JAX indices int32 (its default integer type).

PyTorch and JAX are imported inside those branches only, so NumPy users import neither.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from scatterwave.core.capabilities import (
    Capabilities,
    capabilities,
    is_functorch_wrapped,
    library_of,
)
from scatterwave.core.capabilities import is_traced as is_traced  # for the cores

Array = Any


def take(a: Array, indices: Array, axis: int, xp: Any) -> Array:
    """``xp.take(a, indices, axis=axis)`` for non-negative ``indices`` (all the cores use).

    PyTorch: ``index_select`` itself. array_api_compat's ``take`` first maps negative indices
    (a comparison, an addition and a ``where``: three more kernels per call, 78 in a JTFS
    forward at N=2^13).
    """
    if getattr(xp, "__name__", "") == "array_api_compat.torch":
        import torch

        return torch.index_select(a, axis % a.ndim, indices)
    return xp.take(a, indices, axis=axis)


def _caps(a: Array, caps: Capabilities | None) -> Capabilities:
    """Return ``caps``, or the capabilities of array ``a`` when None."""
    return capabilities(a) if caps is None else caps


def reflect_indices(N: int, pad_left: int, pad_right: int) -> np.ndarray:
    """Return indices of symmetric reflection without edge repetition (NumPy's "reflect").

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
        dev = device_of(x)
        left = xp.zeros((B, pad_left), dtype=x.dtype, device=dev)
        right = xp.zeros((B, pad_right), dtype=x.dtype, device=dev)
        return xp.concat([left, x, right], axis=-1)
    # Slices of ``x`` and of its reversal, concatenated: no gather, so the gradient is a sum of
    # slices too (a gather's gradient is an ``index_add``, which ``torch.compile`` miscompiled
    # for batches of 2 or more, writing out of bounds).
    x_rev = xp.flip(x, axis=-1) if N > 1 else x
    pieces = [
        x[:, lo:hi] if forward else x_rev[:, N - hi : N - lo]
        for lo, hi, forward in reflect_runs(N, pad_left, pad_right)
    ]
    return pieces[0] if len(pieces) == 1 else xp.concat(pieces, axis=-1)


def reflect_runs(N: int, pad_left: int, pad_right: int) -> list[tuple[int, int, bool]]:
    """:func:`reflect_indices` as runs of consecutive samples, ``(lo, hi, forward)``.

    Each run covers samples ``lo .. hi - 1`` of the signal, in increasing order when
    ``forward`` and decreasing order otherwise; concatenated, the runs give the indices of
    :func:`reflect_indices`. Three runs when both pads are shorter than ``N``.
    """
    if N == 1:
        return [(0, 1, True)] * (pad_left + 1 + pad_right)
    # Plain integer arithmetic (no NumPy), so that ``torch.compile`` folds it into constants.
    period = 2 * (N - 1)
    runs: list[tuple[int, int, bool]] = []
    t, end = -pad_left, N + pad_right
    while t < end:
        m = t % period
        if m < N:  # ascending: samples m, m + 1, ..., N - 1
            n = min(N - m, end - t)
            runs.append((m, m + n, True))
        else:  # descending: samples period - m, ..., 1
            n = min(period - m, end - t)
            runs.append((period - m - n + 1, period - m + 1, False))
        t += n
    return runs


def native_byte_order(x: Array) -> Array:
    """``x`` in the machine's byte order (a copy) if its dtype is byte-swapped, else ``x``.

    Data read from files or the network can be big-endian (``>f8``); its values are ordinary
    float32 / float64 numbers and are transformed as such.
    """
    dtype = getattr(x, "dtype", None)
    if isinstance(dtype, np.dtype) and not dtype.isnative:
        return x.astype(dtype.newbyteorder("="))
    return x


def as_index(idx: np.ndarray, like: Array, xp: Any, *, caps: Capabilities | None = None) -> Array:
    """Return an integer index array in ``like``'s library and device (int32 for JAX)."""
    jax = _caps(like, caps).library == "jax"
    return xp.asarray(np.asarray(idx, dtype=np.int32 if jax else np.int64), device=device_of(like))


#: Device copies of small index arrays, keyed by (what, library, device). Made once: a
#: host-to-device copy per call would synchronise a GPU and cannot be captured in a CUDA graph.
_INDEX_CACHE: dict[tuple, Array] = {}
_INDEX_CACHE_SIZE = 256


def cached_index(
    key: tuple,
    make: Callable[..., np.ndarray],
    like: Array,
    xp: Any,
    *,
    caps: Capabilities | None = None,
) -> Array:
    """Return ``as_index(make(*key[1:]), like, xp)``, converted once per library and device.

    ``key`` must identify the index array completely (its first item names the kind, the rest
    are ``make``'s arguments). Traced values get a fresh constant.
    """
    caps = _caps(like, caps)
    if caps.traced:
        return as_index(make(*key[1:]), like, xp, caps=caps)
    full = (*key, caps.library, type(like), str(device_of(like)))  # (type: any "other" library)
    idx = _INDEX_CACHE.get(full)
    if idx is None:
        if len(_INDEX_CACHE) >= _INDEX_CACHE_SIZE:
            _INDEX_CACHE.clear()
        idx = _INDEX_CACHE[full] = as_index(make(*key[1:]), like, xp, caps=caps)
    return idx


def device_rows(
    rows: np.ndarray, like: Array, xp: Any, *, caps: Capabilities | None = None
) -> Array:
    """Return integer ``rows`` as an index array on ``like``'s device (converted once)."""
    key = ("rows", np.asarray(rows, dtype=np.intp).tobytes())
    return cached_index(key, _from_bytes, like, xp, caps=caps)


def _from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=np.intp).copy()


def device_of(x: Array) -> Any:
    """Return the device ``x`` lives on, for ``device=`` arguments of the same library.

    Inside ``tf.function`` TensorFlow reports ``""`` (the default device). PyTorch's is read
    directly: array_api_compat's ``device`` goes through type checks cached by
    ``functools.lru_cache``, which ``torch.compile`` traces through with a warning each.
    """
    if library_of(x) in ("tensorflow", "torch"):  # TF: "" inside tf.function (the default)
        return x.device
    from array_api_compat import device

    return device(x)


def is_numpy(xp: Any) -> bool:
    """Tell whether ``xp`` is NumPy (plain or through ``array_api_compat``; no autodiff).

    For code that holds a namespace but no capabilities record; code given ``caps`` reads
    ``caps.library`` instead.
    """
    name = getattr(xp, "__name__", "")
    return name.endswith("numpy") and "jax" not in name


def complex_dtype(xp: Any, real_dtype: Any) -> Any:
    """Return the complex dtype matching a real floating dtype."""
    return xp.complex64 if real_dtype == xp.float32 else xp.complex128


def bandpass(
    spectrum: Array,
    gather: Array,
    filters: Array,
    n_rows: int,
    n_blocks: int,
    blocks_per_row: int,
    block: int,
    xp: Any,
    *,
    n_out: int | None = None,
) -> Array:
    """``IFFT(fold(spectrum * filter))`` for many rows at once (complex, unscaled).

    Parameters
    ----------
    spectrum : complex array, shape (B, R, n_bins)
        Positive-frequency bins of ``R`` real input rows, ``n_bins >= blocks_per_row * block``
        (see :func:`extend_bins`).
    gather : int array, shape (n_rows * n_blocks,)
        Block indices into the ``(R * blocks_per_row, block)`` block view of ``spectrum``.
    filters : real array, shape (n_rows, n_blocks * block)
        Each output row's filter window (block-aligned, see
        :func:`scatterwave.core.plan._band_windows`).
    block : int
        Bins per block: the output length ``M`` when the ``n_blocks`` blocks are folded
        (Fourier subsampling), or fewer when the output is longer than the input's band (no
        fold: the inverse FFT zero-pads the window to ``n_out`` bins).
    n_out : int, optional
        Output length ``M`` (default ``block``).

    Returns
    -------
    complex array, shape (B, n_rows, n_out)
        The analytic signal ``(x * psi)[::2**k]`` when the filter windows include the
        subsampling factor ``1 / 2**k`` (as the plans' compiled windows do); ``2**k`` times it
        otherwise.
    """
    B, R, n_bins = spectrum.shape
    width = blocks_per_row * block
    if width < n_bins:
        spectrum = spectrum[..., :width]
    elif width > n_bins:
        raise ValueError(f"spectrum has {n_bins} bins; {width} needed (use extend_bins first)")
    blocks = xp.reshape(spectrum, (B, R * blocks_per_row, block))
    picked = take(blocks, gather, 1, xp)
    picked = xp.reshape(picked, (B, n_rows, n_blocks, block))
    # In place: ``picked`` is a fresh gather, and a new temporary of this size costs about as
    # much as an FFT over it; this beats a broadcast product without the gather (measured).
    # JAX arrays are immutable: there ``*=`` rebinds the name. Where PyTorch records a graph
    # through it, out of place: an in-place product on the view records a CopySlices node,
    # whose backward pass copies the whole gather twice more (4 operators per band).
    windows = xp.reshape(filters, (1, n_rows, n_blocks, block))
    if getattr(picked, "requires_grad", False):
        picked = picked * windows
    elif n_blocks == 1 and n_out is not None and n_out > block and _writes_into(picked):
        # The zero-padded window of the longer inverse FFT, the product written into it:
        # two kernels instead of the product, the padding's fill and its copy.
        import torch

        padded = torch.zeros((B, n_rows, n_out), dtype=picked.dtype, device=picked.device)
        torch.mul(picked[:, :, 0], windows[:, :, 0], out=padded[..., :block])
        return torch.fft.ifft(padded, dim=-1)
    else:
        picked *= windows
    folded = xp.sum(picked, axis=2) if n_blocks > 1 else xp.reshape(picked, (B, n_rows, block))
    del picked  # not alive during the FFT (peak memory)
    if n_out is None or n_out == block:
        return xp.fft.ifft(folded, axis=-1)
    return xp.fft.ifft(folded, n=n_out, axis=-1)


def _writes_into(a: Array) -> bool:
    """Tell whether products may be written into a slice with ``out=`` (eager PyTorch)."""
    caps = _caps(a, None)
    return caps.library == "torch" and not caps.traced and not is_functorch_wrapped(a)


def bandpass_pairs(
    spectrum: Array,
    first_row: int,
    n_rows_in: int,
    start_block: int,
    filters: Array,
    n_blocks: int,
    block: int,
    xp: Any,
) -> Array:
    """:func:`bandpass` for every pair of input row and filter, without a gather.

    Output row ``i * n_filters + f`` is input row ``first_row + i`` filtered by filter ``f``;
    every filter's window starts at block ``start_block``. The product is a broadcast over a
    view of the spectrum, so no copy of the input blocks is made.

    Parameters
    ----------
    spectrum : complex array, shape (B, R, n_bins)
        ``n_bins >= (start_block + n_blocks) * block``.
    filters : array, shape (n_filters, n_blocks * block)

    Returns
    -------
    complex array, shape (B, n_rows_in * n_filters, block)
    """
    B = spectrum.shape[0]
    n_filt = filters.shape[0]
    lo, hi = start_block * block, (start_block + n_blocks) * block
    if hi > spectrum.shape[-1]:
        raise ValueError(f"spectrum has {spectrum.shape[-1]} bins; {hi} needed (extend_bins)")
    view = xp.reshape(
        spectrum[:, first_row : first_row + n_rows_in, lo:hi], (B, n_rows_in, 1, n_blocks, block)
    )
    product = view * xp.reshape(filters, (1, 1, n_filt, n_blocks, block))
    folded = xp.sum(product, axis=3) if n_blocks > 1 else product
    del product
    return xp.fft.ifft(xp.reshape(folded, (B, n_rows_in * n_filt, block)), axis=-1)


def modulus(
    z: Array, xp: Any, *, overwrite: bool = False, caps: Capabilities | None = None
) -> Array:
    """Take ``|z|`` of complex ``z``, with a finite (not NaN) gradient at ``z = 0``.

    With ``overwrite=True`` the caller declares ``z`` a temporary that may be destroyed
    (PyTorch without gradient recording squares it in place: one allocation and first touch of
    fresh memory less, about 5 % of a Scattering1D call).

    How is ``caps.modulus`` (``caps``: the capabilities of the call, resolved from ``z`` when
    None). ``"abs"``: NumPy's ``abs``; on accelerators PyTorch's ``abs`` where a gradient is
    recorded (overflow-safe, zero gradient at 0) and ``hypot`` of the real and imaginary
    views where none is (one kernel: complex ``abs`` runs two, see
    :func:`_modulus_torch_accelerator`; launches and memory traffic bound a GPU forward).
    ``"squares"`` (PyTorch on CPU): squares the interleaved real view
    (contiguous, vectorised), adds the two parts and takes the square root: 2-2.5 times faster
    on CPU than ``hypot`` on the strided real and imaginary views, and 5 times faster than
    complex ``abs`` (measured, complex64). Squaring needs ``|z|`` within about
    ``1e-19 .. 1e19`` in float32, so the cores call :func:`range_scale` on their input first.
    ``"hypot"`` (the other libraries): ``hypot(re, im)`` (:func:`modulus_parts`).
    """
    caps = _caps(z, caps)
    if caps.modulus == "abs":
        return _modulus_torch_accelerator(z) if caps.library == "torch" else xp.abs(z)
    if caps.modulus == "squares":
        return _modulus_torch(z, overwrite)
    return modulus_parts(xp.real(z), xp.imag(z), xp, caps=caps)


def _modulus_torch_accelerator(z: Array) -> Array:
    """``|z|`` of a torch complex tensor off the CPU.

    Without gradient recording, ``hypot`` of its real and imaginary views: one kernel and no
    temporary, where PyTorch's complex ``abs`` computes a complex result and then copies its
    real part (two kernels; 28 bytes moved per complex64 element against 12). Where a
    gradient is recorded, ``abs`` (its backward pass, ``sgn`` and a product, gives a zero
    gradient at ``z = 0``; a node around ``hypot`` needs one kernel more there to do so).
    """
    import torch

    if torch.is_grad_enabled():
        return torch.abs(z)
    return torch.hypot(z.real, z.imag)


def _modulus_torch(z: Array, overwrite: bool) -> Array:
    """``sqrt(re**2 + im**2)`` of a torch complex tensor; see :func:`modulus`.

    Where a gradient is recorded, the smallest normal number of the dtype is added under the
    root (``|z|`` changes only below ``1e-19`` in float32, ``1e-154`` in float64), which keeps the
    gradient finite (zero) at ``z = 0``.
    """
    import torch

    if torch.is_grad_enabled():
        # Compiled graphs take the composed operators: the node saves eager autograd work
        # only, and TorchDynamo's handling of a Function warns (PyTorch's own deprecation).
        if z.numel() > NODE_MODULUS_INTERLEAVED and not torch.compiler.is_compiling():
            from scatterwave.core.torch_modulus import Modulus

            return Modulus.apply(z)
        squares = torch.view_as_real(z).square()
        total = torch.add(squares[..., 0], squares[..., 1])
        return torch.sqrt(total + torch.finfo(total.dtype).smallest_normal)
    if z.numel() <= _SMALL_MODULUS:  # one dispatch instead of five: faster on small tensors
        return torch.abs(z)
    parts = torch.view_as_real(z)
    squares = parts.square_() if overwrite else parts.square()
    return torch.add(squares[..., 0], squares[..., 1]).sqrt_()


#: Where PyTorch records gradients on CPU, moduli of more than this many elements are one
#: autograd node (:mod:`scatterwave.core.torch_modulus`): its Python ``Function`` costs about
#: 20-30 us a call more, which the fused backward repays above about 10,000 elements
#: (interleaved) and 40,000 (stacked parts): forward and backward of one float32 modulus, 201
#: vs 178 us at 16,384 elements, 8.7 vs 4.5 ms at 655,360 (interleaved); 1.31 vs 0.58 ms at
#: 131,072 (stacked), measured 2026-12-06. Accelerators, where each operator is a kernel
#: launch, take the node at every size (stacked) or PyTorch's own ``abs`` (interleaved).
NODE_MODULUS_INTERLEAVED = 8192
NODE_MODULUS_STACKED = 32768

#: Below this many elements PyTorch's complex ``abs`` (one call) beats the squares (five calls)
#: on CPU: 7 vs 14 us at 512 elements, 13 vs 17 at 2048, 36 vs 27 at 4096 (measured).
_SMALL_MODULUS = 2048


def range_scale(
    x: Array, xp: Any, *, caps: Capabilities | None = None
) -> tuple[Array, Array | None]:
    """Bring each row of ``x`` (shape ``(B, N)``) to a peak near 1 where the modulus squares.

    Every transform is positively homogeneous (``S(a x) = a S(x)`` for ``a > 0``), so dividing
    each row by a power of two ``s`` (the nearest to its peak ``max |x|``) and multiplying the
    outputs by ``s`` (:func:`unscale`) changes no result, not even by round-off: scaling by a
    power of two is exact. It keeps the squares in :func:`_modulus_torch` away from float32
    underflow and overflow (a strain signal of amplitude ``1e-21`` squared is ``1e-42``).
    ``s`` is a constant for autodiff. Only where ``caps.range_scale`` (PyTorch on CPU, whose
    modulus squares); elsewhere ``x`` is returned as is.

    Returns
    -------
    x_scaled : array, shape (B, N)
    scale : array, shape (B, 1), or None when ``x`` is returned unchanged
    """
    if not _caps(x, caps).range_scale:
        return x, None
    import torch

    with torch.no_grad():
        peak = torch.amax(torch.abs(x), dim=-1, keepdim=True)
        peak = torch.where(peak > 0, peak, torch.ones_like(peak))
        scale = torch.exp2(torch.round(torch.log2(peak)))
    return x / scale, scale


def unscale(coef: Array, scale: Array | None) -> Array:
    """Undo :func:`range_scale` on an output block of shape ``(B, ...)``."""
    if scale is None:
        return coef
    return coef * scale.reshape((scale.shape[0],) + (1,) * (coef.ndim - 1))


def modulus_stacked(z: Array, axis: int, xp: Any, *, caps: Capabilities | None = None) -> Array:
    """Take :func:`modulus_parts` of the two entries of ``z``'s ``axis`` (real, imaginary).

    ``z`` is real with ``z.shape[axis] == 2``; the result drops that axis. Where PyTorch
    records gradients (on CPU: above :data:`NODE_MODULUS_STACKED` elements) this is one
    autograd node (:class:`scatterwave.core.torch_modulus.StackedModulus`) whose backward
    writes the gradient of both parts in one product, instead of a ``hypot`` node and two
    ``select`` nodes that each fill a zero tensor of ``z``'s size.
    """
    caps = _caps(z, caps)
    if caps.library == "torch":
        import torch

        large = not caps.on_cpu or z.numel() > 2 * NODE_MODULUS_STACKED
        if torch.is_grad_enabled() and large and not caps.traced:  # traced: as in modulus
            from scatterwave.core.torch_modulus import StackedModulus

            return StackedModulus.apply(z, axis)
    lead = (slice(None),) * (axis % z.ndim)
    return modulus_parts(z[(*lead, 0, ...)], z[(*lead, 1, ...)], xp, caps=caps)


def modulus_parts(re: Array, im: Array, xp: Any, *, caps: Capabilities | None = None) -> Array:
    """Take ``sqrt(re**2 + im**2)`` from separate real and imaginary parts.

    Where gradients can flow (JAX, TensorFlow; PyTorch unless gradient recording is off, as under
    ``torch.no_grad()`` or ``torch.inference_mode()``) the modulus is
    ``hypot(re, im + c)`` with ``c = sqrt(smallest normal number)`` of the dtype: the shift
    changes no result above ``c`` (``1e-19`` in float32, ``1e-154`` in float64) by more than a
    relative ``c / |z|`` and keeps the gradient finite at zero. Elsewhere it is skipped (one
    pass less). Contiguous parts make this several times faster than the modulus of an
    interleaved complex array in PyTorch on CPU (vectorised ``hypot``).
    """
    if _needs_gradient(re, xp, caps=caps):
        im = im + math.sqrt(xp.finfo(re.dtype).smallest_normal)
    return xp.hypot(re, im)


def _needs_gradient(a: Array, xp: Any, *, caps: Capabilities | None = None) -> bool:
    """Tell whether a gradient may be taken through ``a`` (JAX, TensorFlow; PyTorch if recording).

    PyTorch is asked about its grad mode, not ``a.requires_grad``: ``torch.func`` transforms
    differentiate tensors that do not report ``requires_grad``.
    """
    library = _caps(a, caps).library
    if library in ("jax", "tensorflow"):  # TensorFlow: a tape may be recording, unseen here
        return True
    if library == "torch":
        import torch

        return torch.is_grad_enabled()
    return False


def extend_bins(spectrum: Array, width: int, xp: Any) -> Array:
    """Zero-extend (or keep) the last axis of ``spectrum`` to at least ``width`` bins."""
    n_bins = spectrum.shape[-1]
    if width <= n_bins:
        return spectrum
    shape = (*spectrum.shape[:-1], width - n_bins)
    zeros = xp.zeros(shape, dtype=spectrum.dtype, device=device_of(spectrum))
    return xp.concat([spectrum, zeros], axis=-1)


def spectrum_bins(spectrum: Array, n_keep: int, width: int, xp: Any) -> Array:
    """Return the first ``n_keep`` bins of ``spectrum``, zero-extended to ``width``, as a copy.

    Always contiguous: the block views of :func:`bandpass` reshape it, which copies a sliced
    (strided) array on every call.
    """
    kept = spectrum[..., :n_keep]
    if width > n_keep:
        return extend_bins(kept, width, xp)
    return xp.concat([kept], axis=-1)  # a copy (``asarray(copy=True)`` warns under autograd)


def lowpass(
    spectrum: Array, phi: Array, n_bins: int, k_avg: int, xp: Any, *, scale: float = 1.0
) -> Array:
    """Low-pass filter and subsample real rows given their rfft ``spectrum`` (..., L // 2 + 1).

    The low-pass is applied by truncating its spectrum at the output Nyquist frequency
    (``n_bins = L // 2**k_avg // 2 + 1``); the discarded tail of ``phi_T`` is below
    ``exp(-12.5) ~ 4e-6`` of its peak. The result is multiplied by ``scale`` (a caller's
    constant factor, folded into the one product the subsampling needs).
    """
    L_out = 2 * (n_bins - 1)
    return xp.fft.irfft(spectrum[..., :n_bins] * phi, n=L_out, axis=-1) * (scale / 2**k_avg)


def matmul(a: Array, b: Array, xp: Any, *, caps: Capabilities | None = None) -> Array:
    """Multiply matrices, ``a @ b``, at the full precision of the dtype on every device.

    JAX's default float32 matrix product on GPUs and TPUs rounds its operands to TF32 or
    bfloat16 class precision (relative error about 1e-4 to 1e-3 per product); the scattering
    operators need float32 accuracy (1e-7), so JAX is asked for ``Precision.HIGHEST``.
    PyTorch's default (``torch.backends.cuda.matmul.allow_tf32 = False``) is already exact to
    float32; a user who enables TF32 globally gets what they asked for.
    """
    library = _caps(a, caps).library
    if library == "jax":
        import jax

        return xp.matmul(a, b, precision=jax.lax.Precision.HIGHEST)
    if library == "torch" and a.dtype == b.dtype:
        import torch

        if a.ndim == 3 and b.ndim == 2 and a.requires_grad:
            # matmul folds ``a`` into one matrix, so its backward pass reshapes the incoming
            # gradient: a copy whenever that gradient is a slice (of a concatenation's).
            # bmm's backward multiplies the strided gradient as it is.
            return torch.bmm(a, b.expand(a.shape[0], *b.shape))
        return torch.matmul(a, b)  # without the compat layer's promotion checks (host time)
    return xp.matmul(a, b)
