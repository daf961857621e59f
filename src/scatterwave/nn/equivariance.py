"""Measure how close a module is to translation and dyadic scale equivariance.

:func:`check_equivariance` transforms an input, runs the module on both versions and returns
the relative errors between the transformed output and the output of the transformed input.
It neither prints nor asserts, so it can be used to monitor any user model.

The transformations are

* translation by ``tau`` samples: ``x(t) -> x(t - tau)``, circular (``torch.roll``);
* dilation by an integer ``a``: ``x(t) -> x(t / a)``, sampled with periodic band-limited
  (Fourier) interpolation by :func:`dilate`, and, for time-scale inputs
  ``[B, C, S, T]``, a shift of the scale axis by ``log_base(a)`` steps.

Expected output relations, by output layout:

``"scale-time"`` ``[B, C, S, T']``
    ``Y[x'](i + m, a t) = Y[x](i, t)`` for the scale indices ``i`` that have a partner;
``"time"`` ``[B, C, T']``
    ``Y[x'](a t) = Y[x](t)`` (e.g. after pooling over scales);
``"invariant"`` ``[B, N]``
    ``Y[x'] = Y[x]``.

A translation by ``tau`` moves a time axis of stride ``r = T / T'`` by ``tau / r`` samples.

What to expect: B-spline layers with ``padding="circular"`` are exactly translation
equivariant, and exactly scale equivariant for polynomials of degree <= 2. For general
band-limited inputs the scale error is a discretisation error, largest at the finest scale
(``skip_finest`` excludes the first comparable scales). Zero padding breaks both relations
near the borders (``margin`` excludes output samples there), batch norm only commutes in
eval mode (the module is evaluated in eval mode and its mode restored), and max-pooling
only commutes with translations by multiples of its stride.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import nn

from scatterwave.nn.group import ScaleGrid

__all__ = ["EquivarianceErrors", "check_equivariance", "dilate"]

Layout = Literal["auto", "scale-time", "time", "invariant"]
_LAYOUTS = ("auto", "scale-time", "time", "invariant")


@dataclass(frozen=True)
class EquivarianceErrors:
    """Relative L2 errors ``||Y[g x] - g Y[x]|| / ||g Y[x]||`` of a layer.

    Returned by :func:`check_equivariance`.

    Attributes
    ----------
    translation : dict of int to float
        Error for each translation (in input samples).
    scale : dict of int to float
        Error for each dilation factor, over every comparable scale index.
    scale_by_index : dict of int to tuple of float
        For ``"scale-time"`` outputs: the error at each comparable output scale index
        ``i = skip_finest, …`` (of the undilated output); empty tuples otherwise.
    """

    translation: dict[int, float] = field(default_factory=dict)
    scale: dict[int, float] = field(default_factory=dict)
    scale_by_index: dict[int, tuple[float, ...]] = field(default_factory=dict)


def dilate(x: torch.Tensor, factor: int) -> torch.Tensor:
    """Dilate signals by an integer factor with periodic band-limited interpolation.

    Returns ``x'`` with ``x'(t) = x(t / factor)``: ``x'[factor * t] = x[t]`` exactly, and the
    samples in between are those of the trigonometric interpolant of ``x``.

    Parameters
    ----------
    x : torch.Tensor, shape (..., T)
        Real signals along the last axis.
    factor : int
        Positive integer dilation ``a``.

    Returns
    -------
    torch.Tensor, shape (..., a T)
    """
    if isinstance(factor, bool) or not isinstance(factor, int) or factor < 1:
        raise ValueError(f"factor must be a positive int, got {factor!r}.")
    length = x.shape[-1]
    spectrum = torch.fft.rfft(x)
    if length % 2 == 0:
        # The Nyquist bin of a length-T signal stands for two conjugate bins of the longer one.
        spectrum = torch.cat([spectrum[..., :-1], spectrum[..., -1:] / 2], dim=-1)
    return torch.fft.irfft(spectrum * factor, factor * length)


def _relative(a: torch.Tensor, b: torch.Tensor) -> float:
    num = torch.linalg.vector_norm((a - b).double()).item()
    den = torch.linalg.vector_norm(b.double()).item()
    if den == 0.0:
        return 0.0 if num == 0.0 else math.inf
    return num / den


def _trim(y: torch.Tensor, margin: int) -> torch.Tensor:
    if margin == 0:
        return y
    if 2 * margin >= y.shape[-1]:
        raise ValueError(
            f"margin={margin} leaves no output sample to compare on a time axis of "
            f"{y.shape[-1]} samples; use a smaller margin or a longer input."
        )
    return y[..., margin:-margin]


def _check_ints(name: str, values: Sequence[int], minimum: int | None) -> tuple[int, ...]:
    out = tuple(values)
    for v in out:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"every entry of {name} must be an int, got {v!r}.")
        if minimum is not None and v < minimum:
            raise ValueError(f"every entry of {name} must be >= {minimum}, got {v!r}.")
    return out


def _stride(name: str, t_in: int, t_out: int) -> int:
    if t_out < 1 or t_in % t_out:
        raise ValueError(
            f"the output time axis ({t_out} samples) must divide the input one ({t_in}) to "
            f"locate translations; pass an input length that is a multiple of the "
            f"module's total stride ({name})."
        )
    return t_in // t_out


def check_equivariance(
    module: nn.Module,
    x: torch.Tensor,
    *,
    shifts: Sequence[int] = (1,),
    scales: Sequence[int] = (2,),
    base: int = 2,
    layout: Layout = "auto",
    margin: int = 0,
    skip_finest: int = 0,
) -> EquivarianceErrors:
    """Measure the translation and scale equivariance errors of ``module`` on ``x``.

    Parameters
    ----------
    module : torch.nn.Module
        Maps ``x`` to a ``(B, C, S, T')``, ``(B, C, T')`` or ``(B, N)`` tensor.
    x : torch.Tensor, shape (B, C, T) or (B, C, S, T)
        Test input, ideally smooth (band-limited) and periodic or zero near the borders.
    shifts : sequence of int, default (1,)
        Translations in input samples; each must be a multiple of the module's stride.
    scales : sequence of int, default (2,)
        Dilation factors, integer powers of ``base``.
    base : int, default 2
        Ratio of the module's scale grid: a dilation by ``base**m`` shifts scales by ``m``.
    layout : {"auto", "scale-time", "time", "invariant"}, default "auto"
        Meaning of the output axes; "auto" takes 4-D as scale-time, 3-D as time and 2-D as
        invariant.
    margin : int, default 0
        Output time samples excluded at each end (border effects of zero padding).
    skip_finest : int, default 0
        For scale-time outputs, comparable scale indices excluded from the finest end.

    Returns
    -------
    EquivarianceErrors
        Relative errors per shift and per dilation factor.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}.")
    if not isinstance(x, torch.Tensor) or x.ndim not in (3, 4):
        raise ValueError(
            f"x must be a (B, C, T) or (B, C, S, T) tensor, got "
            f"{tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__}."
        )
    if layout not in _LAYOUTS:
        raise ValueError(f"layout must be one of {_LAYOUTS}, got {layout!r}.")
    shifts = _check_ints("shifts", shifts, None)
    factors = _check_ints("scales", scales, 2)
    grid = ScaleGrid(1, base=base)
    (margin,) = _check_ints("margin", (margin,), 0)
    (skip_finest,) = _check_ints("skip_finest", (skip_finest,), 0)

    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            y = module(x)
            if layout == "auto":
                kinds = {4: "scale-time", 3: "time", 2: "invariant"}
                if y.ndim not in kinds:
                    raise ValueError(f"cannot interpret an output of shape {tuple(y.shape)}.")
                layout = kinds[y.ndim]  # type: ignore[assignment]
            expected_ndim = {"scale-time": 4, "time": 3, "invariant": 2}[layout]
            if y.ndim != expected_ndim:
                raise ValueError(
                    f"layout={layout!r} needs a {expected_ndim}-D output, got {tuple(y.shape)}."
                )
            report = EquivarianceErrors()
            for tau in shifts:
                report.translation[tau] = _translation_error(module, x, y, tau, layout, margin)
            for a in factors:
                m = grid.shift_of(a)
                err, per_index = _scale_error(module, x, y, a, m, layout, margin, skip_finest)
                report.scale[a] = err
                report.scale_by_index[a] = per_index
    finally:
        module.train(was_training)
    return report


