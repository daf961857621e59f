"""Shared plumbing of :mod:`scatterwave.viz`: lazy matplotlib, axes handling, units, meta access.

matplotlib is imported only inside these helpers, never at module import time, so that
``import scatterwave`` (and even ``import scatterwave.viz``) works without it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from scatterwave.toolkit._common import to_numpy
from scatterwave.vocabulary import PAIRS, pair_meta

__all__ = [
    "CMAP_MAGNITUDE",
    "CMAP_SIGNED",
    "JTFS_PAIRS",
    "check_sample_rate",
    "first_item",
    "freq_unit",
    "get_axes",
    "get_axes_grid",
    "jtfs_pairs",
    "pair_meta",
    "pyplot",
    "save",
    "time_unit",
    "to_numpy",
]

#: Pair names of joint time-frequency scattering, in the order they are drawn.
JTFS_PAIRS: tuple[str, ...] = PAIRS

#: Colour maps: signed quantities (real / imaginary parts) and magnitudes.
CMAP_SIGNED = "RdBu_r"
CMAP_MAGNITUDE = "magma"


def pyplot() -> Any:
    """Import and return :mod:`matplotlib.pyplot`, with an install hint when missing."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "scatterwave.viz needs matplotlib; install it with `pip install scatterwave[viz]`"
        ) from exc
    return plt


def get_axes(ax: Any, *, figsize: tuple[float, float] = (7.0, 3.5)) -> Any:
    """``ax`` itself, or a new single Axes on a new figure when ``ax`` is None."""
    if ax is not None:
        if not hasattr(ax, "get_figure"):
            raise TypeError(
                f"ax must be a matplotlib Axes or None; got {type(ax).__name__}. Create one with "
                "`fig, ax = plt.subplots()`"
            )
        return ax
    plt = pyplot()
    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def get_axes_grid(
    ax: Any, shape: tuple[int, int], *, figsize: tuple[float, float], tight: bool = False
) -> np.ndarray:
    """Return a 2-D object array of Axes of the given shape: ``ax`` checked, or new ones.

    ``tight=True`` packs many small panels with fixed margins (much faster than the
    constrained layout used otherwise).
    """
    if ax is None:
        plt = pyplot()
        if not tight:
            return plt.subplots(*shape, figsize=figsize, layout="constrained", squeeze=False)[1]
        fig, axes = plt.subplots(*shape, figsize=figsize, squeeze=False)
        fig.subplots_adjust(left=0.13, right=0.99, bottom=0.01, top=0.92, wspace=0.06, hspace=0.1)
        return axes
    axes = np.asarray(ax, dtype=object)
    if axes.size != shape[0] * shape[1]:
        raise ValueError(
            f"ax must hold {shape[0] * shape[1]} Axes for a {shape[0]} x {shape[1]} grid; got "
            f"{axes.size}. Pass ax=None to create the figure, or e.g. "
            f"`plt.subplots({shape[0]}, {shape[1]}, squeeze=False)[1]`"
        )
    for a in axes.flat:
        if not hasattr(a, "get_figure"):
            raise TypeError(f"ax must contain matplotlib Axes; got {type(a).__name__}")
    return axes.reshape(shape)


def check_sample_rate(sample_rate: float | None) -> float | None:
    """Validate ``sample_rate`` (Hz, > 0) or None."""
    if sample_rate is None:
        return None
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, float, np.number)):
        raise TypeError(f"sample_rate must be a number of Hz or None; got {sample_rate!r}")
    if not math.isfinite(sample_rate) or sample_rate <= 0:
        raise ValueError(
            f"sample_rate must be a finite number of Hz > 0 or None; got {sample_rate}"
        )
    return float(sample_rate)


def freq_unit(sample_rate: float | None) -> tuple[float, str]:
    """Scale from cycles/sample to the display unit, and the axis label."""
    if sample_rate is None:
        return 1.0, "frequency (cycles/sample)"
    return sample_rate, "frequency (Hz)"


def time_unit(sample_rate: float | None) -> tuple[float, str]:
    """Scale from samples to the display unit, and the axis label."""
    if sample_rate is None:
        return 1.0, "time (samples)"
    return 1.0 / sample_rate, "time (s)"


def jtfs_pairs(Sx: Mapping[str, Any], pairs: Sequence[str] | None) -> list[str]:
    """Return the requested pairs present in ``Sx``, in canonical order, validated."""
    if not isinstance(Sx, Mapping):
        raise TypeError(
            f"Sx must be a dict of pair name to array, as returned by TimeFrequencyScattering1D "
            f"with out_type='dict'; got {type(Sx).__name__}"
        )
    if pairs is None:
        return [p for p in JTFS_PAIRS if p in Sx] + [p for p in Sx if p not in JTFS_PAIRS]
    missing = [p for p in pairs if p not in Sx]
    if missing:
        raise ValueError(f"pairs {missing} are not in Sx; available: {list(Sx)}")
    return list(pairs)


def first_item(a: np.ndarray, n_trailing: int, batch_index: int) -> np.ndarray:
    """Select signal ``batch_index`` of the flattened leading (batch) axes of ``a``."""
    a = to_numpy(a)
    if a.ndim < n_trailing:
        raise ValueError(f"expected at least {n_trailing} dimensions; got shape {a.shape}")
    flat = a.reshape(-1, *a.shape[a.ndim - n_trailing :])
    if not -flat.shape[0] <= batch_index < flat.shape[0]:
        raise IndexError(f"batch_index {batch_index} out of range for a batch of {flat.shape[0]}")
    return flat[batch_index]


def save(fig: Any, path: Any, *, dpi: int) -> None:
    """Save a figure, creating its parent folder."""
    from pathlib import Path

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
