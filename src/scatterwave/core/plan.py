"""The computation plan of Scattering1D: which rows are computed together, at which rate.

A plan is pure NumPy bookkeeping derived from a :class:`~scatterwave.filters.bank.TimeFilterbank`.
It groups first-order wavelets by subsampling exponent and second-order paths by
``(first-order group, subsampling exponent)``, so the compute core
(:mod:`scatterwave.core.scattering1d`)
runs one batched multiply-fold-IFFT per group and never loops over paths. It also holds the
compiled filter values (only the bands each group needs) and the metadata of every output row,
produced by walking the *same* groups in the same order as the computation: meta and
coefficients cannot disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy.special import erfc

from scatterwave.filters.bank import TimeFilterbank
from scatterwave.filters.sparse import BandFilters

#: A second-order path (n1, n2) is kept when psi2 captures at least this fraction of the
#: spectral energy of the first-order envelope ``|x * psi1|`` (see :func:`path_energy_overlap`).
PATH_OVERLAP_THRESHOLD = 1e-2

#: Second-order groups are split so that one group holds at most this many complex samples
#: per signal (rows x output length), but keeps at least :data:`GROUP_MIN_ROWS` rows. This
#: bounds the temporaries alive at once (peak memory at batch 1: 9.8 -> 4.8 MiB for torch at
#: N=2**16, J=8) and keeps them cache-sized (batched calls got 15-20 % faster); fewer rows per
#: FFT call would cost more than they save (PyTorch plans every CPU FFT call anew, and
#: multi-row FFTs are vectorised across rows). Measured in session 4, benchmarks/README.md.
GROUP_SAMPLES = 2**16
GROUP_MIN_ROWS = 4


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
        Bins per block (see :func:`block_size`): ``M``, or the input's ``n_bins`` when the
        output rate is at least the input's (no fold; the IFFT zero-pads to ``M``).
    n_blocks, blocks_per_row : int
    gather : tuple of int
        ``(offset, size)`` of the block indices (``n * n_blocks``) in the flat index buffer.
    filt : tuple of int
        ``(offset, n_filters, n_blocks * M)``: the distinct filter windows in the flat buffer,
        already multiplied by the Fourier-subsampling factor ``2**-(k_out - k_in)``.
    filt_index : tuple of int or None
        ``(offset, n)`` of each row's filter number, or None when row ``i`` uses filter ``i``.
    broadcast : tuple of int or None
        ``(first_row, n_rows_in, start_block)`` when the rows are every pair of the input
        rows ``first_row .. first_row + n_rows_in - 1`` (outer) and the group's filters
        (inner), all starting at the same block: the product is then a broadcast over a
        view of the spectrum, with no gather (see :func:`scatterwave.core.ops.bandpass_pairs`).
    parent : int
        Index of the first-order group whose envelopes feed this group (-1 for order 1).
    avg : tuple of int or None
        ``(phi_offset, n_bins, k_avg)``: low-pass slice and extra subsampling after averaging.
    """

    rows: np.ndarray
    k_in: int
    k_out: int
    M: int
    block: int
    n_blocks: int
    blocks_per_row: int
    gather: tuple[int, int]
    filt: tuple[int, int, int]
    filt_index: tuple[int, int] | None
    parent: int
    avg: tuple[int, int, int] | None
    broadcast: tuple[int, int, int] | None = None