def _translation_error(
    module: nn.Module, x: torch.Tensor, y: torch.Tensor, tau: int, layout: str, margin: int
) -> float:
    y_shift = module(torch.roll(x, tau, dims=-1))
    if layout == "invariant":
        return _relative(y_shift, y)
    stride = _stride("translation", x.shape[-1], y.shape[-1])
    if tau % stride:
        raise ValueError(
            f"shift {tau} is not a multiple of the module's time stride {stride}; "
            f"translations only commute with pooling by multiples of its stride."
        )
    expected = torch.roll(y, tau // stride, dims=-1)
    return _relative(_trim(y_shift, margin), _trim(expected, margin))


def _scale_error(
    module: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    factor: int,
    steps: int,
    layout: str,
    margin: int,
    skip_finest: int,
) -> tuple[float, tuple[float, ...]]:
    x_dil = dilate(x, factor)
    if x.ndim == 4:
        if steps >= x.shape[2]:
            raise ValueError(
                f"a dilation by {factor} moves the scale axis by {steps} steps, which leaves "
                f"none of the input's {x.shape[2]} scales on the grid; use a smaller factor."
            )
        # F'(t, i) = F(t / a, i - m): the m new finest scales have no data and stay zero.
        x_dil = torch.cat([torch.zeros_like(x_dil[:, :, :steps]), x_dil[:, :, :-steps]], dim=2)
    y_dil = module(x_dil)
    if layout == "invariant":
        return _relative(y_dil, y), ()
    _stride("scale", x.shape[-1], y.shape[-1])
    y_dil = y_dil[..., ::factor][..., : y.shape[-1]]
    if layout == "time":
        return _relative(_trim(y_dil, margin), _trim(y, margin)), ()
    n_scales = y.shape[2]
    indices = range(skip_finest, n_scales - steps)
    if len(indices) == 0:
        raise ValueError(
            f"no output scale index has a partner under a dilation by {factor} "
            f"({n_scales} output scales, {steps} step(s), skip_finest={skip_finest})."
        )
    ref = _trim(y[:, :, indices.start : indices.stop], margin)
    got = _trim(y_dil[:, :, indices.start + steps : indices.stop + steps], margin)
    per_index = tuple(_relative(got[:, :, k], ref[:, :, k]) for k in range(len(indices)))
    return _relative(got, ref), per_index
