"""The plan builder shared by Scattering1D and JTFS: flat buffers, named slices, row metadata.

A plan stores every filter, window and index it needs in a few flat NumPy buffers (float64,
and one integer ``index`` buffer), converted once to the input's library and device. What a
compute step reads from them is a :class:`Slice`: the buffer's name, an offset and a shape,
which takes itself from the converted buffers (``s.take(buffers, xp)``), so no compute code
slices by hand. A :class:`PlanBuilder` owns the buffers while a plan is built, the cache of
spectral windows shared between groups, and the table of row metadata (one row per output
row, in the order the compute core produces them).
"""

from __future__ import annotations

import enum
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from scatterwave.filters.sparse import BandFilters

Array = Any


class Scope(enum.Enum):
    """How an averaging step reduces an axis."""

    #: Low-pass by ``phi`` then subsample (a local average).
    LOCAL = "local"
    #: Mean over the whole (unpadded) axis: one output sample.
    GLOBAL = "global"
    #: No averaging.
    NONE = "none"


@dataclass(frozen=True)
class Slice:
    """A named view into one of a plan's flat buffers.

    Attributes
    ----------
    buffer : str
        Key of the flat buffer (e.g. ``"psi1_f"``, ``"index"``).
    offset : int
        First element in the flat buffer.
    shape : tuple of int
        Shape of the view (its size is the product).
    """

    buffer: str
    offset: int
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        """Number of elements."""
        size = 1
        for n in self.shape:
            size *= n
        return size

    @property
    def stop(self) -> int:
        """One past the last element in the flat buffer."""
        return self.offset + self.size

    def take(self, buffers: dict[str, Array], xp: Any) -> Array:
        """Take the view of ``buffers[self.buffer]`` (any array library), reshaped to ``shape``."""
        flat = buffers[self.buffer][self.offset : self.offset + self.size]
        if len(self.shape) == 1:
            return flat
        return xp.reshape(flat, self.shape)


@dataclass(frozen=True)
class LowPass:
    """A low-pass by a filter's positive bins, then an extra subsampling.

    Attributes
    ----------
    phi : Slice
        The filter's ``n_bins`` positive bins, shape (n_bins,).
    k_avg : int
        Subsampling exponent applied after the product (relative to the input's rate).
    """

    phi: Slice
    k_avg: int

    @property
    def n_bins(self) -> int:
        """Positive bins of the low-passed spectrum."""
        return self.phi.shape[0]


class FlatBuffer:
    """Accumulates arrays into one flat float64 buffer and returns their offsets."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray | None] = []
        self.size = 0
        self.cache: dict[Hashable, int] = {}
        self.part_at: dict[int, int] = {}  # offset -> index in ``parts``

    def add(self, arr: np.ndarray, key: Hashable = None) -> int:
        """Append ``arr`` (flattened) and return its offset; ``key``: reuse an earlier copy."""
        if key is not None and key in self.cache:
            return self.cache[key]
        offset = self.size
        self.part_at[offset] = len(self.parts)
        self.parts.append(np.ascontiguousarray(arr, dtype=np.float64).ravel())
        self.size += arr.size
        if key is not None:
            self.cache[key] = offset
        return offset

    def part(self, offset: int) -> np.ndarray:
        """Return the array added at ``offset`` (flat float64), before :meth:`array` is called."""
        part = self.parts[self.part_at[offset]]
        if part is None:
            raise RuntimeError("the buffer was already assembled")
        return part

    def array(self) -> np.ndarray:
        """Assemble the flat buffer.

        Each part is released as soon as it is copied, so the parts and the result never
        coexist in full (``np.concatenate`` would double the peak: 527 MB of filters at
        ``N = 2**22``, ``J = 8``).
        """
        out = np.empty(self.size)
        pos = 0
        for i, part in enumerate(self.parts):
            if part is None:
                continue
            out[pos : pos + part.size] = part
            pos += part.size
            self.parts[i] = None
        self.parts = [out]  # a second call returns an equal array
        self.part_at = {0: 0}
        return out


class RowTable:
    """Columns of row metadata, appended block by block in computation order."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.columns: dict[str, list[Any]] = {name: [] for name in names}

    def __len__(self) -> int:
        first = next(iter(self.columns.values()))
        return len(first)

    def add(self, **values: Any) -> np.ndarray:
        """Append rows (each value a sequence, all of one length); returns their row ids."""
        start = len(self)
        n = len(next(iter(values.values())))
        for name, column in self.columns.items():
            column.extend(values[name])
        return np.arange(start, start + n)

    def arrays(self) -> dict[str, np.ndarray]:
        """Return the columns as arrays."""
        return {name: np.asarray(column) for name, column in self.columns.items()}


