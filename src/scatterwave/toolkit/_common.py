"""Shared helpers of the toolkit: array namespaces and grouping coefficients by pair and slice.

Coefficients come in three layouts, all handled by :func:`per_row`:

* an array ``(..., n_rows, N_out)`` with a row-aligned ``meta`` (``Scattering1D`` or
  ``TimeFrequencyScattering1D`` with ``out_type="array"``): rows are grouped by ``meta["pair"]``
  when present, else by ``meta["order"]``;
* a dict ``{pair_name: array (..., n_rows_pair, N_out)}`` (JTFS ``out_type="dict"``) with
  ``meta[pair_name][field]``, ``meta[field][pair_name]``, or a row-aligned ``meta`` over the
  concatenated pairs with a ``"pair"`` field (``TimeFrequencyScattering1D.meta()``; with
  ``out_3D=True`` a pair's ``(..., n_outer, n_inner, N_out)`` block is read as its
  ``n_outer * n_inner`` rows in C order);
* a dict ``{path_key: array (..., N_out_key)}`` (``Scattering1D`` ``out_type="dict"``) whose
  keys appear in the row-aligned ``meta["key"]``: paths are grouped by ``meta["order"]``.

The meta dicts are read with the parser of :mod:`scatterwave.vocabulary`, shared with the plots
(:func:`~scatterwave.vocabulary.pair_meta`, :func:`~scatterwave.vocabulary.select_rows`,
:func:`~scatterwave.vocabulary.row_labels`, :func:`~scatterwave.vocabulary.slice_labels`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import array_api_compat
import numpy as np

from scatterwave.vocabulary import (
    is_row_aligned,
    pair_meta,
    row_labels,
    select_rows,
    slice_labels,
)

SliceBy = Literal["parent", "row"]


def to_numpy(a: Any) -> np.ndarray:
    """Convert any array (NumPy, torch incl. GPU / autograd, JAX, CuPy, TensorFlow) to NumPy."""
    if array_api_compat.is_torch_array(a):
        return a.detach().cpu().numpy()
    if array_api_compat.is_cupy_array(a):
        return a.get()
    return np.asarray(a)


def namespace(*arrays: Any) -> Any:
    """Array-API namespace of ``arrays`` (NumPy arrays and Python scalars give NumPy's)."""
    arrays = tuple(a for a in arrays if a is not None and not isinstance(a, (int, float, complex)))
    if not arrays:
        return array_api_compat.array_namespace(np.zeros(0))
    return array_api_compat.array_namespace(*arrays)


def abs2(xp: Any, a: Any) -> Any:
    """``|a|**2`` for real or complex arrays."""
    if xp.isdtype(a.dtype, "complex floating"):
        return xp.real(a) ** 2 + xp.imag(a) ** 2
    return a * a


def reduce_except_row(xp: Any, a: Any) -> Any:
    """Sum an array ``(..., n_rows, N)`` over every axis but the row axis -> ``(n_rows,)``."""
    if a.ndim < 2:
        raise ValueError(
            f"expected coefficients of shape (..., n_rows, N_out), got shape {a.shape}."
        )
    axes = tuple(i for i in range(a.ndim) if i != a.ndim - 2)
    return xp.sum(a, axis=axes)


@dataclass(frozen=True)
class RowGroup:
    """Per-row values of one pair (or order) and the matching rows of ``meta``."""

    values: tuple[np.ndarray, ...]
    meta: dict[str, Any] = field(default_factory=dict)


def _row_meta_of_dict(meta: Mapping[str, Any], pair: Hashable) -> dict[str, Any] | None:
    try:
        fields = pair_meta(meta, pair)
    except KeyError:
        return None
    return {k: _as_meta_value(v) for k, v in fields.items()}


def _as_meta_value(v: Any) -> Any:
    return v if isinstance(v, (list, tuple)) else np.asarray(v)


def per_row(
    inputs: Sequence[Any],
    meta: Mapping[str, Any],
    fn: Callable[..., tuple[Any, ...]],
) -> dict[Hashable, RowGroup]:
    """Apply a per-row reduction to one or several identically structured coefficient sets.

    Parameters
    ----------
    inputs : sequence of array or dict of arrays
        Coefficients in one of the layouts of this module; all must share the layout.
    meta : dict
        The transform's ``meta()``.
    fn : callable
        ``fn(xp, *blocks)`` with blocks of shape ``(..., n_rows, N_out)``, returning a tuple of
        arrays of shape ``(n_rows,)``.

    Returns
    -------
    groups : dict
        Pair name (or order) -> :class:`RowGroup` with NumPy values and the pair's row meta.
    """
    inputs = [joined_3d(v) if isinstance(v, tuple) else v for v in inputs]
    first = inputs[0]
    if isinstance(first, Mapping):
        for other in inputs[1:]:
            if not isinstance(other, Mapping) or set(other) != set(first):
                raise ValueError(
                    "all coefficient dicts must have the same keys; got "
                    f"{sorted(map(str, first))} and "
                    f"{sorted(map(str, other)) if isinstance(other, Mapping) else type(other)}."
                )
        keys = list(first)
        if "key" in meta and all(k in list(meta["key"]) for k in keys):
            return _per_path_key(inputs, meta, fn)
        groups: dict[Hashable, RowGroup] = {}
        row_pairs = list(meta["pair"]) if is_row_aligned(meta) else None
        for pair in keys:
            blocks = [inp[pair] for inp in inputs]
            if row_pairs is not None:
                # row-aligned meta over the concatenated pairs (JTFS meta() for dict output)
                idx = np.asarray([i for i, p in enumerate(row_pairs) if p == pair], dtype=int)
                blocks = [_pair_rows(pair, b, len(idx)) for b in blocks]
                row_meta: dict[str, Any] | None = select_rows(meta, idx)
            else:
                row_meta = _row_meta_of_dict(meta, pair)
            if row_meta is None:
                raise ValueError(
                    f"meta has no entry for coefficient key {pair!r}: expected meta[{pair!r}] "
                    f"(a dict of fields) or meta[field][{pair!r}]; meta keys are {sorted(meta)}."
                )
            xp = namespace(*blocks)
            groups[pair] = RowGroup(tuple(to_numpy(v) for v in fn(xp, *blocks)), row_meta)
        return groups
    labels = row_labels(meta)
    for other in inputs:
        if other.ndim < 2 or other.shape[-2] != len(labels):
            raise ValueError(
                f"coefficients of shape {tuple(other.shape)} do not match meta with "
                f"{len(labels)} rows: expected shape (..., {len(labels)}, N_out)."
            )
    xp = namespace(*inputs)
    per_row_values = [to_numpy(v) for v in fn(xp, *inputs)]
    groups = {}
    for label in dict.fromkeys(labels):
        idx = np.asarray([i for i, lab in enumerate(labels) if lab == label])
        groups[label] = RowGroup(tuple(v[idx] for v in per_row_values), select_rows(meta, idx))
    return groups


def joined_3d(Scx: tuple[Any, Any]) -> Any:
    """Return the rows of a JTFS ``out_3D`` array output ``(S_time, S_joint)`` as one array.

    ``S_time`` ``(..., n_time_rows, N_out)`` and ``S_joint`` ``(..., n_slices, n_fr, N_out)``
    flattened in C order, followed by each other: the order of the rows of its ``meta()``.
    """
    if len(Scx) != 2:
        raise ValueError(
            f"a tuple of coefficients must be a JTFS out_3D output (S_time, S_joint); got "
            f"{len(Scx)} items"
        )
    S_time, S_joint = Scx
    xp = namespace(S_time, S_joint)
    lead = tuple(S_joint.shape[:-3])
    joint = xp.reshape(S_joint, (*lead, S_joint.shape[-3] * S_joint.shape[-2], S_joint.shape[-1]))
    return xp.concat([S_time, joint], axis=-2)


def _pair_rows(pair: Hashable, block: Any, n_meta: int) -> Any:
    """Coefficients of ``pair`` as ``(..., n_meta, N_out)``, ``n_meta`` its rows in ``meta``.

    An ``out_3D`` block ``(..., n_outer, n_inner, N_out)`` with ``n_outer * n_inner == n_meta``
    is flattened in C order, which is the order of its rows in ``meta``.
    """
    if block.ndim >= 2 and block.shape[-2] == n_meta:
        return block
    if block.ndim >= 3 and block.shape[-3] * block.shape[-2] == n_meta:
        lead = tuple(block.shape[:-3])
        return namespace(block).reshape(block, (*lead, n_meta, block.shape[-1]))
    if n_meta == 0:
        raise ValueError(
            f"meta['pair'] has no row of the coefficient key {pair!r}: pass the meta() of the "
            "transform that computed the coefficients."
        )
    raise ValueError(
        f"coefficients of pair {pair!r} have shape {tuple(block.shape)} but meta['pair'] has "
        f"{n_meta} rows of that pair: expected shape (..., {n_meta}, N_out) (or "
        "(..., n_outer, n_inner, N_out) with out_3D). Pass the meta() of the transform that "
        "computed the coefficients."
    )


def _per_path_key(
    inputs: Sequence[Mapping[Hashable, Any]],
    meta: Mapping[str, Any],
    fn: Callable[..., tuple[Any, ...]],
) -> dict[Hashable, RowGroup]:
    all_keys = list(meta["key"])
    order = np.asarray(meta["order"]) if "order" in meta else np.zeros(len(all_keys), int)
    rows: dict[int, list[int]] = {}
    values: dict[int, list[tuple[np.ndarray, ...]]] = {}
    for k in inputs[0]:
        i = all_keys.index(k)
        blocks = [inp[k][..., None, :] for inp in inputs]
        xp = namespace(*blocks)
        vals = tuple(to_numpy(v) for v in fn(xp, *blocks))
        rows.setdefault(int(order[i]), []).append(i)
        values.setdefault(int(order[i]), []).append(vals)
    groups: dict[Hashable, RowGroup] = {}
    for o in sorted(rows):
        idx = np.asarray(rows[o])
        cols = zip(*values[o], strict=True)
        groups[o] = RowGroup(tuple(np.concatenate(c) for c in cols), select_rows(meta, idx))
    return groups


def slice_keys(group: RowGroup, slice_by: SliceBy) -> list[tuple[int, ...]]:
    """Slice label of each row: ``meta["n"]`` without its last column ("parent") or the row."""
    n_rows = len(group.values[0])
    if slice_by == "row" or "n" not in group.meta:
        if slice_by not in ("row", "parent"):
            raise ValueError(f'slice_by must be "parent" or "row", got {slice_by!r}.')
        return [(i,) for i in range(n_rows)]
    if slice_by != "parent":
        raise ValueError(f'slice_by must be "parent" or "row", got {slice_by!r}.')
    return slice_labels(np.asarray(group.meta["n"]).reshape(n_rows, -1))


def sum_by_slice(
    values: np.ndarray, keys: Sequence[tuple[int, ...]]
) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Sum per-row ``values`` over rows sharing a slice key (keys in first-seen order)."""
    uniq = list(dict.fromkeys(keys))
    pos = {k: i for i, k in enumerate(uniq)}
    out = np.zeros(len(uniq))
    np.add.at(out, np.asarray([pos[k] for k in keys], dtype=np.intp), values)
    return out, uniq
