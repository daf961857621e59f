r"""Functional B-spline lifting and group convolutions on a discrete scale grid.

All operators are cross-correlations (the ``torch.nn.functional.conv1d`` convention) with
the sampled, dilated and ``1/s``-normalised kernels of :mod:`scatterwave.nn.bspline`:

.. math:: y_o(t) = \sum_c \sum_{u \in Z} x_c(t + u)\, s^{-1} \psi_{o,c}(u / s).

Every implementation below computes exactly this sum (up to floating-point round-off):

``"direct"``
    one ``conv1d`` with the dense sampled kernel (``s (K - 1) + 2 M_s + 1`` taps);
``"two-step"``
    blur every input channel with ``b_s[m] = B2(m / s)``, then a ``K``-tap ``conv1d``
    dilated by ``s``, times ``1/s``. The blur switches to an FFT when the spline has more
    than ``FFT_BLUR_MIN_TAPS`` taps (large dilations);
``"fft"``
    multiplication of spectra with the dense kernel.

``"auto"`` picks ``"direct"`` or ``"two-step"`` per scale from an operation count. With
``"same"`` (zero) padding, kernel taps that can only meet padding are dropped first, which
is exact and matters for deep layers where ``s K`` exceeds the signal length.

With ``"same"`` padding the ``"auto"``, ``"direct"`` and ``"two-step"`` methods compute all
scales of a call in one autograd node (:mod:`scatterwave.nn._multiscale`) that saves only
the input and the weights, and the two-step method blurs whichever side has fewer
channels (the input before, or the output after the dilated correlation). This keeps the
memory that training holds per layer at the size of the layer's input.

Under :func:`torch.autocast` these operators compute in the weights' precision (float32 for
a float32 module), with the input cast to it: like the normalisations on autocast's float32
list, and because blurs and spectra of half-precision inputs lose the accuracy that the
B-spline kernels are designed for (and oneDNN has no bfloat16 dilated correlation for some
shapes).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Literal, ParamSpec, TypeVar, cast

import torch
import torch.nn.functional as F
from scipy.fft import next_fast_len

from scatterwave.nn._multiscale import FFT_BLUR_MIN_TAPS, multiscale_conv1d, plan_steps
from scatterwave.nn._multiscale import blur_valid as _blur_valid
from scatterwave.nn._multiscale import fft_ready as _fft_ready
from scatterwave.nn.bspline import blur_half_width, blur_taps, sampled_kernel
from scatterwave.nn.group import _validate_int

__all__ = [
    "FFT_BLUR_MIN_TAPS",
    "Method",
    "Padding",
    "bspline_conv1d",
    "group_conv1d",
    "lifting_conv1d",
    "scale_window_linear",
]

Method = Literal["auto", "direct", "two-step", "fft"]
Padding = Literal["same", "circular"]

_METHODS = ("auto", "direct", "two-step", "fft")
_PADDINGS = ("same", "circular")


_P = ParamSpec("_P")
_R = TypeVar("_R")


def outside_autocast(
    fn: Callable[..., _R], x: torch.Tensor, dtype: torch.dtype, *args: object, **kwargs: object
) -> _R:
    """Return ``fn(x, *args, **kwargs)`` computed outside autocast.

    Where autocast is on for ``x``'s device, ``fn`` runs with it off and a floating ``x``
    cast to ``dtype``; elsewhere ``x`` is passed as is.
    """
    if not torch.is_autocast_enabled(x.device.type):
        return fn(x, *args, **kwargs)
    with torch.autocast(x.device.type, enabled=False):
        return fn(x.to(dtype) if x.is_floating_point() else x, *args, **kwargs)


def _full_precision(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``fn(x, weight, ...)`` with autocast off and ``x`` in ``weight``'s dtype."""

    @functools.wraps(fn)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        x, weight = cast(torch.Tensor, args[0]), cast(torch.Tensor, args[1])
        return outside_autocast(fn, x, weight.dtype, *args[1:], **kwargs)

    return run


def _check_options(padding: str, method: str) -> None:
    if padding not in _PADDINGS:
        raise ValueError(
            f"padding must be one of {_PADDINGS} ('same': zero padding with an output as "
            f"long as the input; 'circular': periodic signal), got {padding!r}."
        )
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}.")


def _fold(kernel: torch.Tensor, half: int, period: int) -> torch.Tensor:
    """Wrap taps ``u = -half … half`` of ``kernel`` onto ``u mod period``."""
    index = torch.arange(-half, half + 1, device=kernel.device) % period
    out = kernel.new_zeros((*kernel.shape[:-1], period))
    return out.index_add(-1, index, kernel)


