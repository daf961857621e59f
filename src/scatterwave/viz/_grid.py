"""Layout of JTFS joint slices on the (xi2, xi1_fr) plane, shared by the 2-D and 4-D views.

A *joint slice* is the set of rows of one pair sharing ``(n2, n1_fr)``: an image over
``(n1, t)``. The plane has one column per temporal wavelet ``n2`` (highest ``xi2`` on the left)
plus a last column for the temporal low-pass ``phi_t``, and one row per frequential wavelet:
spin up on top (highest ``|xi1_fr|`` first), the frequential low-pass ``phi_f`` in the middle,
spin down below (mirror order), as in Andén, Lostanlen and Mallat (2019), Fig. 2.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scatterwave.viz._style import first_item, jtfs_pairs, to_numpy
from scatterwave.vocabulary import (
    JOINT_PAIRS,
    PHI_T_PHI_F,
    PHI_T_PSI_F,
    PSI_T_PHI_F,
    PSI_T_PSI_F_DN,
    PSI_T_PSI_F_UP,
    pair_meta,
)

#: Pairs drawn on the joint plane and their (column kind, row kind).
PLANE_POSITION: dict[str, tuple[str, str]] = {
    PSI_T_PSI_F_UP: ("psi_t", "up"),
    PSI_T_PSI_F_DN: ("psi_t", "dn"),
    PSI_T_PHI_F: ("psi_t", "phi_f"),
    PHI_T_PSI_F: ("phi_t", "up"),
    PHI_T_PHI_F: ("phi_t", "phi_f"),
}


@dataclass
class Cell:
    """One joint slice: its coefficients ``(n1, t)`` and filter parameters."""

    pair: str
    image: np.ndarray | None
    xi: tuple[float, float]  # (xi2, xi1_fr); NaN where the pair has a low-pass
    sigma: tuple[float, float]
    xi1: np.ndarray | None = None  # first-order centre frequency of each image row
    stride: float = 1.0  # samples between the image's time frames


@dataclass
class JointGrid:
    """Joint slices indexed by (grid row, grid column), with axis labels."""

    n_rows: int
    n_cols: int
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    col_xi2: list[float] = field(default_factory=list)  # NaN for the phi_t column
    row_xi_fr: list[float] = field(default_factory=list)  # signed; 0 for the phi_f row


def _columns(m: Mapping[str, Any], name: str, n_rows: int) -> np.ndarray:
    a = np.asarray(m[name], dtype=float) if name in m else np.full((n_rows, 3), np.nan)
    if a.ndim == 1:
        a = a[:, None]
    if a.shape[1] < 2:
        raise ValueError(
            f"meta[{name!r}] must have columns (n2, n1_fr, ...) / (xi2, xi1_fr, ...) per row; "
            f"got shape {a.shape}"
        )
    return a


def joint_grid(
    meta: Mapping[str, Any],
    Sx: Mapping[str, Any] | None = None,
    *,
    batch_index: int = 0,
    pairs: Sequence[str] | None = None,
) -> JointGrid:
    """Gather the joint slices of a JTFS output (or of its meta alone) onto the plane.

    Parameters
    ----------
    meta : dict
        ``TimeFrequencyScattering1D.meta()``: per pair, ``n`` (n_rows, 3) with columns
        ``(n2, n1_fr, n1)`` (-1 = low-pass), and ``xi``, ``sigma`` with the same columns.
    Sx : dict of str to array of shape (..., n_rows, N_out), optional
        Coefficients; when None the cells carry filter parameters only.
    batch_index : int
        Signal of the (flattened) batch to show.
    pairs : sequence of str, optional
        Restrict to these pairs.
    """
    source: Mapping[str, Any] = (
        Sx if Sx is not None else {p: None for p in JOINT_PAIRS if _has(meta, p)}
    )
    names = [p for p in jtfs_pairs(source, pairs) if p in JOINT_PAIRS]
    if not names:
        raise ValueError(
            f"no joint pair among {list(source)}: need at least one of {list(JOINT_PAIRS)}"
        )
    raw = [s for pair in names for s in _slices(meta, Sx, pair, batch_index)]
    col_keys = {_key(x[0], k[0]): x[0] for p, k, _, x, *_ in raw if PLANE_POSITION[p][0] == "psi_t"}
    row_keys = {
        (PLANE_POSITION[p][1], _key(abs(x[1]), k[1])): abs(x[1])
        for p, k, _, x, *_ in raw
        if PLANE_POSITION[p][1] != "phi_f"
    }
    cols = sorted(col_keys, key=_desc)
    up = sorted((k for s, k in row_keys if s == "up"), key=_desc)
    dn = sorted((k for s, k in row_keys if s == "dn"), key=_desc)[::-1]
    has_phi_t = any(PLANE_POSITION[p][0] == "phi_t" for p, *_ in raw)
    has_phi_f = any(PLANE_POSITION[p][1] == "phi_f" for p, *_ in raw)
    mid = len(up)
    row_of = {("up", k): i for i, k in enumerate(up)}
    row_of.update({("dn", k): mid + int(has_phi_f) + i for i, k in enumerate(dn)})
    col_of = {k: i for i, k in enumerate(cols)}
    grid = JointGrid(n_rows=len(up) + int(has_phi_f) + len(dn), n_cols=len(cols) + int(has_phi_t))
    grid.col_xi2 = [float(col_keys[k]) for k in cols] + ([float("nan")] if has_phi_t else [])
    grid.row_xi_fr = (
        [float(row_keys["up", k]) for k in up]
        + ([0.0] if has_phi_f else [])
        + [-float(row_keys["dn", k]) for k in dn]
    )
    for name, (n2, n1_fr), image, cell_xi, cell_sigma, extra in raw:
        ckind, rkind = PLANE_POSITION[name]
        col = col_of[_key(cell_xi[0], n2)] if ckind == "psi_t" else len(cols)
        row = mid if rkind == "phi_f" else row_of[rkind, _key(abs(cell_xi[1]), n1_fr)]
        grid.cells[row, col] = Cell(name, image, cell_xi, cell_sigma, **extra)
    return grid


_Slice = tuple[str, tuple[int, int], np.ndarray | None, tuple, tuple, dict[str, Any]]


def _slices(
    meta: Mapping[str, Any], Sx: Mapping[str, Any] | None, pair: str, batch_index: int
) -> list[_Slice]:
    """Each joint slice ``(n2, n1_fr)`` of ``pair``: its image and filter parameters."""
    out: list[_Slice] = []
    m = pair_meta(meta, pair)
    n = np.asarray(m["n"])
    n = n[:, None] if n.ndim == 1 else n
    xi, sigma = _columns(m, "xi", len(n)), _columns(m, "sigma", len(n))
    stride = np.asarray(m["stride"], dtype=float) if "stride" in m else None
    coeffs = None
    if Sx is not None:
        arr = to_numpy(Sx[pair])
        if arr.ndim >= 3 and arr.shape[-2] != len(n) and arr.shape[-3] * arr.shape[-2] == len(n):
            # out_3D=True: (..., slices, rows, time), and meta lists the rows slice by slice
            arr = arr.reshape(*arr.shape[:-3], len(n), arr.shape[-1])
        coeffs = first_item(arr, 2, batch_index)
        if coeffs.shape[0] != len(n):
            raise ValueError(
                f"Sx[{pair!r}] has {coeffs.shape[0]} rows but meta describes {len(n)}: pass the "
                "output and the meta() of the same transform"
            )
    keys = [(int(a), int(b)) for a, b in n[:, :2]]
    for key in dict.fromkeys(keys):
        rows = [i for i, k in enumerate(keys) if k == key]
        image = None if coeffs is None else np.abs(coeffs[rows])
        i0 = rows[0]
        extra = {
            "xi1": xi[rows, 2] if xi.shape[1] > 2 else None,
            "stride": 1.0 if stride is None else float(stride.reshape(len(n), -1)[i0, 0]),
        }
        out.append((pair, key, image, (xi[i0, 0], xi[i0, 1]), (sigma[i0, 0], sigma[i0, 1]), extra))
    return out


def _has(meta: Mapping[str, Any], pair: str) -> bool:
    try:
        pair_meta(meta, pair)
    except KeyError:
        return False
    return True


def _key(xi: float, n: int) -> tuple[float, int]:
    """Identify a filter by its centre frequency (rounded) when known, else by its index."""
    return (round(float(xi), 10), -1) if np.isfinite(xi) else (float("nan"), n)


def _desc(key: tuple[float, int]) -> tuple[float, int]:
    """Sort key: highest frequency first; filters known only by index in index order."""
    xi, n = key
    return (-xi, n) if np.isfinite(xi) else (np.inf, n)
