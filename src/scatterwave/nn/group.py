"""Discrete scale grids of the affine group ``R ⋊ R+`` used by Wavelet Networks.

A Wavelet Network works on functions of time and scale. The scale axis is sampled on a
geometric grid ``{1, b, b², …, b^(N-1)}`` with an integer base ``b`` (2 by default, the
dyadic grid of Romero et al., 2024). On such a grid the multiplicative Haar measure
``dσ/σ`` of ``R+`` gives every scale the same weight, and every scale is an integer
dilation, so kernels can be dilated exactly on the integer time grid.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["ScaleGrid"]


def _validate_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r} of type {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return value


@dataclass(frozen=True)
class ScaleGrid:
    """Geometric grid of integer scales ``base**i`` for ``i = 0 … n_scales - 1``.

    Parameters
    ----------
    n_scales : int
        Number of scales, at least 1.
    base : int, default 2
        Ratio between neighbouring scales, an integer >= 2. The default gives the dyadic
        grid ``{1, 2, 4, …}``. Integer ratios keep every dilated kernel on the integer
        sampling grid, which is what makes the discrete layers exactly equivariant for
        polynomial inputs (see :mod:`scatterwave.nn.functional`).

    Examples
    --------
    >>> ScaleGrid(4).scales
    (1, 2, 4, 8)
    >>> ScaleGrid(3, base=3).index_of(9)
    2
    """

    n_scales: int
    base: int = 2

    def __post_init__(self) -> None:
        _validate_int("n_scales", self.n_scales, 1)
        _validate_int("base", self.base, 2)

    @property
    def scales(self) -> tuple[int, ...]:
        """Scales ``base**i`` for ``i < n_scales``, finest first."""
        return tuple(self.base**i for i in range(self.n_scales))

    @property
    def log_scales(self) -> tuple[float, ...]:
        """Natural logarithms of the scales, finest first."""
        return tuple(i * math.log(self.base) for i in range(self.n_scales))

    def __len__(self) -> int:
        return self.n_scales

    def __iter__(self) -> Iterator[int]:
        return iter(self.scales)

    def scale(self, index: int) -> int:
        """Return the scale ``base**index`` of a (non-negative) grid index.

        Indices beyond the grid are allowed: a layer that keeps the finest scales of a
        longer grid asks for them.
        """
        _validate_int("index", index, 0)
        return self.base**index

    def index_of(self, scale: int) -> int:
        """Return the grid index ``i`` with ``base**i == scale``.

        Raises
        ------
        ValueError
            If ``scale`` is not an integer power of ``base`` inside the grid.
        """
        _validate_int("scale", scale, 1)
        index, value = 0, 1
        while value < scale:
            value *= self.base
            index += 1
        if value != scale or index >= self.n_scales:
            raise ValueError(
                f"scale {scale} is not on the grid {self.scales}; expected one of those "
                f"integer powers of base={self.base}."
            )
        return index

    def shift_of(self, factor: int) -> int:
        """Return how many grid steps a dilation by ``factor`` moves the scale axis.

        Raises
        ------
        ValueError
            If ``factor`` is not a positive integer power of ``base``.
        """
        _validate_int("factor", factor, 1)
        steps, value = 0, 1
        while value < factor:
            value *= self.base
            steps += 1
        if value != factor:
            raise ValueError(
                f"a dilation by {factor} is not a power of the grid base {self.base}; "
                f"use one of {[self.base**k for k in range(1, 5)]}."
            )
        return steps
