"""The computation plan of joint time-frequency scattering (pure NumPy bookkeeping).

The first order (``S0``, ``U1``, ``S1``) reuses the Scattering1D plan. The joint part groups
second-order wavelets ``psi2`` by their time subsampling exponent ``k2``; for each such
:class:`JointGroup`, one batched band-pass per first-order group computes the complex
``Y2 = U1 * psi2`` of every valid ``(n2, n1)`` pair directly at rate ``2**k2`` (folding or
zero-padding the envelope spectrum, both exact), the time samples the outputs depend on are
kept, and one gather assembles a ``(B, t, P, L)`` array: ``P`` second-order wavelets and the
padded frequency axis of ``L`` rows last (``n1 = 0`` first, invalid pairs zero, padding from
``pad_mode_fr``). The frequential filters are applied in :class:`FreqGroup` batches that share
a frequential subsampling exponent. Every output row's metadata is recorded while building
these groups, in the same order as the computation, so ``meta()`` cannot disagree with the
coefficients.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from scatterwave.core.plan import (
    BandGroup,
    ScatteringPlan,
    _band_windows,
    _block_gather,
    _Buffer,
    block_size,
    second_order_pairs,
)
from scatterwave.filters.bank import TimeFilterbank
from scatterwave.filters.design import SIGMA0
from scatterwave.filters.frequential import FrequentialFilterbank
from scatterwave.filters.morlet import fold, gauss_f
from scatterwave.filters.support import gaussian_half_support
from scatterwave.vocabulary import PAIRS, Pair  # noqa: F401 (re-exported for the core)


@dataclass(frozen=True)
class FreqGroup:
    """Frequential filters applied together at one frequential subsampling exponent.

    Attributes
    ----------
    kind : {"filter", "mean"}
        ``"filter"``: multiply the frequency-axis spectrum by each filter's window, fold by
        ``2**k`` and inverse FFT. ``"mean"``: mean over the ``N1`` unpadded rows (global
        low-pass), no filter.
    k, L_k : int
        Fold exponent and folded length ``L >> k``.
    filt : tuple of int
        ``(offset, n_filters, n_blocks * L_k)`` of the windows in the ``psi_fr`` buffer.
    gather : tuple of int
        ``(offset, n_filters * n_blocks)`` block indices in the index buffer.
    n_blocks : int
    modulus : bool
        Take the modulus (True) or the real part (the real ``phi_t * phi_f``).
    post : tuple
        ``("none",)``, ``("global",)`` (mean over rows) or ``("local", offset, n_bins, k_out)``
        (low-pass ``phi_F`` from the ``phi_fr`` buffer, subsample to ``2**k_out``).
    rows : int
        Output rows (``ceil(N1 / 2**k_out)``; 1 for a global mean): the same for every group,
        so that slices stack.
    rows_valid : int
        Rows actually computed, ``ceil(n_in / 2**k_out)``; the others are zero.
    n_in : int
        Rows of the input frequency axis that carry data (``N1``, or fewer for a
        second-order wavelet that sees fewer first-order rows).
    scale : float
        Energy factor of the frequency axis, ``sqrt(N1 / rows)`` (times ``sqrt(2)`` where one
        spin stands for both).
    pair : list of str
        Output pair of each filter.
    n1_fr : list of int
        Frequential wavelet index of each filter (-1 for the low-pass).
    spin : list of int
    k_out : int
        Frequential stride exponent of the output rows (-1: global).
    dense : tuple of int or None
        ``(op_offset, R, n_rows, lp_offset)`` when the group is applied as matrices (see
        :mod:`scatterwave.core.jtfs_dense`): ``W`` (``n_filters * R`` by ``n_rows``) in the
        ``fr_op`` buffer and, for a local low-pass, ``Phi`` (``rows_valid`` by ``R``) in
        ``fr_lp`` (``lp_offset`` -1 otherwise).
    """

    kind: str
    k: int
    L_k: int
    filt: tuple[int, int, int]
    gather: tuple[int, int]
    n_blocks: int
    modulus: bool
    post: tuple
    rows: int
    rows_valid: int
    n_in: int
    scale: float
    pair: list[str]
    n1_fr: list[int]
    spin: list[int]
    k_out: int
    dense: tuple[int, int, int, int] | None = None

    @property
    def n_filters(self) -> int:
        return len(self.pair)


@dataclass(frozen=True)
class JointGroup:
    """Second-order wavelets whose ``Y2 = U1 * psi2`` is computed at one rate ``2**k2``.

    Attributes
    ----------
    n2 : ndarray of int, shape (P,)
    k2, M : int
        Time subsampling exponent and length (``N_pad >> k2``) of ``Y2``.
    bands : list of BandGroup
        One complex band-pass per first-order group (``parent``) feeding this group; their
        outputs are concatenated in this order.
    assemble : tuple of int
        ``(offset, P * L)`` (or ``P * N1`` with a callable ``pad_mode_fr``) indices into the
        concatenated band outputs plus one trailing zero row.
    conj_t : tuple of int or None
        ``(offset, M)`` of a 0/1 mask in the ``mask`` buffer: time samples (reflected padding)
        whose ``Y2`` is conjugated so that reflection does not flip the spin.
    avg : tuple of int or None
        ``(phi_offset, n_bins, k_avg)`` of the time low-pass; None for a global time mean.
    valid_rows : ndarray of int, shape (P,)
        One past the last valid first-order row of each ``n2``.
    trim : tuple of int
        ``(a, b, start)``: only time samples ``[a, b)`` of ``Y2`` are processed (the unpadded
        part plus the half-support of ``phi_T``), and the output starts at sample ``start`` of
        the averaged window.
    L : int
        Padded length of this group's frequency axis (from ``max(valid_rows)`` rows).
    freq : list of FreqGroup
        The frequential filters, sampled at ``L``.
    fr_conj : tuple of int or None
        ``(offset, L)`` of the frequency positions to conjugate (``"conj-reflect"``).
    """

    n2: np.ndarray
    k2: int
    M: int
    bands: list[BandGroup]
    assemble: tuple[int, int]
    conj_t: tuple[int, int] | None
    avg: tuple[int, int, int] | None
    valid_rows: np.ndarray
    trim: tuple[int, int, int] = (0, 0, 0)
    L: int = 0
    freq: list[FreqGroup] = field(default_factory=list)
    fr_conj: tuple[int, int] | None = None


@dataclass
class JTFSPlan:
    """Everything the JTFS compute core needs, independent of the array library.

    Attributes
    ----------
    first : ScatteringPlan
        First-order plan (``S0``, ``U1``, ``S1``) with the JTFS's left padding.
    N1, L : int
        Number of first-order rows and padded length of the full frequency axis.
    log2_stride : int or None
        Output time stride exponent (None: global time mean).
    first_freq : list of FreqGroup
        Frequential filters of the ``phi_t`` pairs (applied to ``S1``).
    joint : list of JointGroup
    fr_pad : tuple of int or None
        ``(offset, L)`` of the source row of each padded position of ``S1``'s axis.
    buffers : dict of str to ndarray
        Flat filter buffers (float64) and ``"index"`` (int64).
    rows : dict of str to ndarray
        Per-row metadata in computation order.
    keep : ndarray of int
        Rows returned, in output order (indices into computation order).
    bytes_per_signal : int
        Estimated working memory of one signal's forward pass.
    dense_fr : bool
        The joint stage's frequential filtering is applied as matrices to unpadded rows
        (:mod:`scatterwave.core.jtfs_dense`).
    """

    first: ScatteringPlan
    N1: int
    L: int
    log2_stride: int | None
    first_freq: list[FreqGroup]
    joint: list[JointGroup]
    fr_pad: tuple[int, int] | None
    buffers: dict[str, np.ndarray] = field(default_factory=dict)
    rows: dict[str, np.ndarray] = field(default_factory=dict)
    keep: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    bytes_per_signal: int = 0
    dense_fr: bool = False


def _circular_windows(h: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Block-aligned windows of dense filters ``h`` (n, L) for a fold by ``2**k``.

    Each filter's non-zero bins lie on a circular arc; its window starts on the block (of
    ``L >> k`` bins) holding the arc's first bin and spans ``n_blocks`` blocks (common to all
    filters, at most ``2**k`` so that no bin is counted twice). Returns the block indices
    ``(n * n_blocks,)``, the window values ``(n, n_blocks * L_k)`` and ``n_blocks``.
    """
    n, L = h.shape
    L_k, n_total = L >> k, 2**k
    starts, widths = [], []
    for row in h:
        b = np.flatnonzero(row)
        if len(b) == 0:
            starts.append(0)
            widths.append(1)
            continue
        gaps = np.diff(np.concatenate([b, [b[0] + L]]))
        i = int(np.argmax(gaps))
        s = int(b[(i + 1) % len(b)])
        starts.append(s)
        widths.append((int(b[i]) - s) % L + 1)
    blocks = []
    for s, w in zip(starts, widths):
        sb = s // L_k
        blocks.append((sb, -(-(s - sb * L_k + w) // L_k)))
    n_blocks = min(max(nb for _, nb in blocks), n_total)
    gather = np.zeros((n, n_blocks), dtype=int)
    values = np.zeros((n, n_blocks * L_k))
    for i, (sb, _) in enumerate(blocks):
        sb = 0 if n_blocks == n_total else sb
        gather[i] = (sb + np.arange(n_blocks)) % n_total
        bins = (sb * L_k + np.arange(n_blocks * L_k)) % L
        values[i] = h[i, bins]
    return gather.ravel(), values, n_blocks


def row_source(N1: int, L: int, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Source row of each padded frequency position and which positions are reflections.

    The ``L - N1`` padding rows follow row ``N1 - 1``; with ``"zero"`` they are empty (-1);
    with ``"reflect"`` / ``"conj-reflect"`` the first half mirrors the low-frequency end and
    the second half (circularly, the rows before row 0) mirrors the high-frequency end, both
    without repeating the edge row.
    """
    pos = np.arange(L)
    src = np.where(pos < N1, pos, -1)
    reflected = pos >= N1
    if mode != "zero" and L > N1:
        from scatterwave.core.ops import reflect_indices

        pad = L - N1
        left = pad // 2
        idx = reflect_indices(N1, left, pad - left)
        src = np.roll(idx, -left)
    return src, reflected


def freq_groups(
    ffb: FrequentialFilterbank,
    items: list[tuple[str, int, int, np.ndarray]],
    *,
    n_in: int,
    average_fr: bool,
    k_align: int | None,
    oversampling_fr: int,
    modulus: bool,
    extra_scale: float,
    buf: _Buffer,
    phi_buf: _Buffer,
    idx_buf: _Buffer,
) -> list[FreqGroup]:
    """Group frequential filters ``items`` = ``(pair, n1_fr, spin, h)`` by exponent and post step.

    ``h`` is sampled at ``ffb.L``; ``n_in`` rows of the input carry data. ``k_align``
    (``aligned=True`` without frequential averaging): the common exponent of every filter.
    """
    N1, L = ffb.N1, ffb.L
    log2_F = ffb.log2_F
    k_F = None if log2_F is None else max(log2_F - oversampling_fr, 0)

    def natural(n1_fr: int) -> int:
        return max(int(ffb.j[n1_fr]) - oversampling_fr, 0) if n1_fr >= 0 else k_F

    plans = []  # (kind, k, post_kind) per item
    for _pair, n1_fr, _spin, _h in items:
        if n1_fr < 0:
            plans.append(("mean", 0, "none") if k_F is None else ("filter", k_F, "none"))
        elif average_fr and k_F is None:
            plans.append(("filter", natural(n1_fr), "global"))
        elif average_fr:
            plans.append(("filter", min(natural(n1_fr), k_F), "local"))
        else:
            plans.append(("filter", natural(n1_fr), "none"))
    if k_align is not None and not average_fr:
        plans = [(kind, k_align if kind == "filter" else k, post) for kind, k, post in plans]
    groups: list[FreqGroup] = []
    for key in sorted(set(plans)):
        kind, k, post_kind = key
        sel = [i for i, p in enumerate(plans) if p == key]
        h = np.stack([items[i][3] for i in sel])
        L_k = L >> k
        if kind == "mean":
            gather, filt, n_blocks = (0, 0), (0, len(sel), 0), 1
        else:
            g, values, n_blocks = _circular_windows(h, k)
            gather = (idx_buf.add(g), g.size)
            filt = (buf.add(values), len(sel), values.shape[1])
        if kind == "mean" or post_kind == "global":
            post, rows, k_out = ("global",), 1, -1
            valid = 1
        elif post_kind == "local":
            n_bins = (L >> k_F) // 2 + 1
            off = phi_buf.add(fold(ffb.phi, k)[:n_bins], key=("phi_fr", L, k, n_bins))
            post, k_out = ("local", off, n_bins, k_F), k_F
            rows, valid = -(-N1 // 2**k_F), -(-n_in // 2**k_F)
        else:
            post, k_out = ("none",), k
            rows, valid = -(-N1 // 2**k), -(-n_in // 2**k)
        groups.append(
            FreqGroup(
                kind=kind,
                k=k,
                L_k=L_k,
                filt=filt,
                gather=gather,
                n_blocks=n_blocks,
                modulus=modulus,
                post=post,
                rows=rows,
                rows_valid=valid,
                n_in=n_in,
                scale=math.sqrt(N1 / rows) * extra_scale,
                pair=[items[i][0] for i in sel],
                n1_fr=[items[i][1] for i in sel],
                spin=[items[i][2] for i in sel],
                k_out=k_out,
            )
        )
    return groups


def joint_groups(
    fb: TimeFilterbank,
    first: ScatteringPlan,
    *,
    n2_kept: np.ndarray,
    pairs: np.ndarray,
    log2_stride: int | None,
    oversampling: int,
    pad_mode_fr: str | None,
    frequency_axis: Callable[[int], tuple[int, list[FreqGroup]]],
    time_conj: bool,
    criterion_amplitude: float,
    psi2_buf: _Buffer,
    phi_buf: _Buffer,
    idx_buf: _Buffer,
    mask_buf: _Buffer,
) -> list[JointGroup]:
    """Group the kept second-order wavelets by time exponent; see :class:`JointGroup`.

    ``frequency_axis(n_rows)`` returns the padded length and the frequential groups of a
    frequency axis carrying ``n_rows`` rows of data.
    """
    N_pad = fb.N_pad
    k2_all = np.maximum(fb.psi2.j - oversampling, 0)
    if log2_stride is not None:
        k2_all = np.minimum(k2_all, log2_stride)
    out = []
    for k2 in sorted({int(k2_all[n]) for n in n2_kept}):
        n2s = np.array([n for n in n2_kept if k2_all[n] == k2], dtype=int)
        valid = np.array([int(np.max(np.flatnonzero(pairs[:, n]), initial=-1)) + 1 for n in n2s])
        n_rows = int(valid.max())
        L, freq = frequency_axis(n_rows)
        M = N_pad >> k2
        bands, where = [], {}
        count = 0
        for gi, g in enumerate(first.groups1):
            n1s = first.paths["n"][g.rows, 0]
            loc, p = np.nonzero(pairs[n1s][:, n2s])
            if len(loc) == 0:
                continue
            n2_idx = n2s[p]
            unique, inverse = np.unique(n2_idx, return_inverse=True)
            n_bins = g.M // 2  # the envelope's Nyquist bin is dropped, as in Scattering1D
            block = block_size(M, n_bins)
            start, values, n_blocks = _band_windows(fb.psi2.filters, unique, g.k_out, block, n_bins)
            gather, per_row = _block_gather(loc, start[inverse], n_blocks, n_bins, block)
            bands.append(
                BandGroup(
                    rows=np.arange(len(loc)),
                    k_in=g.k_out,
                    k_out=k2,
                    M=M,
                    block=block,
                    n_blocks=n_blocks,
                    blocks_per_row=per_row,
                    gather=(idx_buf.add(gather), gather.size),
                    # exact values of the subsampled (or interpolated) band-pass
                    filt=(
                        psi2_buf.add(values / 2.0 ** (k2 - g.k_out)),
                        len(unique),
                        values.shape[1],
                    ),
                    filt_index=(idx_buf.add(inverse), len(inverse)),
                    parent=gi,
                    avg=None,
                )
            )
            for i, (a, b) in enumerate(zip(n1s[loc], n2_idx)):
                where[(int(a), int(b))] = count + i
            count += len(loc)
        if pad_mode_fr is None:
            src, n_pos = np.arange(n_rows), n_rows
            reflected = np.zeros(n_rows, dtype=bool)
        else:
            src, reflected = row_source(n_rows, L, pad_mode_fr)
            n_pos = L
        zero_row = count
        assemble = np.full((len(n2s), n_pos), zero_row, dtype=int)
        for pi, n2 in enumerate(n2s):
            for pos in range(n_pos):
                s = int(src[pos])
                if s >= 0:
                    assemble[pi, pos] = where.get((s, int(n2)), zero_row)
        conj_t = None
        if time_conj:
            lo = -(-first.pad_left // 2**k2)
            hi = (first.pad_left + fb.N) // 2**k2
            mask = np.ones(M)
            mask[lo:hi] = 0.0
            conj_t = (mask_buf.add(mask, key=("t", k2)), M)
        fr_conj = None
        if pad_mode_fr == "conj-reflect":
            fr_conj = (mask_buf.add(reflected.astype(float), key=("fr", n_rows, L)), L)
        trim, avg = _time_window(fb, first, k2, log2_stride, criterion_amplitude), None
        if log2_stride is not None:
            width = trim[1] - trim[0]
            k_avg = log2_stride - k2
            n_bins = (width >> k_avg) // 2 + 1
            phi = fold(gauss_f(width << k2, SIGMA0 / fb.T), k2)[:n_bins]
            avg = (phi_buf.add(phi, key=("t", width, k2, n_bins)), n_bins, k_avg)
        out.append(
            JointGroup(
                n2=n2s,
                k2=k2,
                M=M,
                bands=bands,
                assemble=(idx_buf.add(assemble), assemble.size),
                conj_t=conj_t,
                avg=avg,
                valid_rows=valid,
                trim=trim,
                L=L,
                freq=freq,
                fr_conj=fr_conj,
            )
        )
    return out


def _time_window(
    fb: TimeFilterbank,
    first: ScatteringPlan,
    k2: int,
    log2_stride: int | None,
    criterion_amplitude: float,
) -> tuple[int, int, int]:
    """Time samples of ``Y2`` (rate ``2**k2``) that the kept outputs depend on.

    The unpadded signal occupies ``[u0, u0 + n_u)``; local averaging by ``phi_T`` reads
    ``h`` more samples on each side (its half-support to ``criterion_amplitude``), a global
    mean none. The window is aligned on the output stride so that the averaged samples fall on
    the same grid as without trimming, and its circular convolution never wraps into kept
    samples.
    """
    M = fb.N_pad >> k2
    u0, n_u = first.pad_left >> k2, -(-fb.N // 2**k2)
    if log2_stride is None:
        return (u0, u0 + n_u, 0)
    step = 2 ** (log2_stride - k2)
    h = math.ceil(gaussian_half_support(SIGMA0 / fb.T, criterion_amplitude) / 2**k2)
    a = max(u0 - h, 0) // step * step
    b = min(-(-(u0 + n_u + h) // step) * step, M)
    return (a, b, (u0 - a) // step)


def joint_pairs(fb: TimeFilterbank, n2_exclude: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Valid ``(n1, n2)`` pairs, shape (n1, n2), and the second-order wavelets kept.

    A second-order wavelet is kept when it sees at least one first-order envelope and its
    subsampling exponent is at least 1: a ``psi2`` with ``j2 = 0`` would need ``Y2`` at the
    full rate for modulations faster than a quarter of the sampling rate, which first-order
    envelopes almost never carry (both reference implementations skip them too).
    """
    pairs = second_order_pairs(fb, None)
    keep = pairs.any(axis=0) & (fb.psi2.j >= 1)
    keep[list(n2_exclude)] = False
    return pairs, np.flatnonzero(keep)
