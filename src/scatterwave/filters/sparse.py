"""Filters stored by their non-negligible contiguous band of positive-frequency bins.

A filterbank at ``N_pad = 2**18`` holds a few dozen wavelets, most of them a few hundred bins
wide; storing them densely would cost hundreds of megabytes and make the Littlewood-Paley
normalisation slow. :class:`BandFilters` keeps, for each filter, the first bin ``lo`` and the
values on ``[lo, lo + len)``, all within ``[0, N // 2]`` (analytic filters, or the positive half
of a real even low-pass).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from scatterwave.filters.morlet import (
    NOTCH_WIDTH,
    TINY,
    dc_notch,
    positive_gauss,
    positive_morlet,
)

__all__ = [
    "NOTCH_WIDTH",
    "TINY",
    "BandFilters",
    "dc_notch",
    "positive_gauss",
    "positive_morlet",
    "sample_morlets",
]


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
        """Return a copy with filter ``n`` multiplied by ``gains[n]``."""
        return BandFilters(self.N, self.lo.copy(), [g * v for g, v in zip(gains, self.values)])

    def dense(self, index: np.ndarray | None = None) -> np.ndarray:
        """Dense filters on the full DFT grid, shape (n, N) (zeros at negative frequencies)."""
        index = np.arange(len(self)) if index is None else np.asarray(index)
        out = np.zeros((len(index), self.N))
        for row, n in enumerate(index):
            out[row, self.lo[n] : self.lo[n] + len(self.values[n])] = self.values[n]
        return out

    def slab(self, index: np.ndarray, k: int, width: int) -> np.ndarray:
        """Return filters ``index`` at level ``k`` on bins ``[0, width)``, shape (n, width).

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


def sample_morlets(N: int, xi: np.ndarray, sigma: np.ndarray) -> BandFilters:
    """Unit-peak analytic Morlets of centres ``xi`` and bandwidths ``sigma``, sampled at ``N``.

    Parameters
    ----------
    N : int
        Number of frequency bins.
    xi, sigma : ndarray of float, shape (n_filters,)
        Centre frequencies and bandwidths, cycles per sample.

    Returns
    -------
    BandFilters
        :func:`scatterwave.filters.morlet.positive_morlet` of each ``(xi, sigma)``, in order.
    """
    lo, values = [], []
    for x, s in zip(xi, sigma):
        start, v = positive_morlet(N, x, s)
        lo.append(start)
        values.append(v)
    return BandFilters(N, np.asarray(lo, dtype=int), values)
