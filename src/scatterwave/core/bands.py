"""Band groups: the batched band-pass + modulus shared by both transforms.

A :class:`BandGroup` is the unit of work of the compute cores: rows (paths) that share an
input spectrum and an output rate, computed by one gather (or broadcast), one product with
their filter windows, one fold (subsampling in Fourier) and one inverse FFT. The Scattering1D
plan (:mod:`scatterwave.core.plan`) builds them for ``U1`` and ``U2``, the JTFS plan
(:mod:`scatterwave.core.jtfs_plan`) for ``Y2``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scatterwave.core.buffers import LowPass, PlanBuilder, Slice, block_gather, block_size
from scatterwave.filters.sparse import BandFilters


@dataclass(frozen=True)
class Broadcast:
    """Rows that are every pair of consecutive input rows (outer) and a group's filters (inner).

    All filters' windows start at the same block, so the product is a broadcast over a view of
    the spectrum, with no gather (see :func:`scatterwave.core.ops.bandpass_pairs`).

    Attributes
    ----------
    first_row, n_rows_in : int
        The input rows ``first_row .. first_row + n_rows_in - 1``.
    start_block : int
        Block of the spectrum where every window starts.
    bins : tuple of int
        ``(lo, hi)``: the bins of a block where some window of some block is not zero. The
        product outside them is zero, so cores may multiply bins ``lo:hi`` only (the analytic
        windows cover about half of a block) and write zeros elsewhere.
    """

    first_row: int
    n_rows_in: int
    start_block: int
    bins: tuple[int, int]


@dataclass(frozen=True)
class BandGroup:
    """Rows computed by one batched band-pass + modulus.

    The input spectrum (``rows_in`` rows of ``n_bins`` positive bins) is viewed as
    ``(rows_in * blocks_per_row, block)`` blocks; each output row takes ``n_blocks``
    consecutive blocks, multiplies them by its filter window, sums them (subsampling in
    Fourier) and takes the modulus of the inverse FFT of length ``M``.

    Attributes
    ----------
    rows : ndarray of int, shape (n,)
        Output row (path) ids, in computation order.
    k_in, k_out : int
        Subsampling exponent of the input and of the output (``k_out >= k_in``).
    M : int
        Output length (IFFT size).
    block : int
        Bins per block (see :func:`~scatterwave.core.buffers.block_size`): ``M``, or the
        input's ``n_bins`` when the output rate is at least the input's (no fold; the IFFT
        zero-pads to ``M``).
    n_blocks, blocks_per_row : int
    gather : Slice
        Block indices, shape (n * n_blocks,), in the ``index`` buffer.
    filters : Slice
        The distinct filter windows, shape (n_filters, n_blocks * block), already multiplied
        by the Fourier-subsampling factor ``2**-(k_out - k_in)``.
    filter_index : Slice or None
        Each row's filter number, shape (n,), in the ``index`` buffer; None when row ``i``
        uses filter ``i``.
    parent : int
        Index of the first-order group whose envelopes feed this group (-1 for order 1).
    avg : LowPass or None
        The time low-pass of the rows' envelopes (local averaging, or ``S0``-rate rows
        without averaging); None otherwise.
    broadcast : Broadcast or None
        Set when the rows are every (input row, filter) pair: no gather is needed.
    """

    rows: np.ndarray
    k_in: int
    k_out: int
    M: int
    block: int
    n_blocks: int
    blocks_per_row: int
    gather: Slice
    filters: Slice
    filter_index: Slice | None
    parent: int
    avg: LowPass | None
    broadcast: Broadcast | None = None

    @property
    def width(self) -> int:
        """Spectral bins the group's block view of its input needs."""
        return self.blocks_per_row * self.block

    @property
    def reach(self) -> int:
        """Spectral bins of its input the NumPy core reads (at most :attr:`width`).

        A one-block :class:`Broadcast` group reads up to the last bin where a window is not
        zero; the input need not be zero-extended beyond it.
        """
        b = self.broadcast
        if b is not None and self.n_blocks == 1:
            return b.start_block * self.block + b.bins[1]
        return self.width


