"""The public names of scatterwave's outputs: JTFS pairs and the row-aligned meta layout.

Every module that names a JTFS output (the transform, toolkit, packing, plots, the command
line) imports the names from here, so they are spelled once. Every module that reads a
transform's ``meta()`` reads it through :func:`pair_meta`, :func:`select_rows` and
:func:`row_labels`, so the accepted layouts are parsed once.

Row-aligned meta
----------------
``Scattering1D.meta()`` and ``TimeFrequencyScattering1D.meta()`` return a dict of arrays whose
first axis is the output row axis (``out_type="array"`` row order; for dict outputs, the rows of
each key or pair in turn). :data:`SCATTERING1D_META` and :data:`JTFS_META` describe the fields
and the columns of the two-dimensional ones.

The ``n`` column semantics are shared: each column is the index of one filter in the bank of
one level (``-1``: that level's low-pass, or no filter at that level), and the *last* column is
the innermost index, the one that varies along a slice; the columns before it name the slice
(its parent). The columns are ordered differently, because each follows its transform's own
nesting:

* Scattering1D: ``n = (n1, n2)``, in the order of the scattering (a second-order path is a
  child of its first-order parent ``n1``);
* JTFS: ``n = (n2, n1_fr, n1)``: a joint slice ``(n2, n1_fr)`` is an image over the first-order
  rows ``n1`` (``n1`` is the first-order row at the centre of the output row).

The filter parameter fields ``j``, ``xi``, ``sigma``, ``is_cqt`` have the same columns as ``n``
(Scattering1D: ``(psi1, psi2)``; JTFS: ``(psi2, psi_fr, psi1)``). ``stride`` differs: one
column (time, samples) for Scattering1D, two (time in samples, frequency in rows) for JTFS.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np

#: A joint time-frequency scattering output pair, in output order.
Pair = Literal[
    "S0",
    "S1",
    "phi_t * phi_f",
    "phi_t * psi_f",
    "psi_t * phi_f",
    "psi_t * psi_f_up",
    "psi_t * psi_f_dn",
]
#: Every pair, in output order.
PAIRS: tuple[Pair, ...] = get_args(Pair)
#: The pairs computed by the joint (second-order, frequential) stage.
JOINT_PAIRS: tuple[Pair, ...] = PAIRS[2:]
S0, S1, PHI_T_PHI_F, PHI_T_PSI_F, PSI_T_PHI_F, PSI_T_PSI_F_UP, PSI_T_PSI_F_DN = PAIRS
#: The two spinned pairs: up (``psi_f`` analytic, negative frequential frequencies) and down.
SPIN_PAIRS: tuple[Pair, ...] = (PSI_T_PSI_F_UP, PSI_T_PSI_F_DN)
#: Joint pairs whose temporal filter is the low-pass ``phi_t``.
TIME_LOWPASS_PAIRS: tuple[Pair, ...] = (PHI_T_PHI_F, PHI_T_PSI_F)
#: Joint pairs whose frequential filter is the low-pass ``phi_f``.
FREQUENTIAL_LOWPASS_PAIRS: tuple[Pair, ...] = (PHI_T_PHI_F, PSI_T_PHI_F)


@dataclass(frozen=True)
class MetaLayout:
    """The fields of one transform's row-aligned ``meta()``.

    Attributes
    ----------
    transform : str
        The transform's class name.
    n_columns : tuple of str
        Names of the columns of ``n`` (and of ``j``, ``xi``, ``sigma``, ``is_cqt``).
    stride_columns : tuple of str
        Names of the columns of ``stride`` (one name: a one-dimensional field).
    fields : dict of str to str
        Every field of ``meta()`` and its meaning, shape first.
    """

    transform: str
    n_columns: tuple[str, ...]
    stride_columns: tuple[str, ...]
    fields: Mapping[str, str]

    def column(self, name: str) -> int:
        """Index of the ``n`` column ``name`` (e.g. ``"n1"``)."""
        if name not in self.n_columns:
            raise ValueError(f"{self.transform} meta has n columns {self.n_columns}; got {name!r}")
        return self.n_columns.index(name)


_FILTER_FIELDS = {
    "j": "(n_rows, n_levels) int: subsampling exponent of each level's filter, -1 where absent",
    "xi": "(n_rows, n_levels) float: centre frequency (cycles/sample), NaN where absent",
    "sigma": "(n_rows, n_levels) float: bandwidth (cycles/sample), NaN where absent",
    "is_cqt": "(n_rows, n_levels) bool: the filter is in the constant-Q range",
}

_SCATTERING1D_FIELDS = {
    "order": "(n_rows,) int: scattering order 0, 1 or 2",
    "key": "list of tuples: the path's key in out_type='dict' output",
    "n": "(n_rows, 2) int: (n1, n2) wavelet indices, -1 where absent",
    **_FILTER_FIELDS,
    "stride": "(n_rows,) int: samples between outputs (N for global averaging)",
    "averaged": "(n_rows,) bool: low-passed row (False: an envelope of average=False)",
}
_JTFS_FIELDS = {
    "pair": "(n_rows,) object: the pair name, one of PAIRS",
    "n": "(n_rows, 3) int: (n2, n1_fr, n1), -1 where absent",
    "spin": "(n_rows,) int in {-1, 0, +1}",
    **_FILTER_FIELDS,
    "stride": (
        "(n_rows, 2) int: time stride in samples (N for a global mean) and frequency "
        "stride in rows (N1 for a global mean, 0 for S0)"
    ),
}

#: ``Scattering1D.meta()``: one row per scattering path.
SCATTERING1D_META = MetaLayout("Scattering1D", ("n1", "n2"), ("time",), _SCATTERING1D_FIELDS)
#: ``TimeFrequencyScattering1D.meta()``: one row per output row (``n1`` within each slice).
JTFS_META = MetaLayout(
    "TimeFrequencyScattering1D", ("n2", "n1_fr", "n1"), ("time", "frequency"), _JTFS_FIELDS
)


def check_pairs(name: str, value: Any) -> tuple[Pair, ...]:
    """Return the pair names of ``value`` (None: none) as a tuple; raise on a bad name.

    For options that leave pairs out: at least one pair must remain.

    Raises
    ------
    TypeError
        ``value`` is one string (a sequence of names was meant).
    ValueError
        A name is not in :data:`PAIRS`, or ``value`` names every pair.
    """
    if isinstance(value, str):
        raise TypeError(
            f"{name} must be a sequence of pair names; got the string {value!r} "
            f"(write {name}=({value!r},))"
        )
    pairs = tuple(value or ())
    for pair in pairs:
        if pair not in PAIRS:
            raise ValueError(
                f"invalid coefficient name {pair!r} in {name}; expected some of "
                f"{', '.join(map(repr, PAIRS))}"
            )
    if set(pairs) >= set(PAIRS):
        raise ValueError(f"{name} removes every pair; keep at least one")
    return pairs


def is_row_aligned(meta: Mapping[str, Any]) -> bool:
    """Whether ``meta`` is one flat row-aligned dict (as ``meta()`` returns), not keyed by pair."""
    return "pair" in meta and not isinstance(meta["pair"], Mapping)


def select_rows(meta: Mapping[str, Any], index: Sequence[int] | np.ndarray) -> dict[str, Any]:
    """Rows ``index`` of every row-aligned field of ``meta``.

    Parameters
    ----------
    meta : dict
        A row-aligned meta (fields ``(n_rows, ...)``, lists or tuples of length ``n_rows``).
    index : sequence of int, shape (n_selected,)
        Rows to keep, in the order given.

    Returns
    -------
    dict
        The fields with ``n_rows`` rows, restricted to ``index``: lists (and tuples) as lists,
        arrays as NumPy arrays. Other fields (scalars, other lengths) are left out.
    """
    n_rows = len(row_labels(meta))
    idx = np.asarray(index, dtype=np.intp)
    out: dict[str, Any] = {}
    for name, values in meta.items():
        if isinstance(values, (list, tuple)):
            if len(values) == n_rows:
                out[name] = [values[i] for i in idx]
        elif np.ndim(values) >= 1 and len(values) == n_rows:
            out[name] = np.asarray(values)[idx]
    return out


def pair_meta(meta: Mapping[Any, Any], pair: Hashable) -> dict[str, Any]:
    """Metadata of one pair's rows, from any of the layouts transforms return.

    Accepted: a flat dict of row-aligned arrays with a ``"pair"`` column (rows of each pair in
    turn, as ``TimeFrequencyScattering1D.meta()`` returns), ``meta[pair][field]``, or
    ``meta[field][pair]``.

    Raises
    ------
    KeyError
        When ``meta`` has no row or entry for ``pair``.
    """
    if is_row_aligned(meta):
        names = np.asarray(meta["pair"], dtype=object)
        sel = np.flatnonzero(names == pair)
        if sel.size == 0:
            raise KeyError(
                f"meta has no rows for pair {pair!r}; pairs: {list(dict.fromkeys(names))}"
            )
        return select_rows(meta, sel)
    if pair in meta and isinstance(meta[pair], Mapping):
        return dict(meta[pair])
    out = {
        field: values[pair]
        for field, values in meta.items()
        if isinstance(values, Mapping) and pair in values
    }
    if not out:
        raise KeyError(
            f"meta has no entry for pair {pair!r}; expected the meta() of "
            "TimeFrequencyScattering1D (a 'pair' column), meta[pair][field] or meta[field][pair]"
        )
    return out


def slice_labels(n: np.ndarray) -> list[tuple[int, ...]]:
    """Return the slice (parent) of each row: its ``n`` without the last, innermost column.

    Parameters
    ----------
    n : ndarray of int, shape (n_rows, n_columns) or (n_rows,)
        The ``n`` field of a meta layout (or the rows of one group).

    Returns
    -------
    list of tuple of int
        ``n[i, :-1]`` for every row; ``(i,)`` (each row its own slice) when ``n`` has one
        column.
    """
    n = np.asarray(n)
    n_rows = len(n)
    n = n.reshape(n_rows, -1)
    if n.shape[1] == 1:
        return [(i,) for i in range(n_rows)]
    return [tuple(int(v) for v in row[:-1]) for row in n]


def row_labels(meta: Mapping[str, Any]) -> list[Hashable]:
    """Return the group of each row: its pair name (JTFS), else its order (Scattering1D).

    Raises
    ------
    ValueError
        When ``meta`` has neither a row-aligned ``"pair"`` nor an ``"order"`` field.
    """
    if "pair" in meta:
        return list(meta["pair"])
    if "order" in meta:
        return [int(o) for o in np.asarray(meta["order"])]
    raise ValueError(
        'meta must contain a row-aligned "pair" or "order" field to group coefficient rows; '
        f"got fields {sorted(meta)}."
    )


__all__ = [
    "FREQUENTIAL_LOWPASS_PAIRS",
    "JOINT_PAIRS",
    "JTFS_META",
    "PAIRS",
    "PHI_T_PHI_F",
    "PHI_T_PSI_F",
    "PSI_T_PHI_F",
    "PSI_T_PSI_F_DN",
    "PSI_T_PSI_F_UP",
    "S0",
    "S1",
    "SCATTERING1D_META",
    "SPIN_PAIRS",
    "TIME_LOWPASS_PAIRS",
    "MetaLayout",
    "Pair",
    "check_pairs",
    "is_row_aligned",
    "pair_meta",
    "row_labels",
    "select_rows",
    "slice_labels",
]
