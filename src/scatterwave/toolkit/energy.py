"""Energy of signals and of scattering / JTFS coefficients, per pair and per slice.

Vocabulary: a *pair* is a group of coefficient rows sharing the same kind of filters: the
scattering *order* (0, 1, 2) for :class:`~scatterwave.Scattering1D`, a JTFS pair such as
``"psi_t * psi_f_up"`` for joint time-frequency scattering. A *slice* is a set of rows of one pair
sharing all wavelet indices but the last, i.e. the rows with equal ``meta["n"][:-1]``: for
second-order time scattering (``meta["n"] = (n1, n2)``), all ``n2`` of one parent ``n1``; for
JTFS with ``meta["n"] = (n2, n1_fr, n1)``, the joint slice over ``n1`` for fixed
``(n2, n1_fr)``. ``slice_by="row"`` makes every row its own slice.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from scatterwave.toolkit._common import (
    SliceBy,
    abs2,
    namespace,
    per_row,
    reduce_except_row,
    slice_keys,
    sum_by_slice,
    to_numpy,
)
from scatterwave.vocabulary import PSI_T_PSI_F_DN, PSI_T_PSI_F_UP

__all__ = [
    "EnergyConservation",
    "EnergyRatios",
    "PairEnergy",
    "coeff_energy",
    "coeff_energy_ratios",
    "energy",
    "est_energy_conservation",
    "is_averaged",
    "partition_pairs",
]

Kind = Literal["l2", "l1"]


def energy(x: Any, *, axis: int | tuple[int, ...] | None = -1, kind: Kind = "l2") -> Any:
    """Energy ``sum |x|**2`` (``kind="l2"``) or ``l1`` norm ``sum |x|`` along ``axis``.

    Parameters
    ----------
    x : array, shape (..., N)
        Any array-API array (NumPy, torch, JAX, ...), real or complex.
    axis : int, tuple of int or None
        Axes to reduce; ``None`` reduces all.
    kind : {"l2", "l1"}
        Squared L2 norm or L1 norm.

    Returns
    -------
    e : array, shape of ``x`` without ``axis``
        Same array library, device and real dtype as ``x``.
    """
    xp = namespace(x)
    if kind == "l2":
        v = abs2(xp, x)
    elif kind == "l1":
        v = xp.abs(x)
    else:
        raise ValueError(f'kind must be "l2" or "l1", got {kind!r}.')
    return xp.sum(v, axis=axis)


@dataclass(frozen=True)
class PairEnergy:
    """Energy of one pair.

    Attributes
    ----------
    total : float
        Energy of every coefficient of the pair (summed over batch and time).
    slices : ndarray, shape (n_slices,)
        Energy of each slice.
    slice_keys : list of tuple of int
        Label of each slice (``meta["n"][:-1]`` of its rows, or ``(row,)``).
    rows : ndarray, shape (n_rows,)
        Energy of each row of the pair.
    """

    total: float
    slices: np.ndarray
    slice_keys: list[tuple[int, ...]]
    rows: np.ndarray


def _row_reducer(kind: Kind) -> Callable[..., tuple[Any, ...]]:
    if kind not in ("l2", "l1"):
        raise ValueError(f'kind must be "l2" or "l1", got {kind!r}.')

    def fn(xp: Any, a: Any) -> tuple[Any, ...]:
        v = abs2(xp, a) if kind == "l2" else xp.abs(a)
        return (reduce_except_row(xp, v),)

    return fn


def coeff_energy(
    Sx: Any,
    meta: Mapping[str, Any],
    *,
    kind: Kind = "l2",
    slice_by: SliceBy = "parent",
) -> dict[Hashable, PairEnergy]:
    """Energy of coefficients per pair (order for time scattering) and per slice.

    Parameters
    ----------
    Sx : array, shape (..., n_rows, N_out), or dict of arrays
        Coefficients: an array aligned with ``meta`` (grouped by ``meta["pair"]`` when present,
        else ``meta["order"]``), a dict ``{pair: (..., n_rows_pair, N_out)}`` with
        ``meta[pair][field]`` or ``meta[field][pair]``, or a ``Scattering1D`` dict output keyed by
        ``meta["key"]`` entries. Any array library.
    meta : dict
        The transform's ``meta()``.
    kind : {"l2", "l1"}
        Squared L2 norm (energy) or L1 norm.
    slice_by : {"parent", "row"}
        Slice definition (see the module docstring).

    Returns
    -------
    energies : dict
        Pair name or order -> :class:`PairEnergy`, in the order the pairs appear.
    """
    groups = per_row([Sx], meta, _row_reducer(kind))
    out: dict[Hashable, PairEnergy] = {}
    for pair, group in groups.items():
        rows = group.values[0].astype(np.float64)
        slices, keys = sum_by_slice(rows, slice_keys(group, slice_by))
        out[pair] = PairEnergy(float(rows.sum()), slices, keys, rows)
    return out


@dataclass(frozen=True)
class EnergyRatios:
    """Spin-down over spin-up energy ratios.

    Attributes
    ----------
    total : float
        ``E(down) / E(up)`` over all slices (``inf`` if the up energy is 0).
    slices : ndarray, shape (n_slices,)
        Ratio per slice; ``nan`` where both energies are 0.
    slice_keys : list of tuple of int
        Label of each slice.
    """

    total: float
    slices: np.ndarray
    slice_keys: list[tuple[int, ...]]


def _ratio(num: np.ndarray | float, den: np.ndarray | float) -> Any:
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(
            den > 0, num / np.where(den > 0, den, 1.0), np.where(num > 0, np.inf, np.nan)
        )


def coeff_energy_ratios(
    Sx: Any,
    meta: Mapping[str, Any],
    *,
    up: Hashable = PSI_T_PSI_F_UP,
    down: Hashable = PSI_T_PSI_F_DN,
    kind: Kind = "l2",
    slice_by: SliceBy = "parent",
) -> EnergyRatios:
    """Ratio of spin-down to spin-up energy, per slice and in total.

    For a signal whose frequencies rise over time (an upward chirp) the spin-up JTFS
    coefficients dominate and the ratios are below 1; for falling frequencies they are above 1.

    Parameters
    ----------
    Sx : array, shape (..., n_rows, N_out), or dict of arrays
        JTFS coefficients in any layout accepted by :func:`coeff_energy`.
    meta : dict
        The transform's ``meta()``.
    up, down : hashable
        Names of the spin-up and spin-down pairs.
    kind : {"l2", "l1"}
        Energy (squared L2) or L1 norm.
    slice_by : {"parent", "row"}
        Slice definition; up and down slices are matched by slice label.

    Returns
    -------
    ratios : EnergyRatios
    """
    e = coeff_energy(Sx, meta, kind=kind, slice_by=slice_by)
    missing = [p for p in (up, down) if p not in e]
    if missing:
        raise ValueError(
            f"pairs {missing} not found in the coefficients; available pairs: {list(e)}. "
            "Pass up=... and down=... naming the spin-up and spin-down pairs."
        )
    e_up, e_dn = e[up], e[down]
    if sorted(e_up.slice_keys) != sorted(e_dn.slice_keys):
        raise ValueError(
            f"the slices of {up!r} and {down!r} differ ({len(e_up.slice_keys)} vs "
            f"{len(e_dn.slice_keys)} slices with different labels): they cannot be matched."
        )
    pos = {k: i for i, k in enumerate(e_up.slice_keys)}
    up_aligned = np.asarray([e_up.slices[pos[k]] for k in e_dn.slice_keys])
    return EnergyRatios(
        float(_ratio(e_dn.total, e_up.total)), _ratio(e_dn.slices, up_aligned), e_dn.slice_keys
    )


@dataclass(frozen=True)
class EnergyConservation:
    """Energy of a transform's output relative to the input's energy.

    Attributes
    ----------
    total : float
        ``sum |Sx|**2 / sum |x|**2`` over the pairs that partition the output's energy
        (:func:`partition_pairs`: every pair, but ``S1`` where JTFS joint pairs decompose it,
        and orders 0 and 1 only for time scattering without averaging).
    per_pair : dict
        The same ratio restricted to each pair (order for time scattering), ``S1`` included.
    """

    total: float
    per_pair: dict[Hashable, float]


def est_energy_conservation(x: Any, transform: Callable[[Any], Any]) -> EnergyConservation:
    """Estimate how much of the input's energy a transform's output keeps.

    With ``normalize="energy"`` (the default of the transforms) and averaging, the orders
    partition the energy of a non-expansive scattering: ``total`` stays below 1 and approaches
    it as orders are added; the per-pair ratios show where the energy goes. Without averaging
    (``average=False``) the order-2 rows re-decompose the order-1 moduli: ``total`` is then
    that of orders 0 and 1, which tile the input's spectrum. In joint time-frequency
    scattering the joint pairs decompose ``S1`` (a frame along frequency): ``S0`` and the joint
    pairs make the total, and ``S1`` is reported per pair only (:func:`partition_pairs`; as
    :func:`scatterwave.viz.plot_energy_profile` draws it).

    Parameters
    ----------
    x : array, shape (..., N)
        Input signal(s), any array library supported by ``transform``.
    transform : callable with a ``meta()`` method
        E.g. a :class:`~scatterwave.Scattering1D` or
        :class:`~scatterwave.TimeFrequencyScattering1D` instance.

    Returns
    -------
    result : EnergyConservation
    """
    if not hasattr(transform, "meta"):
        raise TypeError(
            f"transform must be callable and provide meta() (e.g. a Scattering1D); got "
            f"{type(transform).__name__}."
        )
    e_x = float(to_numpy(energy(x, axis=None)))
    if e_x == 0:
        raise ValueError("x has zero energy: energy conservation is undefined for a zero signal.")
    meta = transform.meta()
    e = coeff_energy(transform(x), meta)
    per_pair = {pair: pe.total / e_x for pair, pe in e.items()}
    counted = partition_pairs(list(per_pair), averaged=is_averaged(meta))
    total = sum(per_pair[p] for p in counted)
    return EnergyConservation(float(total), per_pair)


def partition_pairs(pairs: list[Hashable], *, averaged: bool = True) -> list[Hashable]:
    """Return the pairs whose energies add up to the output energy.

    In JTFS the ``phi_t * ...`` and ``psi_t * ...`` pairs decompose ``S1`` (a frame along
    frequency), so ``S1`` is left out where any of them is present; every other pair counts.
    In time scattering every order counts when the rows are averaged; without averaging the
    order-2 envelopes re-decompose the order-1 envelopes, and orders 0 (``x * phi_T``) and 1
    (``|x * psi1|``) alone tile the input's spectrum, so only they count.

    Parameters
    ----------
    pairs : list
        Pair names (JTFS) or orders (time scattering), e.g. the keys of :func:`coeff_energy`.
    averaged : bool
        Whether the time-scattering rows are averaged (``all(meta()["averaged"])`` of a
        :class:`~scatterwave.Scattering1D`; :func:`is_averaged`). Ignored for JTFS pairs.

    Returns
    -------
    list
    """
    joint = any(isinstance(p, str) and p.startswith(("phi_t", "psi_t")) for p in pairs)
    if not averaged and not any(isinstance(p, str) for p in pairs):
        return [p for p in pairs if p in (0, 1)]
    return [p for p in pairs if not (joint and p == "S1")]


def is_averaged(meta: Mapping[str, Any]) -> bool:
    """Whether every row of a time-scattering ``meta()`` is averaged (True without the column).

    Parameters
    ----------
    meta : dict
        A transform's ``meta()``.

    Returns
    -------
    bool
    """
    column = meta.get("averaged")
    return True if column is None else bool(np.all(np.asarray(column)))