def nonzero_bins(values: np.ndarray, block: int) -> tuple[int, int]:
    """Return ``(lo, hi)``, the bins of a block where some window is not zero.

    ``values``: windows of shape ``(n, k * block)`` (``k`` blocks each).
    """
    nonzero = np.any(np.asarray(values).reshape(-1, block) != 0, axis=0)
    if not nonzero.any():
        return 0, 0
    return int(np.argmax(nonzero)), block - int(np.argmax(nonzero[::-1]))


def _pairs_layout(
    source_rows: np.ndarray, inverse: np.ndarray, n_filters: int
) -> tuple[int, int] | None:
    """``(first_row, n_rows_in)`` when rows are every (input row, filter) pair, else None.

    Row ``r`` must be input row ``first_row + r // n_filters`` with filter ``r % n_filters``
    (every pair, input-major).
    """
    source_rows = np.asarray(source_rows)
    first, n_in = int(source_rows[0]), -(-len(source_rows) // n_filters)
    expected_src = np.repeat(np.arange(first, first + n_in), n_filters)
    expected_filt = np.tile(np.arange(n_filters), n_in)
    if len(source_rows) != n_in * n_filters:
        return None
    if np.array_equal(source_rows, expected_src) and np.array_equal(inverse, expected_filt):
        return first, n_in
    return None


@dataclass(frozen=True)
class BandRequest:
    """What one band group computes (input of :func:`band_group`).

    Attributes
    ----------
    buffer : str
        Buffer of the filter windows (``"psi1_f"``, ``"psi2_f"``).
    filters : BandFilters
    index : ndarray of int, shape (n,)
        Filter of each row.
    source_rows : ndarray of int, shape (n,)
        Input row of each row.
    k_in, k_out : int
        Rates of the input and of the output.
    n_bins : int
        Positive bins of the input spectrum.
    parent : int
    rows : ndarray of int, shape (n,)
    """

    buffer: str
    filters: BandFilters
    index: np.ndarray
    source_rows: np.ndarray
    k_in: int
    k_out: int
    n_bins: int
    parent: int
    rows: np.ndarray


def band_group(
    builder: PlanBuilder,
    req: BandRequest,
    N_pad: int,
    avg: LowPass | None,
    *,
    broadcast_pairs: bool = True,
) -> BandGroup:
    """Compile one :class:`BandGroup`: windows, gather indices, broadcast layout.

    ``broadcast_pairs=False``: always the gathered form (for cores that do not read
    :class:`Broadcast` layouts, such as the joint stage of JTFS).
    """
    M = N_pad >> req.k_out
    unique, inverse = np.unique(req.index, return_inverse=True)
    pairs_layout = _pairs_layout(req.source_rows, inverse, len(unique))
    broadcast = None
    wins = (req.buffer, req.filters, unique, req.k_in, req.k_out)
    if pairs_layout is not None and broadcast_pairs:
        # Every (input row, filter) pair: a broadcast product over blocks of M bins (the
        # spectrum is zero-extended once per input, not once per output row).
        key, start, values, n_blocks = builder.window_set(*wins, M, req.n_bins)
        if np.all(start == start[0]):
            block = M
            broadcast = Broadcast(*pairs_layout, int(start[0]), nonzero_bins(values, M))
    if broadcast is None:
        block = block_size(M, req.n_bins)
        key, start, values, n_blocks = builder.window_set(*wins, block, req.n_bins)
    gather, per_row = block_gather(req.source_rows, start[inverse], n_blocks, req.n_bins, block)
    identity = len(unique) == len(req.index) and np.array_equal(inverse, np.arange(len(inverse)))
    return BandGroup(
        rows=req.rows,
        k_in=req.k_in,
        k_out=req.k_out,
        M=M,
        block=block,
        n_blocks=n_blocks,
        blocks_per_row=per_row,
        gather=builder.add("index", gather),
        filters=builder.store_windows(key, values),
        filter_index=None if identity else builder.add("index", inverse),
        parent=req.parent,
        avg=avg,
        broadcast=broadcast,
    )
