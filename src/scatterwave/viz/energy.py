"""Energy profiles and coefficient distances per pair (JTFS) or per order (time scattering).

Both pictures draw the numbers computed by :func:`scatterwave.toolkit.coeff_energy` and
:func:`scatterwave.toolkit.coeff_distance`; see :mod:`scatterwave.toolkit.energy` for the
meaning of *pair* and *slice*.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from scatterwave.viz._style import get_axes, pair_meta, to_numpy
from scatterwave.vocabulary import is_row_aligned

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_coeff_distance", "plot_energy_profile"]

Per = Literal["pair", "slice"]


def _label(pair: Hashable) -> str:
    return f"order {pair}" if isinstance(pair, (int, np.integer)) else str(pair)


def _select(results: Mapping[Hashable, Any], pairs: Sequence[Hashable] | None) -> list[Hashable]:
    if pairs is None:
        return list(results)
    missing = [p for p in pairs if p not in results]
    if missing:
        raise ValueError(f"pairs {missing} not found; available: {list(results)}")
    return list(pairs)


def _meta_for(Sx: Any, meta: Mapping[str, Any]) -> Mapping[str, Any]:
    """Per-pair meta for dict outputs whose meta is flat with a ``"pair"`` column."""
    if isinstance(Sx, Mapping) and is_row_aligned(meta):
        return {pair: pair_meta(meta, pair) for pair in Sx}
    return meta


def _check_per(per: str) -> None:
    if per not in ("pair", "slice"):
        raise ValueError(f'per must be "pair" or "slice"; got {per!r}')


def _bars(
    ax: Any, labels: list[str], values: np.ndarray, color: str, muted: Sequence[int] = ()
) -> None:
    """Bars on a log scale; bars at the indices ``muted`` are hatched grey (not counted)."""
    pos = np.arange(len(values))
    finite = np.where(np.isfinite(values), values, 0.0)
    colors = ["0.8" if i in muted else color for i in range(len(values))]
    bars = ax.bar(pos, finite, color=colors)
    for i in muted:
        bars[i].set_hatch("//")
        bars[i].set_edgecolor("0.4")
    ax.set_xticks(pos, labels, rotation=30, ha="right", fontsize="small")
    if np.any(finite > 0):
        ax.set_yscale("log")


def _lines(ax: Any, results: Mapping[Hashable, Any], keys: list[Hashable], norm: float) -> None:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    positive = False
    for i, pair in enumerate(keys):
        v = np.asarray(results[pair].slices, dtype=float) / norm
        positive |= bool(np.any(v[np.isfinite(v)] > 0))
        ax.plot(np.arange(len(v)), v, "o-", ms=3, lw=1, color=cmap(i % 10), label=_label(pair))
    ax.set_xlabel("slice index within the pair")
    if positive:
        ax.set_yscale("log")
    ax.legend(fontsize="small", ncols=2)


def plot_energy_profile(
    Sx: Any,
    meta: Mapping[str, Any],
    *,
    x: Any = None,
    pairs: Sequence[Hashable] | None = None,
    kind: Literal["l2", "l1"] = "l2",
    per: Per = "pair",
    ax: Any = None,
) -> Axes:
    """Energy of the coefficients per pair (bars) or per slice of each pair (lines).

    Parameters
    ----------
    Sx : array, shape (..., n_rows, N_out), or dict of str to array
        Scattering or JTFS output (any layout accepted by :func:`scatterwave.toolkit.coeff_energy`).
    meta : dict
        The transform's ``meta()``.
    x : array, shape (..., N), optional
        The input: energies are then shown relative to ``||x||**2`` (``kind="l2"``) or
        ``||x||_1``, and the title gives the total ratio ``E_out / E_in`` over the pairs of
        :func:`scatterwave.toolkit.partition_pairs` (for JTFS without ``S1``, which the joint
        pairs decompose; for time scattering without averaging, orders 0 and 1 only): a pair
        left out is drawn hatched grey and labelled "not in total".
    pairs : sequence, optional
        Pairs (or scattering orders) to draw; default all.
    kind : {"l2", "l1"}
        Squared L2 norm (energy) or L1 norm.
    per : {"pair", "slice"}
        One bar per pair, or one line per pair over its slices.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
    """
    from scatterwave.toolkit.energy import coeff_energy, is_averaged, partition_pairs

    _check_per(per)
    results = coeff_energy(Sx, _meta_for(Sx, meta), kind=kind)
    keys = _select(results, pairs)
    norm, unit = 1.0, "energy" if kind == "l2" else "L1 norm"
    if x is not None:
        xa = np.asarray(to_numpy(x), dtype=np.float64)
        norm = float(np.sum(xa**2) if kind == "l2" else np.sum(np.abs(xa)))
        if not norm > 0:
            raise ValueError("x has zero norm: cannot show energies relative to it")
        unit = f"{unit} / input {unit}"
    ax = get_axes(ax)
    counted = partition_pairs(list(results), averaged=is_averaged(meta))
    if per == "pair":
        values = np.array([results[p].total for p in keys]) / norm
        labels = [_label(p) for p in keys]
        muted = [i for i, p in enumerate(keys) if p not in counted]
        for i in muted:
            labels[i] += " (not in total)"
        _bars(ax, labels, values, "tab:blue", muted)
    else:
        _lines(ax, results, keys, norm)
    ax.set_ylabel(unit)
    title = "energy per pair" if per == "pair" else "energy per slice"
    if x is not None:
        total = sum(results[p].total for p in counted) / norm
        note = ""
        if len(counted) != len(results) and "S1" in results:
            shown = " (grey bar)" if per == "pair" and "S1" in keys else ""
            note = f"; S1{shown} not counted: the joint pairs split it"
        elif len(counted) != len(results):
            shown = " (grey)" if per == "pair" else ""
            note = f"; order 2{shown} not counted: unaveraged, it splits order 1"
        title += f" (E_out / E_in = {total:.3f}{note})"
    ax.set_title(title, fontsize="medium")
    return ax


def plot_coeff_distance(
    Sx0: Any,
    Sx1: Any,
    meta: Mapping[str, Any],
    *,
    pairs: Sequence[Hashable] | None = None,
    kind: Literal["l2", "l1"] = "l2",
    per: Per = "pair",
    ax: Any = None,
) -> Axes:
    """Relative distance ``||Sx1 - Sx0|| / ||Sx0||`` per pair (bars) or per slice (lines).

    Parameters
    ----------
    Sx0, Sx1 : array, shape (..., n_rows, N_out), or dict of str to array
        Reference and compared coefficients with the same layout.
    meta : dict
        The transform's ``meta()``.
    pairs : sequence, optional
        Pairs (or scattering orders) to draw; default all.
    kind : {"l2", "l1"}
        Norm of the distance.
    per : {"pair", "slice"}
        One bar per pair, or one line per pair over its slices.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
    """
    from scatterwave.toolkit.distance import coeff_distance

    _check_per(per)
    results = coeff_distance(Sx0, Sx1, _meta_for(Sx0, meta), kind=kind)
    keys = _select(results, pairs)
    ax = get_axes(ax)
    if per == "pair":
        values = np.array([results[p].total for p in keys], dtype=float)
        _bars(ax, [_label(p) for p in keys], values, "tab:orange")
    else:
        _lines(ax, results, keys, 1.0)
    ax.set_ylabel("relative distance")
    ax.set_title("relative distance per " + per)
    return ax
