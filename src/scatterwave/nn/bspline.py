r"""Quadratic cardinal B-spline basis and its sampled, dilated kernels.

A learnable kernel is a combination of ``K`` (odd) integer translates of the centred
quadratic B-spline ``B2``,

.. math:: \psi(x) = \sum_{k=-h}^{h} w_k\, B_2(x - k), \qquad h = \lfloor K/2 \rfloor,

and at an integer scale ``s`` it is sampled on the integer grid with an ``L1``
normalisation, ``psi_s(u) = s^-1 psi(u / s)`` (Romero et al., *Wavelet Networks*, TMLR
2024, §3). ``B2`` is supported on ``[-1.5, 1.5]``, integrates to one and its integer
translates form a partition of unity. For integer ``s`` its samples at spacing ``1/s`` sum
to exactly ``s``, so the DC gain ``sum_u psi_s(u) = sum_k w_k`` does not depend on scale.

Because ``B2(u/s - k)`` is ``B2(u/s)`` shifted by ``s k`` samples, the sampled kernel is the
blur ``b_s[m] = B2(m / s)`` applied to the weights spread out with ``s - 1`` zeros between
them (the fast "two-step" implementation in :mod:`scatterwave.nn.functional`).
"""

from __future__ import annotations

import numpy as np
import torch

__all__ = [
    "blur_half_width",
    "blur_taps",
    "bspline2",
    "kernel_half_width",
    "sampled_basis",
    "sampled_kernel",
]


def _check_scale(scale: object) -> int:
    if isinstance(scale, bool) or not isinstance(scale, (int, np.integer)) or scale < 1:
        raise ValueError(
            f"scale must be a positive integer (integer dilations keep the kernel on the "
            f"sampling grid), got {scale!r}."
        )
    return int(scale)


def _check_kernel_size(kernel_size: object) -> int:
    if (
        isinstance(kernel_size, bool)
        or not isinstance(kernel_size, (int, np.integer))
        or kernel_size < 1
        or kernel_size % 2 == 0
    ):
        raise ValueError(
            f"kernel_size must be a positive odd integer (the B-spline centres are the "
            f"integers -K//2 … K//2, so an odd K keeps the kernel centred), got {kernel_size!r}."
        )
    return int(kernel_size)


def bspline2(x: np.ndarray) -> np.ndarray:
    """Evaluate the centred quadratic cardinal B-spline.

    Parameters
    ----------
    x : numpy.ndarray, any shape
        Evaluation points.

    Returns
    -------
    numpy.ndarray, float64, same shape as ``x``
        ``3/4 - x²`` for ``|x| < 1/2``, ``(3/2 - |x|)² / 2`` for ``1/2 <= |x| < 3/2`` and
        ``0`` elsewhere.
    """
    ax = np.abs(np.asarray(x, dtype=np.float64))
    inner = 0.75 - ax**2
    outer = 0.5 * (1.5 - ax) ** 2
    return np.where(ax < 0.5, inner, np.where(ax < 1.5, outer, 0.0))


def blur_half_width(scale: int) -> int:
    """Compute the half width ``M_s`` of the sampled spline ``B2(m / s)``.

    ``M_s`` is the largest ``m`` with ``m / s < 3/2``, i.e. ``ceil(1.5 s) - 1``.

    Parameters
    ----------
    scale : int
        Positive integer scale ``s``.

    Returns
    -------
    int
        ``M_s``; the spline has ``2 M_s + 1`` non-zero taps (3, 5, 11, 23, … for
        ``s = 1, 2, 4, 8, …``).
    """
    s = _check_scale(scale)
    return (3 * s + 1) // 2 - 1


def blur_taps(scale: int) -> np.ndarray:
    """Sample ``b_s[m] = B2(m / s)`` for ``m = -M_s … M_s``.

    Parameters
    ----------
    scale : int
        Positive integer scale ``s``.

    Returns
    -------
    numpy.ndarray, float64, shape (2 M_s + 1,)
        Symmetric taps summing to exactly ``s``.
    """
    half = blur_half_width(scale)
    m = np.arange(-half, half + 1, dtype=np.float64)
    return bspline2(m / scale)


def kernel_half_width(kernel_size: int, scale: int) -> int:
    """Half width ``P = s * (K // 2) + M_s`` of the sampled kernel ``psi_s``.

    A centred ("same") cross-correlation with ``psi_s`` needs ``P`` samples of padding on
    each side.

    Parameters
    ----------
    kernel_size : int
        Odd number ``K`` of B-spline coefficients.
    scale : int
        Positive integer scale ``s``.

    Returns
    -------
    int
    """
    k = _check_kernel_size(kernel_size)
    return _check_scale(scale) * (k // 2) + blur_half_width(scale)


def sampled_basis(kernel_size: int, scale: int) -> np.ndarray:
    """Sample the dilated and ``1/s``-normalised B-spline basis.

    Parameters
    ----------
    kernel_size : int
        Odd number ``K`` of B-spline coefficients.
    scale : int
        Positive integer scale ``s``.

    Returns
    -------
    numpy.ndarray, float64, shape (K, 2 P + 1)
        Row ``k`` holds ``s^-1 B2(u / s - (k - K // 2))`` for ``u = -P … P`` with
        ``P = kernel_half_width(K, s)``.
    """
    k = _check_kernel_size(kernel_size)
    s = _check_scale(scale)
    half = kernel_half_width(k, s)
    u = np.arange(-half, half + 1, dtype=np.float64)
    centres = np.arange(k, dtype=np.float64) - k // 2
    return bspline2(u[None, :] / s - centres[:, None]) / s


def sampled_kernel(weight: torch.Tensor, scale: int) -> torch.Tensor:
    """Sample the kernel ``psi_s(u) = s^-1 sum_k w_k B2(u / s - k)`` on integer ``u``.

    This is the definition that every fast path in :mod:`scatterwave.nn.functional`
    reproduces; it is differentiable with respect to ``weight``.

    Parameters
    ----------
    weight : torch.Tensor, shape (..., K)
        B-spline coefficients, ``K`` odd, on the last axis.
    scale : int
        Positive integer scale ``s``.

    Returns
    -------
    torch.Tensor, shape (..., 2 P + 1)
        The sampled kernel on ``u = -P … P`` with ``P = kernel_half_width(K, s)``, same
        dtype and device as ``weight``.
    """
    if not isinstance(weight, torch.Tensor) or weight.ndim < 1:
        raise ValueError(
            f"weight must be a torch.Tensor with the B-spline coefficients on its last axis, "
            f"got {type(weight).__name__} with shape {getattr(weight, 'shape', None)}."
        )
    basis = sampled_basis(weight.shape[-1], scale)
    basis_t = torch.as_tensor(basis, dtype=weight.dtype, device=weight.device)
    return weight @ basis_t
