"""Morlet wavelets and Gaussian low-pass filters sampled in the Fourier domain (NumPy, float64).

All filters are periodised Gaussians evaluated on the DFT grid ``k / N`` (cycles per sample).
Periodising in frequency is the same as sampling in time, so the filters are exact discrete
filters, not truncated continuous ones. Filters are first built *sparsely*: only the bins where
the Gaussian exceeds :data:`TINY` (relative to its peak) are evaluated, which makes building a
whole filterbank at ``N = 2**18`` cost milliseconds.

Two samplers of the periodised Gaussian, for the two kinds of filters:

* :func:`gauss_bins` (made dense by :func:`densify`) covers the whole period: two-sided filters,
  the even low-pass :func:`gauss_f` and the non-analytic :func:`morlet_f`;
* :func:`positive_gauss` covers the positive bins ``[0, N // 2]`` only: the analytic Morlet
  :func:`positive_morlet` (the one analytic sampler: :func:`morlet_f` with ``analytic=True``
  is its dense form), which the filterbanks store as
  :class:`scatterwave.filters.sparse.BandFilters`.

All filters here are real (zero phase) NumPy float64 arrays, and ``filterbank()`` returns them
so. The transforms' buffers hold them as float64 too; converted for PyTorch or TensorFlow they
become complex tensors with zero imaginary part (see
:attr:`scatterwave.core.capabilities.Capabilities.complex_filters`), which changes no value.
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
    times the smooth DC notch :func:`dc_notch` on the positive
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
    if analytic:
        lo, values = positive_morlet(N, xi, sigma)
        psi = np.zeros(N)
        psi[lo : lo + len(values)] = values
        return psi
    gabor = densify(N, *gauss_bins(N, xi, sigma))
    low = densify(N, *gauss_bins(N, 0.0, sigma))
    psi = gabor - (gabor[0] / low[0]) * low
    psi[0] = 0.0
    return psi


def positive_gauss(N: int, xi: float, sigma: float) -> tuple[int, np.ndarray]:
    """Periodised Gaussian on the positive bins ``[0, N // 2]`` where it exceeds ``TINY``.

    Returns the first bin and the values (peak-normalised Gaussian, not rescaled).
    """
    half = N // 2
    width = _TAIL * sigma
    # Periods m whose shifted copy (centre xi + m) reaches the positive bins [0, 0.5].
    ranges = []
    for m in range(math.floor(-xi - width - 0.5), math.ceil(0.5 - xi + width + 0.5) + 1):
        c = xi + m
        a = max(0, math.floor((c - width) * N))
        b = min(half, math.ceil((c + width) * N))
        if a <= b:
            ranges.append((m, a, b))
    if not ranges:
        return 0, np.zeros(0)
    lo = min(a for _, a, _ in ranges)
    hi = max(b for _, _, b in ranges)
    if len(ranges) == 1:
        m, a, b = ranges[0]
        return lo, _gauss_on_bins(a, b, xi + m, sigma, N)
    values = np.zeros(hi + 1 - lo)
    for m, a, b in ranges:
        values[a - lo : b + 1 - lo] += _gauss_on_bins(a, b, xi + m, sigma, N)
    return lo, values


def _gauss_on_bins(a: int, b: int, centre: float, sigma: float, N: int) -> np.ndarray:
    """``exp(-((f - centre) / sigma)**2 / 2)`` at ``f = bin / N`` for bins ``a..b``, in place."""
    z = np.arange(a, b + 1, dtype=float)
    z -= centre * N
    z *= 1.0 / (sigma * N)
    np.square(z, out=z)
    z *= -0.5
    np.exp(z, out=z)
    return z


def positive_morlet(N: int, xi: float, sigma: float) -> tuple[int, np.ndarray]:
    """Strictly analytic Morlet (zero mean, zero negative frequencies) on its positive band.

    Same filter as :func:`morlet_f` with ``analytic=True``: a
    periodised Gabor times the smooth DC notch :func:`dc_notch`, and the Nyquist bin scaled by
    ``1 / sqrt(2)``.
    """
    lo, values = positive_gauss(N, xi, sigma)
    # The notch is exactly 1.0 from z = f**2 / (2 (NOTCH_WIDTH sigma)**2) >= _NOTCH_ONE up.
    n_near = math.ceil(math.sqrt(2.0 * _NOTCH_ONE) * NOTCH_WIDTH * sigma * N) + 1 - lo
    n_near = min(max(n_near, 0), len(values))
    if n_near:
        values[:n_near] *= dc_notch((lo + np.arange(n_near)) / N, sigma)
    if N % 2 == 0 and lo + len(values) - 1 == N // 2:
        values[-1] *= math.sqrt(0.5)
    return _trim(lo, values)


#: Width of the DC notch of analytic Morlets, in units of the wavelet's ``sigma``.
NOTCH_WIDTH = 0.5


def dc_notch(f: np.ndarray, sigma: float) -> np.ndarray:
    """``1 - exp(-f**2 / (2 (NOTCH_WIDTH sigma)**2))``: zero mean without a kink at DC.

    A strictly analytic wavelet is zero for ``f <= 0``. The classical zero-mean correction
    (subtracting ``kappa`` times a Gaussian at DC) leaves a kink there, a response linear in
    ``f``, and the lowest wavelets (centred under 2 sigma above DC) then decay only as
    ``1 / t**2`` in time: at ``J = 8`` they stay above ``1e-3`` of their peak for 5800 samples,
    against 1500 for their Gaussian envelope, and the padding follows the slowest filter. The
    notch vanishes quadratically (``1 / t**3`` decay, 3500 samples at ``J = 8``: padded length
    15360 instead of 20480 for ``N = 8192``), peaks stay within 1 % of ``xi`` (the kink shifted
    the lowest peak by 5 %), and the notch differs from 1 by less than ``1e-14`` from ``16``
    notch widths (``8 sigma``) up, so constant-Q wavelets with ``Q >= 4`` are unchanged.
    """
    z = 0.5 * (np.asarray(f, dtype=float) / (NOTCH_WIDTH * sigma)) ** 2
    out = np.ones_like(z)
    near = z < _NOTCH_ONE  # beyond, -expm1(-z) rounds to exactly 1.0: skip the slow expm1
    out[near] = -np.expm1(-z[near])
    return out


#: ``-expm1(-z) == 1.0`` in float64 for every ``z >= 40`` (``exp(-40) < 2**-53 / 2``).
_NOTCH_ONE = 40.0


def _trim(lo: int, values: np.ndarray) -> tuple[int, np.ndarray]:
    if len(values) == 0:
        return lo, values
    a = np.abs(values)
    keep = a > TINY * a.max()
    if not keep.any():
        return lo, values[:0]
    first, stop = int(np.argmax(keep)), len(keep) - int(np.argmax(keep[::-1]))
    return lo + first, values[first:stop].copy()


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