class PlanBuilder:
    """Owns a plan's flat buffers, its window cache and its row metadata while it is built.

    Parameters
    ----------
    names : tuple of str
        The flat buffers; ``"index"`` is converted to int64 by :meth:`finish`.
    row_columns : tuple of str
        Names of the row metadata columns (see :class:`RowTable`).
    """

    def __init__(self, names: tuple[str, ...], row_columns: tuple[str, ...] = ()) -> None:
        self.buffers = {name: FlatBuffer() for name in names}
        self.rows = RowTable(row_columns)
        # Groups of the same filters at the same rates share their windows and buffer copies.
        self.windows: dict[Hashable, tuple[np.ndarray, np.ndarray, int]] = {}
        self.stored: dict[Hashable, Slice] = {}

    def add(self, name: str, arr: np.ndarray, key: Hashable = None) -> Slice:
        """Append ``arr`` to buffer ``name``; returns its slice (shape of ``arr``)."""
        offset = self.buffers[name].add(arr, key=key)
        return Slice(name, offset, tuple(int(n) for n in np.shape(arr)))

    def view(self, s: Slice) -> np.ndarray:
        """Return the values of ``s`` while the plan is built (float64, shape ``s.shape``)."""
        return self.buffers[s.buffer].part(s.offset)[: s.size].reshape(s.shape)

    def window_set(
        self,
        name: str,
        filters: BandFilters,
        unique: np.ndarray,
        k_in: int,
        k_out: int,
        block: int,
        n_bins: int,
    ) -> tuple[tuple[Hashable, ...], np.ndarray, np.ndarray, int]:
        """Windows of filters ``unique`` (see :func:`band_windows`), cached, factor folded in.

        The windows carry the Fourier-subsampling factor ``2**-(k_out - k_in)``. Returns the
        cache key (for :meth:`store_windows`), the start blocks, the values and ``n_blocks``.
        """
        key = (name, tuple(unique.tolist()), k_in, k_out, block, n_bins)
        if key not in self.windows:
            start, values, n_blocks = band_windows(filters, unique, k_in, block, n_bins)
            values *= 1.0 / 2 ** (k_out - k_in)
            self.windows[key] = (start, values, n_blocks)
        return (key, *self.windows[key])

    def store_windows(self, key: tuple[Hashable, ...], values: np.ndarray) -> Slice:
        """One copy of a window set in its buffer (``key[0]``), shared by every group using it."""
        if key not in self.stored:
            self.stored[key] = self.add(str(key[0]), values)
        return self.stored[key]

    def finish(self) -> dict[str, np.ndarray]:
        """Assemble the flat buffers (``index`` as int64), releasing the window cache first."""
        self.windows.clear()  # the buffers' parts are then their last reference: freed as copied
        out = {name: buf.array() for name, buf in self.buffers.items()}
        if "index" in out:
            out["index"] = out["index"].astype(np.int64)
        return out


def band_windows(
    filters: BandFilters, index: np.ndarray, k_in: int, M: int, n_bins: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Block-aligned spectral windows of filters ``index`` at subsampling level ``k_in``.

    Each filter's window starts at the block (of ``M`` bins) holding its first non-negligible
    bin among the input's ``n_bins`` positive bins, and spans ``n_blocks`` blocks (the same for
    every filter). Summing the blocks of a windowed product is exactly the Fourier-domain
    subsampling ``z[::L_in // M]``, and since windows start on block boundaries it introduces no
    phase shift.

    Returns
    -------
    start_block : ndarray of int, shape (n,)
    values : ndarray, shape (n, n_blocks * M)
        Filter values on each window (zero where the input has no bins).
    n_blocks : int
    """
    L_in = filters.N >> k_in
    bins: list[tuple[int, int] | np.ndarray] = []
    vals = []
    for n in index:
        lo, v = int(filters.lo[n]), filters.values[n]
        if lo + len(v) <= min(L_in, n_bins):  # no wrap-around, nothing cut: a plain range
            bins.append((lo, lo + len(v)))
            vals.append(v)
            continue
        wrapped = (lo + np.arange(len(v))) % L_in
        keep = wrapped < n_bins
        bins.append(wrapped[keep])
        vals.append(v[keep])
    first = [b[0] if isinstance(b, tuple) else (b.min() if len(b) else 0) for b in bins]
    last = [b[1] - 1 if isinstance(b, tuple) else (b.max() if len(b) else -1) for b in bins]
    start_block = np.array([f // M for f in first], dtype=int)
    n_blocks = max(max(1, int(-(-(e + 1 - s * M) // M))) for e, s in zip(last, start_block))
    values = np.zeros((len(index), n_blocks * M))
    for row, (b, v, s) in enumerate(zip(bins, vals, start_block)):
        if isinstance(b, tuple):
            values[row, b[0] - s * M : b[1] - s * M] = v
        else:
            np.add.at(values[row], b - s * M, v)
    return start_block, values, n_blocks


def block_gather(
    source_rows: np.ndarray, start_block: np.ndarray, n_blocks: int, n_bins: int, M: int
) -> tuple[np.ndarray, int]:
    """Index each row's blocks in a ``(rows, blocks_per_row, M)`` view of the spectrum."""
    blocks_per_row = max(int(np.max(start_block)) + n_blocks, -(-n_bins // M))
    idx = (
        np.asarray(source_rows)[:, None] * blocks_per_row
        + start_block[:, None]
        + np.arange(n_blocks)[None, :]
    )
    return idx.ravel(), blocks_per_row


def block_size(M: int, n_bins: int) -> int:
    """Bins per block for outputs of length ``M`` from ``n_bins`` positive input bins.

    When ``M >= 2 * n_bins`` (output rate at least the input's) every band fits in one block
    without folding; a block of the input's ``n_bins`` and an inverse FFT zero-padded to ``M``
    give the same result as a block of ``M`` half filled with zeros, with half the gather and
    product work and no zero-extended copy of the spectrum.
    """
    return n_bins if M >= 2 * n_bins else M