@dataclass
class ScatteringPlan:
    """Everything the compute core needs, independent of the array library.

    Attributes
    ----------
    N, N_pad, pad_left : int
        Input length, padded length and left padding.
    average : {"local", "global", "none"}
    log2_stride : int or None
        Output stride exponent when averaging locally.
    S0 : tuple of int or None
        ``(phi_offset, n_bins, k_avg)`` for the order-0 low-pass.
    groups1, groups2 : list of BandGroup
    buffers : dict of str to ndarray
        Flat float64 filter buffers ``psi1_f``, ``psi2_f`` and ``phi_f``.
    paths : dict of str to ndarray
        Per-row metadata in computation order; see :meth:`meta`.
    order_index : tuple of int
        ``(offset, n_paths)`` of :meth:`order` in the flat ``index`` buffer.
    k_S0 : int
        Stride exponent of the ``S0`` row (``paths["k"][0]`` as a Python int: the cores read
        it without touching a NumPy array, which ``torch.compile`` would trace as a tensor).
    """

    N: int
    N_pad: int
    pad_left: int
    average: str
    log2_stride: int | None
    S0: tuple[int, int, int] | None
    groups1: list[BandGroup] = field(default_factory=list)
    groups2: list[BandGroup] = field(default_factory=list)
    buffers: dict[str, np.ndarray] = field(default_factory=dict)
    paths: dict[str, np.ndarray] = field(default_factory=dict)
    order_index: tuple[int, int] = (0, 0)
    k_S0: int = 0

    @property
    def n_paths(self) -> int:
        """Number of output rows."""
        return len(self.paths["order"])

    def out_length(self, stride_log2: int) -> int:
        """Length of an output row computed at stride ``2**stride_log2``."""
        if self.average == "global":
            return 1
        return -(-self.N // 2**stride_log2)

    def out_start(self, stride_log2: int) -> int:
        """First retained sample of a row at stride ``2**stride_log2`` (``pad_left`` is aligned)."""
        return self.pad_left >> stride_log2

    def order(self) -> np.ndarray:
        """Permutation from computation order to output order (order, then n1, then n2)."""
        p = self.paths
        return np.lexsort((p["n"][:, 1], p["n"][:, 0], p["order"]))


def path_energy_overlap(sigma1: np.ndarray, xi2: np.ndarray, sigma2: np.ndarray) -> np.ndarray:
    """Fraction of the envelope spectrum of ``|x * psi1|`` that ``psi2`` passes, shape (n1, n2).

    Model: for a wide-band input, ``x * psi1`` has power spectrum ``|psi1_f|**2`` (a Gaussian of
    std ``sigma1 / sqrt(2)``), so its envelope's fluctuations have a Gaussian spectrum of std
    ``sigma1``; ``|psi2_f|**2`` is a Gaussian of std ``sigma2 / sqrt(2)`` at ``xi2`` (unit peak).
    The overlap is ``int_0^inf |psi2_f|^2 S_U(f) df / int_0^inf S_U(f) df``, in closed form::

        D = sqrt(sigma2**2 + 2 sigma1**2)
        overlap = (sigma2 / D) exp(-xi2**2 / D**2) erfc(-sqrt(2) sigma1 xi2 / (sigma2 D))

    An earlier Riemann sum on 4096 points was too coarse for envelopes narrower than its step
    (``sigma1 ~ 1e-4`` at ``J = 10``, where it kept 412 second-order paths instead of 431).
    """
    s1 = np.asarray(sigma1, dtype=float)[:, None]
    s2 = np.asarray(sigma2, dtype=float)[None, :]
    xi = np.asarray(xi2, dtype=float)[None, :]
    D = np.sqrt(s2**2 + 2.0 * s1**2)
    return (s2 / D) * np.exp(-((xi / D) ** 2)) * erfc(-math.sqrt(2.0) * s1 * xi / (s2 * D))


def second_order_pairs(
    fb: TimeFilterbank, paths_exclude: dict | None, min_path_energy: float | None = None
) -> np.ndarray:
    """Boolean matrix (n1, n2): which second-order paths are computed.

    A path is kept when ``psi2`` passes at least ``min_path_energy`` (default
    :data:`PATH_OVERLAP_THRESHOLD`) of the envelope spectrum of ``|x * psi1|``.
    """
    threshold = PATH_OVERLAP_THRESHOLD if min_path_energy is None else min_path_energy
    keep = path_energy_overlap(fb.psi1.sigma, fb.psi2.xi, fb.psi2.sigma) >= threshold
    # psi2 must also be centred below the Nyquist frequency of the envelope's sampling rate.
    keep &= fb.psi2.xi[None, :] < 0.5 / 2.0 ** fb.psi1.j[:, None]
    if paths_exclude:
        for n1 in paths_exclude.get("n1", ()):
            keep[n1, :] = False
        for n2 in paths_exclude.get("n2", ()):
            keep[:, n2] = False
    return keep


class _Buffer:
    """Accumulates filter arrays into one flat buffer and returns their offsets."""

    def __init__(self) -> None:
        self.parts: list[np.ndarray] = []
        self.size = 0
        self.cache: dict[object, int] = {}

    def add(self, arr: np.ndarray, key: object = None) -> int:
        if key is not None and key in self.cache:
            return self.cache[key]
        offset = self.size
        self.parts.append(np.ascontiguousarray(arr, dtype=np.float64).ravel())
        self.size += arr.size
        if key is not None:
            self.cache[key] = offset
        return offset

    def array(self) -> np.ndarray:
        """The flat buffer. Each part is released as soon as it is copied, so the parts and
        the result never coexist in full (``np.concatenate`` would double the peak: 527 MB of
        filters at ``N = 2**22``, ``J = 8``)."""
        out = np.empty(self.size)
        pos = 0
        for i, part in enumerate(self.parts):
            out[pos : pos + part.size] = part
            pos += part.size
            self.parts[i] = None  # type: ignore[call-overload]
        self.parts = [out]  # a second call returns the same array
        return out


def block_size(M: int, n_bins: int) -> int:
    """Bins per block for outputs of length ``M`` from ``n_bins`` positive input bins.

    When ``M >= 2 * n_bins`` (output rate at least the input's) every band fits in one block
    without folding; a block of the input's ``n_bins`` and an inverse FFT zero-padded to ``M``
    give the same result as a block of ``M`` half filled with zeros, with half the gather and
    product work and no zero-extended copy of the spectrum.
    """
    return n_bins if M >= 2 * n_bins else M


def _split_pairs(local: np.ndarray, n2: np.ndarray, per_group: int) -> list[np.ndarray]:
    """Split the rows of one second-order rate into groups, as full (n1 x n2) blocks.

    ``(local, n2)`` are the rows' input row and wavelet, input-major. Consecutive input rows
    with the same set of ``n2`` form a block of every pair, which runs as a broadcast product
    without a gather (:func:`_pairs_layout`); blocks are cut at input-row boundaries into groups
    of about ``per_group`` rows (at least one input row each).

    Returns
    -------
    list of ndarray of int
        Positions into ``local`` / ``n2``, in order, covering every row once.
    """
    starts = np.flatnonzero(np.r_[True, local[1:] != local[:-1]])
    stops = np.r_[starts[1:], len(local)]
    runs: list[list[tuple[int, int]]] = []
    previous = None
    for a, b in zip(starts, stops):
        key = tuple(n2[a:b])
        if key != previous:
            runs.append([])
            previous = key
        runs[-1].append((a, b))
    parts = []
    for run in runs:
        width = run[0][1] - run[0][0]
        n_in = max(1, per_group // width)
        n_parts = -(-len(run) // n_in)
        for chunk in np.array_split(np.arange(len(run)), n_parts):
            parts.append(np.arange(run[chunk[0]][0], run[chunk[-1]][1]))
    return parts


def _pairs_layout(source_rows: np.ndarray, inverse: np.ndarray, n_filters: int) -> tuple | None:
    """``(first_row, n_rows_in)`` when row ``r`` is input row ``first_row + r // n_filters``
    with filter ``r % n_filters`` (every pair, input-major), else None."""
    source_rows = np.asarray(source_rows)
    first, n_in = int(source_rows[0]), -(-len(source_rows) // n_filters)
    expected_src = np.repeat(np.arange(first, first + n_in), n_filters)
    expected_filt = np.tile(np.arange(n_filters), n_in)
    if len(source_rows) != n_in * n_filters:
        return None
    if np.array_equal(source_rows, expected_src) and np.array_equal(inverse, expected_filt):
        return first, n_in
    return None


def _band_windows(
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
    bins, vals = [], []
    for n in index:
        lo, v = int(filters.lo[n]), filters.values[n]
        if lo + len(v) <= min(L_in, n_bins):  # no wrap-around, nothing cut: a plain range
            bins.append((lo, lo + len(v)))
            vals.append(v)
            continue
        b = (lo + np.arange(len(v))) % L_in
        keep = b < n_bins
        bins.append(b[keep])
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


def _block_gather(
    source_rows: np.ndarray, start_block: np.ndarray, n_blocks: int, n_bins: int, M: int
) -> tuple[np.ndarray, int]:
    """Indices of each row's blocks in a ``(rows, blocks_per_row, M)`` view of the spectrum."""
    blocks_per_row = max(int(np.max(start_block)) + n_blocks, -(-n_bins // M))
    idx = (
        np.asarray(source_rows)[:, None] * blocks_per_row
        + start_block[:, None]
        + np.arange(n_blocks)[None, :]
    )
    return idx.ravel(), blocks_per_row


def build_plan(
    fb: TimeFilterbank,
    *,
    max_order: int,
    average: str,
    oversampling: int,
    paths_exclude: dict | None = None,
    min_path_energy: float | None = None,
) -> ScatteringPlan:
    """Group the rows of a Scattering1D and compile the filter bands each group needs.

    Parameters
    ----------
    fb : TimeFilterbank
    max_order : {1, 2}
    average : {"local", "global", "none"}
    oversampling : int >= 0
        Subsampling exponents are reduced by this much (finer time sampling).
    paths_exclude : dict, optional
        ``{"n1": [...], "n2": [...]}`` wavelet indices whose paths are not computed.
    min_path_energy : float, optional
        Second-order path threshold, see :func:`second_order_pairs`.
    """
    psi1, psi2 = fb.psi1, fb.psi2
    log2_T = fb.log2_T
    log2_stride = max(log2_T - oversampling, 0) if average == "local" else None

    def exponent(j: np.ndarray) -> np.ndarray:
        k = np.maximum(np.asarray(j) - oversampling, 0)
        return np.minimum(k, log2_stride) if log2_stride is not None else k

    k1 = exponent(psi1.j)
    n1_kept = np.ones(len(psi1), dtype=bool)
    if paths_exclude:
        n1_kept[list(paths_exclude.get("n1", ()))] = False
    pairs = second_order_pairs(fb, paths_exclude, min_path_energy) if max_order == 2 else None
    k2_total = exponent(psi2.j)
    all_k = [int(k) for k in k1[n1_kept]]
    if pairs is not None:
        n1s, n2s = np.nonzero(pairs)
        k12 = np.maximum(k2_total[n2s], k1[n1s])
        all_k += [int(k) for k in k12]
    k0 = max(log2_T - oversampling, 0) if log2_T is not None else 0
    k_max = max([k0, *all_k])
    pad_left = (((fb.N_pad - fb.N) // 2) >> k_max) << k_max

    phi_buf, psi1_buf, psi2_buf, idx_buf = _Buffer(), _Buffer(), _Buffer(), _Buffer()
    meta: dict[str, list] = {k: [] for k in ("order", "n", "k")}

    def add_rows(order: int, n1: np.ndarray, n2: np.ndarray, k: int) -> np.ndarray:
        start = len(meta["order"])
        meta["order"].extend([order] * len(n1))
        meta["n"].extend(zip(n1, n2))
        meta["k"].extend([k] * len(n1))
        return np.arange(start, len(meta["order"]))

    def lowpass(k_in: int) -> tuple[int, int, int] | None:
        if average != "local" and not (average == "none" and k_in == 0):
            return None
        k_out = log2_stride if average == "local" else k0
        n_bins = (fb.N_pad >> k_out) // 2 + 1
        offset = phi_buf.add(fb.phi_level(k_in, n_bins), key=(k_in, n_bins))
        return offset, n_bins, k_out - k_in

    def row_k(k: int) -> int:
        return log2_stride if average == "local" else k

    windows: dict[tuple, tuple] = {}  # groups of the same filters at the same rates share them
    stored: dict[tuple, tuple[int, int, int]] = {}

    def band_windows(filters, buf, unique, k_in, k_out, block, n_bins):
        key = (id(buf), tuple(unique.tolist()), k_in, k_out, block, n_bins)
        if key not in windows:
            start, values, n_blocks = _band_windows(filters, unique, k_in, block, n_bins)
            values *= 1.0 / 2 ** (k_out - k_in)  # the Fourier-subsampling factor, folded in
            windows[key] = (start, values, n_blocks)
        return key, *windows[key]

    def store(buf, key, values) -> tuple[int, int, int]:
        if key not in stored:  # one copy in the buffer per distinct window set
            stored[key] = (buf.add(values), values.shape[0], values.shape[1])
        return stored[key]

    def band_group(filters, buf, index, source_rows, k_in, k_out, n_bins, parent, rows):
        M = fb.N_pad >> k_out
        unique, inverse = np.unique(index, return_inverse=True)
        pairs_layout = _pairs_layout(source_rows, inverse, len(unique))
        broadcast = None
        if pairs_layout is not None:
            # Every (input row, filter) pair: a broadcast product over blocks of M bins (the
            # spectrum is zero-extended once per input, not once per output row).
            key, start, values, n_blocks = band_windows(
                filters, buf, unique, k_in, k_out, M, n_bins
            )
            if np.all(start == start[0]):
                block = M
                broadcast = (*pairs_layout, int(start[0]))
        if broadcast is None:
            block = block_size(M, n_bins)
            key, start, values, n_blocks = band_windows(
                filters, buf, unique, k_in, k_out, block, n_bins
            )
        gather, per_row = _block_gather(source_rows, start[inverse], n_blocks, n_bins, block)
        identity = len(unique) == len(index) and np.array_equal(inverse, np.arange(len(index)))
        filt_index = None if identity else (idx_buf.add(inverse), len(inverse))
        return BandGroup(
            rows=rows,
            k_in=k_in,
            k_out=k_out,
            M=M,
            block=block,
            n_blocks=n_blocks,
            blocks_per_row=per_row,
            gather=(idx_buf.add(gather), gather.size),
            filt=store(buf, key, values),
            filt_index=filt_index,
            parent=parent,
            avg=lowpass(k_out),
            broadcast=broadcast,
        )

    S0 = lowpass(0) if average != "global" else None
    add_rows(0, np.array([-1]), np.array([-1]), k0 if average != "global" else 0)
    groups1: list[BandGroup] = []
    for k in sorted({int(v) for v in k1[n1_kept]}):
        idx = np.flatnonzero((k1 == k) & n1_kept)
        rows = add_rows(1, idx, np.full(len(idx), -1), row_k(k))
        groups1.append(
            band_group(
                psi1.filters,
                psi1_buf,
                idx,
                np.zeros(len(idx), dtype=int),
                0,
                k,
                fb.N_pad // 2,
                -1,
                rows,
            )
        )
    groups2: list[BandGroup] = []
    if pairs is not None:
        for gi, g in enumerate(groups1):
            n1_group = np.asarray([meta["n"][r][0] for r in g.rows])
            local, n2 = np.nonzero(pairs[n1_group])
            k_out = np.maximum(k2_total[n2], g.k_out)
            for k in sorted({int(v) for v in k_out}):
                sel = np.flatnonzero(k_out == k)
                per_group = max(GROUP_MIN_ROWS, GROUP_SAMPLES // (fb.N_pad >> k))
                for part in _split_pairs(local[sel], n2[sel], per_group):
                    part = sel[part]
                    rows = add_rows(2, n1_group[local[part]], n2[part], row_k(k))
                    groups2.append(
                        band_group(
                            psi2.filters,
                            psi2_buf,
                            n2[part],
                            local[part],
                            g.k_out,
                            k,
                            g.M // 2,
                            gi,
                            rows,
                        )
                    )
    n = np.asarray(meta["n"], dtype=int).reshape(-1, 2)
    order = np.asarray(meta["order"], dtype=int)
    paths = {"order": order, "n": n, "k": np.asarray(meta["k"], dtype=int)}
    for name, src in (("j", "j"), ("xi", "xi"), ("sigma", "sigma"), ("is_cqt", "is_cqt")):
        cols = []
        for col, bank in ((0, psi1), (1, psi2)):
            values = getattr(bank, src)
            fill = {"j": -1, "is_cqt": False}.get(name, np.nan)
            cols.append(np.where(n[:, col] >= 0, values[np.maximum(n[:, col], 0)], fill))
        paths[name] = np.stack(cols, axis=1)
    windows.clear()  # the buffers' parts are then their last reference: freed as copied
    plan = ScatteringPlan(
        N=fb.N,
        N_pad=fb.N_pad,
        pad_left=pad_left,
        average=average,
        log2_stride=log2_stride,
        S0=S0,
        groups1=groups1,
        groups2=groups2,
        buffers={
            "psi1_f": psi1_buf.array(),
            "psi2_f": psi2_buf.array(),
            "phi_f": phi_buf.array(),
            "index": np.zeros(0, dtype=np.int64),  # set below, with the output permutation
        },
        paths=paths,
        k_S0=int(paths["k"][0]),
    )
    # The output permutation, stored with the other indices so it is converted to the input's
    # library and device once, not on every call.
    perm = plan.order()
    plan.order_index = (idx_buf.add(perm), len(perm))
    plan.buffers["index"] = idx_buf.array().astype(np.int64)
    return plan
