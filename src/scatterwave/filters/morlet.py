"""Morlet wavelets and Gaussian low-pass filters sampled in the Fourier domain (NumPy, float64).

All filters are periodised Gaussians evaluated on the DFT grid ``k / N`` (cycles per sample).
Periodising in frequency is the same as sampling in time, so the filters are exact discrete
filters, not truncated continuous ones. Filters are first built *sparsely*: only the bins where
the Gaussian exceeds :data:`TINY` (relative to its peak) are evaluated, which makes building a
whole filterbank at ``N = 2**18`` cost milliseconds.
"""

from __future__ import annotations

import math

import numpy as np

#: Relative amplitude below which Gaussian tails are not evaluated (a value of ``1e-14`` is
#: below float64 round-off of a sum of a few dozen unit-peak filters).
TINY = 1e-14
_TAIL = math.sqrt(2.0 * math.log(1.0 / TINY))


def gauss_bins(N: int, xi: float, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Periodised Gaussian ``exp(-(f - xi)**2 / (2 sigma**2))`` on the bins where it is not tiny.

    Parameters
    ----------
    N : int >= 1
        Number of frequency bins (length of the signal the filter applies to).
    xi : float
        Centre frequency in cycles per sample.
    sigma : float > 0
        Standard deviation in cycles per sample.

    Returns
    -------
    bins : ndarray of int, shape (n_bins,)
        Bin indices in ``[0, N)``; may repeat when the Gaussian is wider than one period.
    values : ndarray of float64, shape (n_bins,)
        Gaussian values at ``bins`` (repeated bins must be summed, see :func:`densify`).
    """
    half_width = _TAIL * sigma
    lo = math.floor((xi - half_width) * N)
    hi = math.ceil((xi + half_width) * N) + 1
    k = np.arange(lo, hi)
    values = np.exp(-0.5 * ((k / N - xi) / sigma) ** 2)
    return np.mod(k, N), values


def densify(N: int, bins: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Scatter-add sparse ``(bins, values)`` into a dense length-``N`` array."""
    out = np.zeros(N)
    np.add.at(out, bins, values)
    return out


def gauss_f(N: int, sigma: float) -> np.ndarray:
    """Gaussian low-pass filter with unit DC gain, shape ``(N,)``, real and even."""
    g = densify(N, *gauss_bins(N, 0.0, sigma))
    return g / g[0]


def morlet_f(N: int, xi: float, sigma: float, *, analytic: bool = True) -> np.ndarray:
    """Morlet wavelet in the Fourier domain, shape ``(N,)``, real (zero phase), peak near 1.

    With ``analytic=True`` (the default) the wavelet is a periodised Gabor ``G(f; xi, sigma)``
    times the smooth DC notch :func:`scatterwave.filters.sparse.dc_notch` on the positive
    frequencies and zero on the negative ones; the Nyquist bin (for even ``N``) is scaled by
    ``1 / sqrt(2)``, so that ``|psi_f|**2`` counts it once when the Littlewood-Paley sum is
    folded over positive frequencies. With ``analytic=False`` it is the classical two-sided
    Morlet: the Gabor minus ``kappa`` times a Gaussian of the same width centred at 0, with
    ``kappa`` making the response at ``f = 0`` exactly zero (zero mean in time).

    Parameters
    ----------
    N : int
        Number of frequency bins.
    xi : float in (0, 0.5]
        Centre frequency in cycles per sample.
    sigma : float > 0
        Bandwidth (standard deviation) in cycles per sample.
    analytic : bool
        Strictly analytic wavelet (zero negative frequencies).

    Returns
    -------
    ndarray of float64, shape (N,)
    """
    gabor = densify(N, *gauss_bins(N, xi, sigma))
    if analytic:
        from scatterwave.filters.sparse import dc_notch

        psi = np.zeros(N)
        half = N // 2 + 1
        psi[:half] = gabor[:half] * dc_notch(np.arange(half) / N, sigma)
        if N % 2 == 0:
            psi[N // 2] *= math.sqrt(0.5)
        return psi
    low = densify(N, *gauss_bins(N, 0.0, sigma))
    psi = gabor - (gabor[0] / low[0]) * low
    psi[0] = 0.0
    return psi


def fold(h_f: np.ndarray, k: int) -> np.ndarray:
    """Periodise a Fourier-domain filter for a signal subsampled by ``2**k``.

    The level-``k`` filter is the sum of the ``2**k`` blocks of the spectrum, i.e. the
    frequency response of the same filter acting on a signal sampled ``2**k`` times more
    coarsely. The last axis must be divisible by ``2**k``.
    """
    if k == 0:
        return h_f
    n = h_f.shape[-1]
    return h_f.reshape(*h_f.shape[:-1], 2**k, n >> k).sum(axis=-2)
