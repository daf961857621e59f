"""Relative distances between two sets of coefficients, per pair and per slice."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from scatterwave.toolkit._common import (
    SliceBy,
    abs2,
    joined_3d,
    per_row,
    reduce_except_row,
    slice_keys,
    sum_by_slice,
)

__all__ = ["PairDistance", "coeff_distance"]


@dataclass(frozen=True)
class PairDistance:
    """Relative distance of one pair.

    Attributes
    ----------
    total : float
        ``||S1 - S0|| / ||S0||`` over the whole pair (``inf`` if ``S0`` is 0 there but
        ``S1`` is not, ``nan`` if both are 0).
    slices : ndarray, shape (n_slices,)
        The same ratio per slice.
    slice_keys : list of tuple of int
        Label of each slice.
    """

    total: float
    slices: np.ndarray
    slice_keys: list[tuple[int, ...]]


def _rel(num: Any, den: Any) -> Any:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    safe = np.where(den > 0, den, 1.0)
    return np.where(den > 0, num / safe, np.where(num > 0, np.inf, np.nan))


def coeff_distance(
    Sx0: Any,
    Sx1: Any,
    meta: Mapping[str, Any],
    *,
    kind: Literal["l2", "l1"] = "l2",
    slice_by: SliceBy = "parent",
) -> dict[Hashable, PairDistance]:
    """Relative distance ``||Sx1 - Sx0|| / ||Sx0||`` per pair and per slice.

    With ``kind="l2"`` the norms are Euclidean (square roots of energies), with ``kind="l1"``
    sums of absolute values. Norms are taken over batch, time and the rows of the pair or slice.
    The distance is relative to the reference ``Sx0``, so it is not symmetric.

    Parameters
    ----------
    Sx0, Sx1 : array, shape (..., n_rows, N_out), or dict of arrays
        Reference and compared coefficients, same layout and shapes (any layout accepted by
        :func:`~scatterwave.toolkit.coeff_energy`), same array library.
    meta : dict
        The transform's ``meta()``.
    kind : {"l2", "l1"}
        Norm.
    slice_by : {"parent", "row"}
        Slice definition (see :mod:`scatterwave.toolkit.energy`).

    Returns
    -------
    distances : dict
        Pair name or order -> :class:`PairDistance`.
    """
    if kind not in ("l2", "l1"):
        raise ValueError(f'kind must be "l2" or "l1", got {kind!r}.')
    Sx0, Sx1 = (joined_3d(v) if isinstance(v, tuple) else v for v in (Sx0, Sx1))
    if not isinstance(Sx0, Mapping) and tuple(Sx0.shape) != tuple(Sx1.shape):
        raise ValueError(
            f"Sx0 and Sx1 must have the same shape, got {tuple(Sx0.shape)} and {tuple(Sx1.shape)}."
        )

    def fn(xp: Any, a: Any, b: Any) -> tuple[Any, ...]:
        if tuple(a.shape) != tuple(b.shape):
            raise ValueError(
                f"coefficient blocks differ in shape: {tuple(a.shape)} vs {tuple(b.shape)}."
            )
        if kind == "l2":
            return reduce_except_row(xp, abs2(xp, b - a)), reduce_except_row(xp, abs2(xp, a))
        return reduce_except_row(xp, xp.abs(b - a)), reduce_except_row(xp, xp.abs(a))

    power = 0.5 if kind == "l2" else 1.0
    out: dict[Hashable, PairDistance] = {}
    for pair, group in per_row([Sx0, Sx1], meta, fn).items():
        diff, ref = (np.asarray(v, dtype=np.float64) for v in group.values)
        keys = slice_keys(group, slice_by)
        d_sl, uniq = sum_by_slice(diff, keys)
        r_sl, _ = sum_by_slice(ref, keys)
        out[pair] = PairDistance(
            float(_rel(diff.sum() ** power, ref.sum() ** power)),
            _rel(d_sl**power, r_sl**power),
            uniq,
        )
    return out