def _circular_pad(x: torch.Tensor, left: int, right: int) -> torch.Tensor:
    period = x.shape[-1]
    index = torch.arange(-left, period + right, device=x.device) % period
    return x[..., index]


def _direct_circular(x: torch.Tensor, weight: torch.Tensor, scale: int) -> torch.Tensor:
    kernel = sampled_kernel(weight, scale)
    half = kernel.shape[-1] // 2
    length = x.shape[-1]
    if kernel.shape[-1] > length:
        folded = _fold(kernel, half, length)
        return F.conv1d(_circular_pad(x, 0, length - 1), folded)
    return F.conv1d(_circular_pad(x, half, half), kernel)


def _blur_circular(x: torch.Tensor, taps: torch.Tensor, use_fft: bool) -> torch.Tensor:
    length = x.shape[-1]
    half = taps.shape[-1] // 2
    if not use_fft:
        if taps.shape[-1] > length:
            folded = _fold(taps, half, length)
            return _blur_valid(_circular_pad(x, 0, length - 1), folded, use_fft=False)
        return _blur_valid(_circular_pad(x, half, half), taps, use_fft=False)
    folded = _fold(_fft_ready(taps), half, length)
    spectrum = torch.fft.rfft(_fft_ready(x)) * torch.fft.rfft(folded).conj()
    return torch.fft.irfft(spectrum, length).to(x.dtype)


def _two_step_circular(
    x: torch.Tensor, weight: torch.Tensor, scale: int, use_fft: bool
) -> torch.Tensor:
    half_k = weight.shape[-1] // 2
    taps = torch.as_tensor(blur_taps(scale), dtype=x.dtype, device=x.device)
    blurred = _blur_circular(x, taps, use_fft)
    reach = scale * half_k
    return F.conv1d(_circular_pad(blurred, reach, reach), weight, dilation=scale) / scale


def _fft(x: torch.Tensor, weight: torch.Tensor, scale: int, padding: str) -> torch.Tensor:
    dtype = x.dtype
    x = _fft_ready(x)
    kernel = _fft_ready(sampled_kernel(weight, scale))
    half = kernel.shape[-1] // 2
    length = x.shape[-1]
    if padding == "circular":
        folded = _fold(kernel, half, length)
        spectrum = torch.einsum("bcf,ocf->bof", torch.fft.rfft(x), torch.fft.rfft(folded).conj())
        return torch.fft.irfft(spectrum, length).to(dtype)
    if half > length - 1:
        kernel = kernel[..., half - (length - 1) : half + length]
        half = length - 1
    n_fft = next_fast_len(length + 2 * half, real=True)
    spectrum = torch.einsum(
        "bcf,ocf->bof", torch.fft.rfft(x, n_fft), torch.fft.rfft(kernel.flip(-1), n_fft)
    )
    return torch.fft.irfft(spectrum, n_fft)[..., half : half + length].to(dtype)


