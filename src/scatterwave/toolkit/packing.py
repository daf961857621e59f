"""Pack joint time-frequency scattering outputs into dense 4-D tensors (for 2-D / 3-D convnets).

Axes, all ordered by **increasing frequency**:

* ``n1`` (first-order frequency): output rows are reversed (row 0 of a slice is the highest
  frequency) and slices with fewer rows are zero-padded at the low-frequency end;
* ``n2`` (second-order, temporal modulation): index 0 is the time low-pass ``phi_t`` (the
  ``phi_t * phi_f`` and ``phi_t * psi_f`` pairs), then the second-order wavelets from the
  lowest to the highest centre frequency;
* ``n1_fr`` (frequential modulation, signed): spin-down wavelets from the most negative
  frequential frequency, the frequential low-pass ``phi_f``, then spin-up wavelets up to the
  highest; structures 3 and 4 order each spin by increasing ``|xi_fr|`` instead.

``phi_t * psi_f`` has no spin (it stands for both, with a ``sqrt 2`` energy factor): it is
placed at both the spin-up and the spin-down position, each scaled by ``1 / sqrt 2``, so the
packed energy equals the input energy. Likewise ``phi_f`` pairs duplicated into both spins
(structure 4) are scaled by ``1 / sqrt 2``. Slices the transform did not produce
(``sampling_filters_fr="exclude"``, ``paths_exclude``, ``out_exclude``) are explicit zeros.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from scatterwave.toolkit._common import joined_3d, namespace
from scatterwave.vocabulary import (
    FREQUENTIAL_LOWPASS_PAIRS,
    JOINT_PAIRS,
    JTFS_META,
    PSI_T_PSI_F_DN,
    PSI_T_PSI_F_UP,
    TIME_LOWPASS_PAIRS,
)

Array = Any


def pack_coeffs_jtfs(
    Scx: dict[str, Array] | Array | tuple[Array, Array],
    meta: dict[str, Any],
    *,
    structure: Literal[1, 2, 3, 4] = 1,
    separate_lowpass: bool = False,
) -> Array | tuple[Array, ...]:
    """Pack JTFS coefficients into dense tensors.

    Parameters
    ----------
    Scx : dict of str to array, array, or tuple of two arrays
        Output of :class:`scatterwave.TimeFrequencyScattering1D` with ``average=True`` (all rows
        share one time length ``t``): ``out_type="dict"`` (with or without ``out_3D``),
        ``out_type="array"`` ``(..., n_rows, t)``, or the ``out_3D`` array tuple.
        Any array library; leading batch dimensions are kept.
    meta : dict
        ``jtfs.meta()`` of the same transform (row-aligned).
    structure : {1, 2, 3, 4}
        1: ``(..., n1_fr, n2, n1, t)``; 2: ``(..., n2, n1_fr, n1, t)``;
        3: ``(up, dn, phi_f)`` with ``up``, ``dn`` of shape ``(..., n2, n_fr, n1, t)`` and
        ``phi_f`` (the ``phi_f`` pairs) of shape ``(..., n2, 1, n1, t)``;
        4: ``(up, dn)`` of shape ``(..., n2, 1 + n_fr, n1, t)``, each including ``phi_f`` at
        ``n1_fr`` index 0. ``n2`` counts ``phi_t`` plus the second-order wavelets;
        ``n1_fr`` counts ``2 n_fr + 1`` (structures 1, 2).
    separate_lowpass : bool
        Structures 1 and 2: return ``(spinned, phi_f, phi_t)`` where ``spinned`` excludes
        the ``phi_f`` column and the ``phi_t`` row (``(..., 2 n_fr, n2 - 1, n1, t)`` for
        structure 1), ``phi_f`` holds ``psi_t * phi_f`` (``(..., 1, n2 - 1, n1, t)``) and
        ``phi_t`` holds the ``phi_t`` pairs (``(..., 2 n_fr + 1, 1, n1, t)``); axes as in
        ``structure``. Structure 3: ``(up, dn, phi_f, phi_t)`` with ``phi_t`` split off the
        same way, shape ``(..., 1, 2 n_fr + 1, n1, t)`` (spin-down, ``phi_f``, spin-up). Not
        available for structure 4.

    Returns
    -------
    array or tuple of arrays
        Same library, device and dtype as ``Scx``.

    Raises
    ------
    ValueError
        On a structure other than 1-4, on rows of different time lengths, or when ``meta``
        does not match ``Scx``.
    """
    if structure not in (1, 2, 3, 4) or isinstance(structure, bool):
        raise ValueError(f"structure must be 1, 2, 3 or 4; got {structure!r}")
    if separate_lowpass and structure == 4:
        raise ValueError(
            "separate_lowpass=True is not available for structure 4, whose tensors include the "
            "low-pass by definition; use structure 3 (or 1, 2) with separate_lowpass=True"
        )
    rows, xp = _rows(Scx, meta)
    layout = _SliceLayout.of(meta)
    if structure in (1, 2):
        entries = _entries_signed(layout, separate_lowpass)
    else:
        entries = _entries_by_spin(layout, structure, separate_lowpass)
    shapes = _shapes(structure, separate_lowpass, layout.K, len(layout.n2_all) + 1, layout.R)
    return _gather(rows, xp, entries, shapes, rows.shape[-2], structure, separate_lowpass)


_Entries = dict[str, list[tuple[tuple[int, ...], int, float]]]


@dataclass(frozen=True)
class _SliceLayout:
    """Where each joint row of ``meta`` goes: its pair, wavelet indices and packed positions."""

    pair: np.ndarray  # (n_rows,) str
    n: np.ndarray  # (n_rows, 2): the (n2, n1_fr) columns of meta["n"]
    joint: np.ndarray  # (n_rows,) bool
    fr_all: list[int]  # n1_fr values, lowest |xi_fr| first
    n2_pos: dict[int, int]  # n2 -> position along the packed n2 axis (phi_t at 0)
    j1: dict[int, int]  # joint row -> position along the packed n1 axis
    n2_all: list[int]
    R: int

    @property
    def K(self) -> int:
        """Number of frequential wavelets (per spin)."""
        return len(self.fr_all)

    @classmethod
    def of(cls, meta: dict[str, Any]) -> _SliceLayout:
        pair = np.asarray(meta["pair"]).astype(str)
        n = np.asarray(meta["n"])
        c_n2, c_fr, c_n1 = (JTFS_META.column(c) for c in ("n2", "n1_fr", "n1"))
        stride_f = np.asarray(meta["stride"])[:, JTFS_META.stride_columns.index("frequency")]
        joint = np.isin(pair, JOINT_PAIRS)
        if not joint.any():
            raise ValueError("meta has no joint pair to pack (all were excluded)")
        n2_all = sorted({int(v) for v in n[joint, c_n2] if v >= 0}, reverse=True)  # low freq first
        fr_all = sorted({int(v) for v in n[joint, c_fr] if v >= 0}, reverse=True)  # low |xi| first
        n2_pos = {-1: 0, **{v: i + 1 for i, v in enumerate(n2_all)}}
        # slice rows: position within the slice from the row's first-order centre
        r = np.where(n[:, c_n1] >= 0, n[:, c_n1] // np.maximum(stride_f, 1), 0)
        slice_len: dict[tuple, int] = {}
        for i in np.flatnonzero(joint):
            key = (pair[i], n[i, c_n2], n[i, c_fr])
            slice_len[key] = max(slice_len.get(key, 0), int(r[i]) + 1)
        R = max(slice_len.values())
        j1 = {}
        for i in np.flatnonzero(joint):
            length = slice_len[(pair[i], n[i, c_n2], n[i, c_fr])]
            j1[int(i)] = R - length + (length - 1 - int(r[i]))  # reversed, zero-padded low
        n_cols = n[:, [c_n2, c_fr]]
        return cls(pair, n_cols, joint, fr_all, n2_pos, j1, n2_all, R)


def _fr_signed(layout: _SliceLayout, p: str, n1_fr: int) -> list[tuple[int, float]]:
    """Signed frequential positions (structures 1, 2): dn (most negative) ... phi ... up."""
    K, fr_all = layout.K, layout.fr_all
    if n1_fr < 0:
        return [(K, 1.0)]
    up, dn = K + 1 + fr_all.index(n1_fr), K - 1 - fr_all.index(n1_fr)
    if p in FREQUENTIAL_LOWPASS_PAIRS:
        return [(K, 1.0)]
    if p == PSI_T_PSI_F_UP:
        return [(up, 1.0)]
    if p == PSI_T_PSI_F_DN:
        return [(dn, 1.0)]
    return [(up, math.sqrt(0.5)), (dn, math.sqrt(0.5))]  # phi_t * psi_f


def _entries_signed(layout: _SliceLayout, separate_lowpass: bool) -> _Entries:
    """Packed positions of structures 1 and 2 (built as 1): ``(n1_fr, n2, n1)`` per tensor."""
    entries: _Entries = {}
    K = layout.K
    for i in np.flatnonzero(layout.joint):
        p, n2, n1_fr = layout.pair[i], int(layout.n[i, 0]), int(layout.n[i, 1])
        j2, j1 = layout.n2_pos[n2], layout.j1[int(i)]
        is_phi_t, is_phi_f = p in TIME_LOWPASS_PAIRS, p in FREQUENTIAL_LOWPASS_PAIRS
        for f, scale in _fr_signed(layout, p, n1_fr):
            if separate_lowpass and is_phi_t:
                name, pos = "phi_t", (f, 0, j1)
            elif separate_lowpass and is_phi_f:
                name, pos = "phi_f", (0, j2 - 1, j1)
            else:
                ff = f - (f > K) if separate_lowpass else f
                name, pos = "main", (ff, j2 - separate_lowpass, j1)
            entries.setdefault(name, []).append((pos, int(i), scale))
    return entries


def _entries_by_spin(layout: _SliceLayout, structure: int, separate_lowpass: bool) -> _Entries:
    """Packed positions of structures 3 and 4: ``(n2, n_fr, n1)`` per spin tensor."""
    entries: _Entries = {}

    def put(name: str, pos: tuple[int, ...], row: int, scale: float) -> None:
        entries.setdefault(name, []).append((pos, row, scale))

    for i in np.flatnonzero(layout.joint):
        p, n1_fr = layout.pair[i], int(layout.n[i, 1])
        j2, j1 = layout.n2_pos[int(layout.n[i, 0])], layout.j1[int(i)]
        is_phi_t, is_phi_f = p in TIME_LOWPASS_PAIRS, p in FREQUENTIAL_LOWPASS_PAIRS
        spins = {PSI_T_PSI_F_UP: ("up",), PSI_T_PSI_F_DN: ("dn",)}.get(p, ("up", "dn"))
        for spin in spins:
            dup = len(spins) == 2
            scale = math.sqrt(0.5) if dup else 1.0
            if structure == 3 and is_phi_f:
                if separate_lowpass and is_phi_t:
                    put("phi_t", (0, 0, j1), int(i), 1.0)
                else:
                    put("phi_f", (j2 - separate_lowpass, 0, j1), int(i), 1.0)
                break
            f = (0 if is_phi_f else 1 + layout.fr_all.index(n1_fr)) - (structure == 3)
            if separate_lowpass and is_phi_t:
                put("phi_t_" + spin, (0, f, j1), int(i), scale)
            else:
                put(spin, (j2 - separate_lowpass, f, j1), int(i), scale)
    return entries


def _shapes(structure: int, sep: bool, K: int, n2: int, R: int) -> dict[str, tuple]:
    if structure == 1:
        main = (2 * K + 1 - sep, n2 - sep, R)
        return {"main": main, "phi_f": (1, n2 - 1, R), "phi_t": (2 * K + 1, 1, R)}
    if structure == 2:  # built as structure 1, transposed at the end
        main = (2 * K + 1 - sep, n2 - sep, R)
        return {"main": main, "phi_f": (1, n2 - 1, R), "phi_t": (2 * K + 1, 1, R)}
    if structure == 3:
        spin = (n2 - sep, K, R)
        return {
            "up": spin,
            "dn": spin,
            "phi_f": (n2 - sep, 1, R),
            "phi_t": (1, 1, R),
            "phi_t_up": (1, K, R),
            "phi_t_dn": (1, K, R),
        }
    spin = (n2, K + 1, R)
    return {"up": spin, "dn": spin}


def _gather(rows, xp, entries, shapes, n_rows, structure, sep) -> Array:
    from array_api_compat import device

    from scatterwave.core.ops import as_index

    lead, t = rows.shape[:-2], rows.shape[-1]
    zero = xp.zeros((*lead, 1, t), dtype=rows.dtype, device=device(rows))
    padded = xp.concat([rows, zero], axis=-2)
    packed = {}
    for name, shape in shapes.items():
        idx = np.full(shape, n_rows, dtype=np.int64)
        scale = np.zeros(shape)
        for pos, row, s in entries.get(name, []):
            idx[pos] = row
            scale[pos] = s
        out = xp.take(padded, as_index(idx.ravel(), rows, xp), axis=rows.ndim - 2)
        w = xp.asarray(scale.ravel()[:, None].astype(_np_dtype(rows, xp)), device=device(rows))
        out = xp.reshape(out * w, (*lead, *shape, t))
        if structure == 2:
            nd = out.ndim
            perm = (*range(nd - 4), nd - 3, nd - 4, nd - 2, nd - 1)
            out = xp.permute_dims(out, perm)
        packed[name] = out
    if structure in (1, 2):
        return (packed["main"], packed["phi_f"], packed["phi_t"]) if sep else packed["main"]
    if structure == 3:
        if not sep:
            return packed["up"], packed["dn"], packed["phi_f"]
        # phi_t pairs: spin-down, phi_f, spin-up along n1_fr (each by increasing |xi_fr|)
        phi_t = xp.concat([packed["phi_t_dn"], packed["phi_t"], packed["phi_t_up"]], axis=-3)
        return packed["up"], packed["dn"], packed["phi_f"], phi_t
    return packed["up"], packed["dn"]


def _np_dtype(a: Array, xp: Any) -> type:
    return np.float32 if a.dtype == xp.float32 else np.float64


def _rows(Scx: Any, meta: dict) -> tuple[Array, Any]:
    """All coefficients as one ``(..., n_rows, t)`` array in meta's row order."""
    pair = np.asarray(meta["pair"]).astype(str)
    if isinstance(Scx, dict):
        order = list(dict.fromkeys(pair))
        missing = [p for p in order if p not in Scx]
        if missing:
            raise ValueError(f"meta lists pairs {missing} that Scx (keys {list(Scx)}) lacks")
        arrays = [Scx[p] for p in order]
        xp = namespace(*arrays)
        t = {a.shape[-1] for a in arrays}
        if len(t) > 1:
            raise ValueError(
                f"rows have different time lengths {sorted(t)}; packing needs average=True"
            )
        # S0 and S1 are (..., rows, t) in every layout: they give the batch axes, and a joint
        # pair with one more axis is (..., n_slices, n_freq, t) (out_3D), whatever its sizes.
        time_rows = [a.ndim for p, a in zip(order, arrays) if p in ("S0", "S1")]
        flat = []
        for p, a in zip(order, arrays):
            count = int(np.sum(pair == p))
            if time_rows:
                is_3d = a.ndim == time_rows[0] + 1
            else:  # only joint pairs: their sizes decide
                is_3d = a.ndim >= 3 and a.shape[-2] != count and a.shape[-3] * a.shape[-2] == count
            lead = a.shape[: a.ndim - (3 if is_3d else 2)]
            flat.append(xp.reshape(a, (*lead, count, a.shape[-1])))
        rows = xp.concat(flat, axis=-2)
    elif isinstance(Scx, tuple):
        rows = joined_3d(Scx)
        xp = namespace(rows)
    else:
        xp = namespace(Scx)
        rows = Scx
    if rows.shape[-2] != len(pair):
        raise ValueError(
            f"Scx has {rows.shape[-2]} rows but meta describes {len(pair)}: pass the meta() of "
            "the transform that produced Scx"
        )
    return rows, xp
