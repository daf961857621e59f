"""Filters stored by their non-negligible contiguous band of positive-frequency bins.

A filterbank at ``N_pad = 2**18`` holds a few dozen wavelets, most of them a few hundred bins
wide; storing them densely would cost hundreds of megabytes and make the Littlewood-Paley
normalisation slow. :class:`BandFilters` keeps, for each filter, the first bin ``lo`` and the
values on ``[lo, lo + len)``, all within ``[0, N // 2]`` (analytic filters, or the positive half
of a real even low-pass).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from scatterwave.filters.morlet import TINY


def positive_gauss(N: int, xi: float, sigma: float) -> tuple[int, np.ndarray]:
    """Periodised Gaussian on the positive bins ``[0, N // 2]`` where it exceeds ``TINY``.

    Returns the first bin and the values (peak-normalised Gaussian, not rescaled).
    """
    half = N // 2
    width = math.sqrt(2.0 * math.log(1.0 / TINY)) * sigma
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
    values = None if len(ranges) == 1 else np.zeros(hi + 1 - lo)
    for m, a, b in ranges:
        # exp(-((f - xi - m) / sigma)**2 / 2) at f = bin / N, in place (one array per copy)
        z = np.arange(a, b + 1, dtype=float)
        z -= (xi + m) * N
        z *= 1.0 / (sigma * N)
        np.square(z, out=z)
        z *= -0.5
        np.exp(z, out=z)
        if values is None:
            return lo, z
        values[a - lo : b + 1 - lo] += z
    return lo, values


def positive_morlet(N: int, xi: float, sigma: float) -> tuple[int, np.ndarray]:
    """Strictly analytic Morlet (zero mean, zero negative frequencies) on its positive band.

    Same filter as :func:`scatterwave.filters.morlet.morlet_f` with ``analytic=True``: a
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


@dataclass
class BandFilters:
    """A bank of filters, each stored on its band of positive-frequency bins.

    Attributes
    ----------
    N : int
        Length of the (padded) signal the filters are sampled for.
    lo : ndarray of int, shape (n_filters,)
        First non-negligible bin of each filter.
    values : list of ndarray
        Filter values on ``[lo[n], lo[n] + len(values[n]))``, all within ``[0, N // 2]``.
    """

    N: int
    lo: np.ndarray
    values: list[np.ndarray] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.values)

    @property
    def hi(self) -> np.ndarray:
        """One past the last non-negligible bin of each filter, shape (n_filters,)."""
        return self.lo + np.array([len(v) for v in self.values], dtype=int)

    def scale(self, gains: np.ndarray) -> BandFilters:
        """A copy with filter ``n`` multiplied by ``gains[n]``."""
        return BandFilters(self.N, self.lo.copy(), [g * v for g, v in zip(gains, self.values)])

    def dense(self, index: np.ndarray | None = None) -> np.ndarray:
        """Dense filters on the full DFT grid, shape (n, N) (zeros at negative frequencies)."""
        index = np.arange(len(self)) if index is None else np.asarray(index)
        out = np.zeros((len(index), self.N))
        for row, n in enumerate(index):
            out[row, self.lo[n] : self.lo[n] + len(self.values[n])] = self.values[n]
        return out

    def slab(self, index: np.ndarray, k: int, width: int) -> np.ndarray:
        """Filters ``index`` at subsampling level ``k`` on bins ``[0, width)``, shape (n, width).

        The level-``k`` filter is the periodisation of the level-0 filter over ``N >> k`` bins:
        the response of the same filter on a signal subsampled by ``2**k``. ``width`` must not
        exceed ``N >> k``.
        """
        M = self.N >> k
        if width > M:
            raise ValueError(f"slab width {width} exceeds the level-{k} length {M}")
        out = np.zeros((len(index), M))
        for row, n in enumerate(index):
            bins = np.arange(self.lo[n], self.lo[n] + len(self.values[n])) % M
            np.add.at(out[row], bins, self.values[n])
        return out[:, :width]

    def power(self) -> np.ndarray:
        """``sum_n |psi_n|**2`` on bins ``[0, N // 2]``, shape (N // 2 + 1,)."""
        out = np.zeros(self.N // 2 + 1)
        for lo, v in zip(self.lo, self.values):
            out[lo : lo + len(v)] += v**2
        return out