def _auto_method(
    length: int, c_in: int, c_out: int, kernel_size: int, scale: int
) -> Literal["direct", "two-step"]:
    half_k = kernel_size // 2
    half_b = blur_half_width(scale)
    dense_taps = min(2 * (scale * half_k + half_b) + 1, 2 * length - 1)
    kept_taps = 2 * min(half_k, (length - 1 + half_b) // scale) + 1
    blur_cost = min(2 * half_b + 1, FFT_BLUR_MIN_TAPS)
    direct_cost = c_out * c_in * dense_taps
    two_step_cost = c_in * blur_cost + c_out * c_in * kept_taps
    return "direct" if direct_cost <= two_step_cost else "two-step"


@_full_precision
def bspline_conv1d(
    x: torch.Tensor,
    weight: torch.Tensor,
    scale: int,
    *,
    padding: Padding = "same",
    method: Method = "auto",
) -> torch.Tensor:
    """Cross-correlate with B-spline kernels dilated to one integer scale.

    Parameters
    ----------
    x : torch.Tensor, shape (B, C_in, T)
        Input signals (floating point).
    weight : torch.Tensor, shape (C_out, C_in, K)
        B-spline coefficients, ``K`` odd, same dtype and device as ``x``.
    scale : int
        Positive integer scale ``s``: the kernel ``s^-1 psi(u / s)``.
    padding : {"same", "circular"}, default "same"
        Boundary handling: zeros outside ``[0, T)``, or a periodic input.
    method : {"auto", "direct", "two-step", "fft"}, default "auto"
        Implementation (see the module docstring); all give the same result up to
        floating-point round-off.

    Returns
    -------
    torch.Tensor, shape (B, C_out, T)
    """
    _check_options(padding, method)
    _check_shapes(x, weight, ("(B, C_in, T)", (3,)), ("(C_out, C_in, K)", 3))
    _check_tensors(x, weight)
    if padding == "same" and method != "fft":
        return _multiscale(x[:, :, None], weight[:, :, None], [(0, 1, scale)], method)[:, :, 0]
    if method == "auto":
        method = _auto_method(x.shape[-1], x.shape[1], weight.shape[0], weight.shape[-1], scale)
    if method == "direct":
        return _direct_circular(x, weight, scale)
    if method == "fft":
        return _fft(x, weight, scale, padding)
    use_fft = 2 * blur_half_width(scale) + 1 > FFT_BLUR_MIN_TAPS
    return _two_step_circular(x, weight, scale, use_fft)


def _check_shapes(
    x: torch.Tensor,
    weight: torch.Tensor,
    x_layout: tuple[str, tuple[int, ...]],
    weight_layout: tuple[str, int],
) -> None:
    """Check the ranks of ``x`` and ``weight`` and their common ``C_in`` (axis 1).

    Each layout is the shape's description and the rank (for ``x``, the ranks) allowed.
    """
    (x_shape, x_ranks), (weight_shape, weight_rank) = x_layout, weight_layout
    if x.ndim not in x_ranks or weight.ndim != weight_rank or x.shape[1] != weight.shape[1]:
        raise ValueError(
            f"expected x of shape {x_shape} and weight of shape {weight_shape} with the same "
            f"C_in, got x {tuple(x.shape)} and weight {tuple(weight.shape)}."
        )


def _add_bias(out: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """Add ``bias`` (shape ``(C_out,)``) to every position of channel axis 1 of ``out``."""
    if bias is None:
        return out
    return out + bias.view(1, -1, *([1] * (out.ndim - 2)))


def _check_tensors(x: torch.Tensor, weight: torch.Tensor) -> None:
    if x.shape[-1] < 1:
        raise ValueError("x has an empty time axis; expected at least one sample.")
    if x.dtype != weight.dtype or x.device != weight.device:
        raise ValueError(
            f"x ({x.dtype} on {x.device}) and weight ({weight.dtype} on {weight.device}) must "
            f"share dtype and device; convert the module with .to(x) or the input with .to()."
        )


def _multiscale(
    x: torch.Tensor, weight: torch.Tensor, windows: list[tuple[int, int, int]], method: str
) -> torch.Tensor:
    """All scales of a zero-padded correlation in one memory-light autograd node."""
    for _, _, scale in windows:
        blur_half_width(scale)  # validates the scale
    c_out, c_in, _, k = weight.shape
    steps = plan_steps(windows, method, x.shape[-1], c_in, c_out, k)
    return multiscale_conv1d(x, weight, steps)


@_full_precision
def lifting_conv1d(
    x: torch.Tensor,
    weight: torch.Tensor,
    scales: tuple[int, ...] | list[int],
    *,
    bias: torch.Tensor | None = None,
    padding: Padding = "same",
    method: Method = "auto",
) -> torch.Tensor:
    """Lifting correlation from time to time-scale.

    ``Y_o(t, j) = sum_c sum_u x_c(t + u) s_j^-1 psi_{o,c}(u / s_j) (+ bias_o)``.

    Parameters
    ----------
    x : torch.Tensor, shape (B, C_in, T)
    weight : torch.Tensor, shape (C_out, C_in, K)
    scales : sequence of int, length S
        Positive integer scales ``s_j``.
    bias : torch.Tensor, shape (C_out,), optional
        Added to every scale and time of channel ``o``.
    padding, method
        As in :func:`bspline_conv1d`.

    Returns
    -------
    torch.Tensor, shape (B, C_out, S, T)
    """
    _check_options(padding, method)
    if padding == "same" and method != "fft":
        _check_shapes(x, weight, ("(B, C_in, T)", (3,)), ("(C_out, C_in, K)", 3))
        _check_tensors(x, weight)
        out = _multiscale(x[:, :, None], weight[:, :, None], [(0, 1, s) for s in scales], method)
    else:
        out = torch.stack(
            [bspline_conv1d(x, weight, s, padding=padding, method=method) for s in scales], dim=2
        )
    return _add_bias(out, bias)


@_full_precision
def group_conv1d(
    x: torch.Tensor,
    weight: torch.Tensor,
    *,
    base: int = 2,
    crop: bool = True,
    bias: torch.Tensor | None = None,
    padding: Padding = "same",
    method: Method = "auto",
) -> torch.Tensor:
    """Group correlation on time-scale with a window over coarser scales.

    ``Y_o(t, i) = sum_j sum_c sum_u x_c(t + u, i + j) s_i^-1 psi_{o,c,j}(u / s_i)`` with
    ``s_i = base**i``: output scale ``i`` sees input scales ``i … i + N_h - 1`` and every
    kernel is dilated by the *output* scale. The ``N_h`` window scales share one dilation,
    so they are batched as extra input channels of a single correlation.

    Parameters
    ----------
    x : torch.Tensor, shape (B, C_in, S, T)
    weight : torch.Tensor, shape (C_out, C_in, N_h, K)
    base : int, default 2
        Grid ratio: output index ``i`` is dilated by ``base**i``.
    crop : bool, default True
        If True keep only the ``S - N_h + 1`` outputs whose window lies inside the grid
        (a "valid" correlation along scale). If False keep all ``S`` outputs and treat
        scales past the coarsest one as zeros.
    bias : torch.Tensor, shape (C_out,), optional
        Added to every scale and time of channel ``o``.
    padding, method
        As in :func:`bspline_conv1d`.

    Returns
    -------
    torch.Tensor, shape (B, C_out, S', T)
        ``S' = S - N_h + 1`` if ``crop`` else ``S``.
    """
    _check_shapes(x, weight, ("(B, C_in, S, T)", (4,)), ("(C_out, C_in, N_h, K)", 4))
    _validate_int("base", base, 2)
    batch, c_in, n_in, length = x.shape
    c_out, _, n_h, k = weight.shape
    n_out = n_in - n_h + 1 if crop else n_in
    if n_out < 1:
        raise ValueError(
            f"a cropping group convolution with a scale window of {n_h} needs at least {n_h} "
            f"input scales, got {n_in}; use fewer cropping layers or crop=False."
        )
    _check_options(padding, method)
    windows = [(i, min(n_h, n_in - i), base**i) for i in range(n_out)]
    if padding == "same" and method != "fft":
        _check_tensors(x, weight)
        out = _multiscale(x, weight, windows, method)
    else:
        outputs = []
        for i, n_j, scale in windows:
            window = x[:, :, i : i + n_j].reshape(batch, c_in * n_j, length)
            w = weight[:, :, :n_j].reshape(c_out, c_in * n_j, k)
            outputs.append(bspline_conv1d(window, w, scale, padding=padding, method=method))
        out = torch.stack(outputs, dim=2)
    return _add_bias(out, bias)


def scale_window_linear(
    x: torch.Tensor,
    weight: torch.Tensor,
    *,
    crop: bool = True,
    bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """Pointwise-in-time linear map over channels and a window of coarser scales.

    ``Y_o(i, ...) = sum_j sum_c W_{o,c,j} x_c(i + j, ...) (+ bias_o)``: no blur and no scale
    normalisation, the clean invariant head after global pooling over time.

    Parameters
    ----------
    x : torch.Tensor, shape (B, C_in, S) or (B, C_in, S, T)
    weight : torch.Tensor, shape (C_out, C_in, N_h)
    crop : bool, default True
        As in :func:`group_conv1d`.
    bias : torch.Tensor, shape (C_out,), optional

    Returns
    -------
    torch.Tensor, shape (B, C_out, S') or (B, C_out, S', T)
    """
    _check_shapes(x, weight, ("(B, C_in, S[, T])", (3, 4)), ("(C_out, C_in, N_h)", 3))
    n_in, n_h = x.shape[2], weight.shape[2]
    n_out = n_in - n_h + 1 if crop else n_in
    if n_out < 1:
        raise ValueError(
            f"a cropping scale window of {n_h} needs at least {n_h} input scales, got {n_in}."
        )
    if not crop and n_h > 1:
        pad = [0, 0] * (x.ndim - 3) + [0, n_h - 1]
        x = F.pad(x, pad)
    # sum() of tensors (n_h >= 1 terms) is a tensor
    out = cast(
        torch.Tensor,
        sum(
            torch.einsum("oc,bcs...->bos...", weight[:, :, j], x[:, :, j : j + n_out])
            for j in range(n_h)
        ),
    )
    return _add_bias(out, bias)
