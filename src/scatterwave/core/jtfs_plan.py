"""The computation plan of joint time-frequency scattering (pure NumPy bookkeeping).

A :class:`JTFSPlan` is a list of steps that the compute core (:mod:`scatterwave.core.jtfs`)
iterates, read like the maths::

    FirstOrderRows   S0 = x * phi_T,  U1 = |x * psi1|,  S1 = U1 * phi_T   (the Scattering1D plan)
    SpinFreeFilter   |S1 *_fr psi_fr| and S1 *_fr phi_F                    (the phi_t pairs)
    JointFilter      Y2 = U1 * psi2, |Y2 *_fr psi_fr|, then * phi_F, * phi_T (the psi_t pairs)

The joint part groups second-order wavelets ``psi2`` by their time subsampling exponent
``k2``; for each such :class:`JointGroup` (built by :mod:`scatterwave.core.jtfs_joint`), one
batched band-pass per first-order group computes the complex ``Y2 = U1 * psi2`` of every valid
``(n2, n1)`` pair directly at rate ``2**k2`` (folding or zero-padding the envelope spectrum,
both exact), the time samples the outputs depend on are kept, and one gather assembles them
along frequency (``n1 = 0`` first, invalid pairs zero, padding from ``pad_mode_fr``, or the
unpadded rows for the dense form of :mod:`scatterwave.core.jtfs_dense`). The frequential
filters are applied in :class:`FreqGroup` batches that share a frequential subsampling
exponent. Every filter, window and index is a :class:`~scatterwave.core.buffers.Slice` of the
plan's flat buffers. The row metadata is produced by iterating the same steps
(:func:`scatterwave.core.jtfs_build.step_rows`), so ``meta()`` cannot disagree with the
coefficients.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np

from scatterwave.core.bands import BandGroup
from scatterwave.core.buffers import (
    LowPass,
    PlanBuilder,
    Scope,
    Slice,
)
from scatterwave.core.jtfs_edges import EdgeNorm, freq_edge, lowpass_np
from scatterwave.core.plan import ScatteringPlan
from scatterwave.filters.frequential import FrequentialFilterbank
from scatterwave.filters.morlet import fold
from scatterwave.vocabulary import PAIRS, Pair  # noqa: F401 (re-exported for the core)


@dataclass(frozen=True)
class DenseOperator:
    """The frequential filtering of a group as a matrix (see :mod:`scatterwave.core.jtfs_dense`).

    Attributes
    ----------
    op : Slice
        ``W`` in real form, shape (2 * n_filters * R, 2 * n_rows), in the ``fr_op`` buffer.
    op_complex : Slice
        ``W`` as complex, shape (n_filters * R, n_rows), in the complex form of ``fr_op``
        (:func:`scatterwave.core.jtfs_dense.complex_operators`, a quarter of the real size).
    R : int
        Rows of ``|W @ Y|`` per filter.
    n_rows : int
        Data rows of the frequency axis (columns of ``W``).
    lowpass : Slice or None
        The frequential low-pass ``Phi``, shape (rows_valid, R), in ``fr_lp`` (local
        frequential averaging only).
    conj_pairs : int
        Number ``p`` of conjugate pairs among the filters: the last ``p`` filters' matrices
        are the conjugates of the ``p`` before them (spin down of spin up). NumPy then applies
        the other filters to the real and imaginary parts of ``Y2`` separately, which gives
        both spins (see :mod:`scatterwave.core.jtfs_pairs`; the layout of such a group in
        :func:`scatterwave.core.jtfs_dense.complex_operators`). 0: no pairs.
    """

    op: Slice
    op_complex: Slice
    R: int
    n_rows: int
    lowpass: Slice | None
    conj_pairs: int = 0


@dataclass(frozen=True)
class FreqGroup:
    """Frequential filters applied together at one frequential subsampling exponent.

    Attributes
    ----------
    k, L_k : int
        Fold exponent and folded length ``L >> k``.
    filters : Slice or None
        The windows, shape (n_filters, n_blocks * L_k), in the ``psi_fr`` buffer: multiply
        the frequency-axis spectrum by each, fold by ``2**k`` and inverse FFT. None: a plain
        mean over the ``n_in`` data rows (global low-pass), no filter.
    gather : Slice or None
        Block indices, shape (n_filters * n_blocks,), in the ``index`` buffer.
    n_blocks : int
    modulus : bool
        Take the modulus (True) or the real part (the real ``phi_t * phi_f``).
    post : Scope
        After the modulus: a local low-pass (``lowpass``), a global mean over rows, or none.
    lowpass : LowPass or None
        ``phi_F`` from the ``phi_f`` buffer and the subsampling to ``2**k_out`` (local only).
    rows : int
        Output rows (``ceil(N1 / 2**k_out)``; 1 for a global mean): the same for every group,
        so that slices stack.
    rows_valid : int
        Rows actually computed, ``ceil(n_in / 2**k_out)``; the others are zero.
    n_in : int
        Rows of the input frequency axis that carry data (``N1``, or fewer for a
        second-order wavelet that sees fewer first-order rows).
    scale : float
        The factor the kernels apply: ``energy``, times, for a global mean, the ratio of the
        row count they divide by (``ceil(N1 / 2**k)``) to the data rows
        (``ceil(n_in / 2**k)``), so that a global mean is the mean over the rows that carry
        data, the limit of the local averages (see :mod:`scatterwave.core.jtfs_edges`).
    energy : float
        Energy factor of the frequency axis, ``sqrt(n_in / rows_valid)`` (times ``sqrt(2)``
        where one spin stands for both): the stride correction of the rows carrying data.
    pair : list of str
        Output pair of each filter.
    n1_fr : list of int
        Frequential wavelet index of each filter (-1 for the low-pass).
    spin : list of int
    k_out : int
        Frequential stride exponent of the output rows (meaningless for a global ``post``).
    dense : DenseOperator or None
        Set when the group is applied as matrices (see :mod:`scatterwave.core.jtfs_dense`).
    edge : EdgeNorm or None
        Normalisation of the frequential low-pass at the padding boundary (see
        :mod:`scatterwave.core.jtfs_edges`): the ``mask`` (over the ``L_k`` rows before the
        low-pass, ``post`` local) and the ``gain`` of each of the ``rows_valid`` rows.
    """

    k: int
    L_k: int
    filters: Slice | None
    gather: Slice | None
    n_blocks: int
    modulus: bool
    post: Scope
    lowpass: LowPass | None
    rows: int
    rows_valid: int
    n_in: int
    scale: float
    energy: float
    pair: list[str]
    n1_fr: list[int]
    spin: list[int]
    k_out: int
    dense: DenseOperator | None = None
    edge: EdgeNorm | None = None

    @property
    def n_filters(self) -> int:
        """Number of filters (output pairs) of the group."""
        return len(self.pair)

    @property
    def is_mean(self) -> bool:
        """The group is a plain mean over the data rows (no filter)."""
        return self.filters is None


@dataclass(frozen=True)
class TimeWindow:
    """Time samples ``[start, stop)`` of ``Y2`` that are processed; outputs begin at ``out_start``.

    Attributes
    ----------
    start, stop : int
    out_start : int
        First kept sample of the averaged window.
    """

    start: int
    stop: int
    out_start: int

    @property
    def width(self) -> int:
        """Samples processed."""
        return self.stop - self.start


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
    assemble : Slice
        Indices, shape (P * L,) (or ``P * n_rows`` for the dense form or a callable
        ``pad_mode_fr``), into the concatenated band outputs plus one trailing zero row.
    conj_t : Slice or None
        A 0/1 mask, shape (M,), in the ``mask`` buffer: time samples (reflected padding)
        whose ``Y2`` is conjugated so that reflection does not flip the spin.
    avg : LowPass or None
        The time low-pass; None for a global time mean.
    valid_rows : ndarray of int, shape (P,)
        One past the last valid first-order row of each ``n2``.
    n_rows : int
        Rows of each ``n2``'s frequency axis before padding: ``max(valid_rows)`` over all the
        second-order wavelets at rate ``k2``, also when they are split into several groups
        (:func:`scatterwave.core.jtfs_joint.split_joint_axis`), so that the split changes no
        filter.
    trim : TimeWindow
        Only these time samples of ``Y2`` are processed (the unpadded part plus the
        half-support of ``phi_T``).
    L : int
        Padded length of this group's frequency axis (from ``n_rows`` rows).
    freq : list of FreqGroup
        The frequential filters, sampled at ``L``.
    fr_conj : Slice or None
        The frequency positions to conjugate (``"conj-reflect"``, ``"conj-reflect-zero"``),
        shape (P, L) flattened, in ``mask``.
    edge : EdgeNorm or None
        Normalisation of the time low-pass at the padding boundary (local averaging).
    """

    n2: np.ndarray
    k2: int
    M: int
    bands: list[BandGroup]
    assemble: Slice
    conj_t: Slice | None
    avg: LowPass | None
    valid_rows: np.ndarray
    trim: TimeWindow
    L: int
    freq: list[FreqGroup]
    n_rows: int
    fr_conj: Slice | None = None
    edge: EdgeNorm | None = None


@dataclass(frozen=True)
class FirstOrderRows:
    """``S0 = x * phi_T`` and ``S1 = U1 * phi_T`` with ``U1 = |x * psi1|`` (as Scattering1D).

    Attributes
    ----------
    spectrum_widths : tuple of int
        Bins of each first-order group's envelope spectrum that the joint stage reads.
    """

    spectrum_widths: tuple[int, ...]


@dataclass(frozen=True)
class SpinFreeFilter:
    """The *phi_t* pairs: ``S1`` stacked over ``n1`` and filtered along frequency.

    Attributes
    ----------
    groups : list of FreqGroup
        Filters applied to one padded copy of ``S1``'s frequency axis.
    """

    groups: list[FreqGroup]


@dataclass(frozen=True)
class JointFilter:
    """The *psi_t* pairs of one :class:`JointGroup`: ``Y2``, frequential filters, time low-pass.

    Attributes
    ----------
    joint : JointGroup
    """

    joint: JointGroup


JTFSStep = FirstOrderRows | SpinFreeFilter | JointFilter


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
        Output time stride exponent (None: global time mean; 0 without time averaging).
    first_freq : list of FreqGroup
        Frequential filters of the ``phi_t`` pairs (applied to ``S1``).
    joint : list of JointGroup
    fr_pad : Slice or None
        Source row of each padded position of ``S1``'s axis, shape (L,), in ``index``.
    steps : list of JTFSStep
        What the compute core runs, in order; the output rows follow it (see
        :func:`step_rows`).
    buffers : dict of str to ndarray
        Flat filter buffers (float64) and ``"index"`` (int64).
    rows : dict of str to ndarray
        Per-row metadata in computation order.
    keep : ndarray of int
        Rows returned, in output order (indices into computation order).
    out_rows, out_rows_compact : Slice
        ``keep`` in the ``"index"`` buffer; and the same rows as indices into the computed
        rows when the padding rows are not computed (``zero_rows="drop"``).
    padding : ndarray of bool
        Rows (computation order) that are zero for every input: beyond a second-order
        wavelet's first-order rows in its joint slices, appended as zeros for alignment.
    dense_fr : bool
        The joint stage's frequential filtering is applied as matrices to unpadded rows
        (:mod:`scatterwave.core.jtfs_dense`).
    edge_S0 : EdgeNorm or None
        Normalisation of ``S0``'s time low-pass at the padding boundary (local averaging).
    edge_S1 : list of EdgeNorm or None
        The same for each first-order group's ``S1`` rows.
    unaveraged : bool
        No time averaging: ``S1`` is output as ``U1`` (at stride 1); ``first``'s low-passes
        (stride 1) give ``S0`` and the input of the *phi_t* pairs.
    direct_time : dict
        Short outputs: the time low-passes of ``S1`` and the joint groups as matrices, by
        :func:`~scatterwave.core.direct_lowpass.time_key` (:mod:`~scatterwave.core.
        direct_lowpass`); their energy factor is in them when ``direct_energy``.
    """

    first: ScatteringPlan
    N1: int
    L: int
    log2_stride: int | None
    first_freq: list[FreqGroup]
    joint: list[JointGroup]
    fr_pad: Slice | None
    steps: list[JTFSStep] = field(default_factory=list)
    buffers: dict[str, np.ndarray] = field(default_factory=dict)
    rows: dict[str, np.ndarray] = field(default_factory=dict)
    keep: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    out_rows: Slice = field(default_factory=lambda: Slice("index", 0, (0,)))
    out_rows_compact: Slice = field(default_factory=lambda: Slice("index", 0, (0,)))
    padding: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    dense_fr: bool = False
    edge_S0: EdgeNorm | None = None
    edge_S1: list[EdgeNorm | None] = field(default_factory=list)
    unaveraged: bool = False
    direct_time: dict[Hashable, Slice] = field(default_factory=dict)
    direct_energy: bool = True

    @property
    def pad_left(self) -> int:
        """First unpadded sample of the time axis (that of :attr:`first`, as in Scattering1D)."""
        return self.first.pad_left

    def returned_rows(self, drop_padding: bool) -> np.ndarray:
        """Return ``keep``, less the padding rows when they are dropped (computation order)."""
        return self.keep[~self.padding[self.keep]] if drop_padding else self.keep

    def bytes_per_signal(self, itemsize: int) -> int:
        """Peak working memory of one signal's forward pass, bytes (``core.jtfs_memory``)."""
        from scatterwave.core.jtfs_memory import bytes_per_signal

        return bytes_per_signal(self) // (2 if itemsize == 4 else 1)


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


def row_source(
    N1: int, L: int, mode: str, n_axis: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Source row of each padded frequency position and which positions are reflections.

    The ``L - N1`` padding rows follow row ``N1 - 1``; with ``"zero"`` they are empty (-1);
    with ``"reflect"`` / ``"conj-reflect"`` the first half mirrors the low-frequency end and
    the second half (circularly, the rows before row 0) mirrors the high-frequency end, both
    without repeating the edge row. ``"conj-reflect-zero"`` first extends the ``N1`` rows
    with zeros to the ``n_axis`` rows of the complete first-order axis (see
    :func:`zero_reflect_source`).
    """
    if mode == "conj-reflect-zero":
        return zero_reflect_source(N1, N1 if n_axis is None else n_axis, L)
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


def zero_reflect_source(n: int, n_axis: int, L: int) -> tuple[np.ndarray, np.ndarray]:
    """Source rows and conjugation flags of the ``"conj-reflect-zero"`` padding.

    Rows ``0 .. n - 1`` are extended by zeros to the ``n_axis`` rows of the complete axis
    (the lower-frequency rows a second-order wavelet does not see, whose true value is
    about zero), then reflected. Of the ``L - n`` padding positions,
    ``max((L - n) // 2, zeros)`` follow the data (the zeros first, then the reflection of
    the extended axis from its end) and the rest precede row 0 circularly (the reflection
    from row 1 on). Reflections repeat without the edge row; the positions of odd passes
    are flagged for conjugation (returned as the second array). The layout of WaveSpin's
    default frequential padding, with its name.
    """
    from scatterwave.core.ops import reflect_indices

    zeros = max(0, min(n_axis - n, L - n))
    m = n + zeros
    right = max((L - n) // 2, zeros)
    left = L - n - right
    u = np.arange(-left, n + right)  # positions on the unfolded axis, row 0 at u = 0
    idx = reflect_indices(m, left, n + right - m)
    beyond = np.maximum(np.maximum(u - (m - 1), -u), 0)  # rows past the nearer end
    conj = beyond > 0
    if m > 1:
        conj &= (beyond - 1) // (m - 1) % 2 == 0  # odd passes
    return np.roll(np.where(idx < n, idx, -1), -left), np.roll(conj, -left)


@dataclass(frozen=True)
class FreqOptions:
    """The options shared by every frequency axis of a JTFS plan.

    Attributes
    ----------
    average_fr : bool
    k_align : int or None
        ``aligned=True`` without frequential averaging: the common exponent of every filter.
    oversampling_fr : int
    zero_padded : bool
        The frequency axes are padded with zeros (``pad_mode_fr="zero"``); otherwise the
        low-pass ``phi_F`` applied directly to an axis reads it through a mask of its data
        rows (see :mod:`scatterwave.core.jtfs_edges`).
    edges : bool
        Normalise the frequential low-passes at the padding boundary; False: plain
        low-passes of the padded axes.
    """

    average_fr: bool
    k_align: int | None
    oversampling_fr: int
    zero_padded: bool = True
    edges: bool = True


def _freq_keys(
    ffb: FrequentialFilterbank, n1_frs: list[int], opts: FreqOptions
) -> list[tuple[bool, int, Scope, bool]]:
    """``(mean, k, post, lowpass)`` of each filter ``n1_fr`` (-1: the low-pass) of an axis.

    The low-pass never shares a group with wavelets of the same exponent (``lowpass``): its
    outputs are normalised at the ends of the axis, theirs are not.
    """
    log2_F = ffb.log2_F
    k_F = None if log2_F is None else max(log2_F - opts.oversampling_fr, 0)
    keys = []
    for n1_fr in n1_frs:
        natural = max(int(ffb.j[n1_fr]) - opts.oversampling_fr, 0) if n1_fr >= 0 else 0
        if n1_fr < 0:
            keys.append((True, 0, Scope.NONE) if k_F is None else (False, k_F, Scope.NONE))
        elif opts.average_fr and k_F is None:
            keys.append((False, natural, Scope.GLOBAL))
        elif opts.average_fr and k_F is not None:
            keys.append((False, min(natural, k_F), Scope.LOCAL))
        else:
            keys.append((False, natural, Scope.NONE))
    if opts.k_align is not None and not opts.average_fr:
        keys = [(mean, k if mean else opts.k_align, post) for mean, k, post in keys]
    return [(*key, n1_fr < 0) for key, n1_fr in zip(keys, n1_frs)]


def freq_groups(
    builder: PlanBuilder,
    ffb: FrequentialFilterbank,
    items: list[tuple[str, int, int, np.ndarray]],
    opts: FreqOptions,
    *,
    n_in: int,
    modulus: bool,
    extra_scale: float,
) -> list[FreqGroup]:
    """Group frequential filters ``items`` = ``(pair, n1_fr, spin, h)`` by exponent and post step.

    ``h`` is sampled at ``ffb.L``; ``n_in`` rows of the input carry data.
    """
    N1, L = ffb.N1, ffb.L
    keys = _freq_keys(ffb, [item[1] for item in items], opts)
    order = {Scope.GLOBAL: 0, Scope.LOCAL: 1, Scope.NONE: 2}  # the order of the former tags
    groups: list[FreqGroup] = []
    for key in sorted(set(keys), key=lambda t: (t[0], t[1], order[t[2]], not t[3])):
        mean, k, post, is_lowpass = key
        sel = [i for i, p in enumerate(keys) if p == key]
        filters = gather = None
        n_blocks = 1
        if not mean:
            g, values, n_blocks = _circular_windows(np.stack([items[i][3] for i in sel]), k)
            gather, filters = builder.add("index", g), builder.add("psi_fr", values)
        lowpass = edge = None
        if mean or post is Scope.GLOBAL:
            post, rows, k_out, valid = Scope.GLOBAL, 1, 0, 1
        elif post is Scope.LOCAL:
            k_out = max(int(ffb.log2_F or 0) - opts.oversampling_fr, 0)
            n_bins = (L >> k_out) // 2 + 1
            if ffb.phi is None:
                raise ValueError("local frequential averaging needs the low-pass phi_F")
            phi = fold(ffb.phi, k)[:n_bins]
            lowpass = LowPass(builder.add("phi_f", phi, key=("phi_fr", L, k, n_bins)), k_out - k)
            rows, valid = -(-N1 // 2**k_out), -(-n_in // 2**k_out)
            if opts.edges:
                edge = _lowpass_edge(builder, phi, k, k_out, L, n_in, valid)
        else:
            k_out = k
            rows, valid = -(-N1 // 2**k), -(-n_in // 2**k)
            if opts.edges and is_lowpass:  # phi_F on the padded axis
                h, masked = items[sel[0]][3], not opts.zero_padded
                filt = lambda v, h=h, k=k: _filter_np(v, h, k)  # noqa: E731
                edge = freq_edge(builder, filt, L, n_in, valid, masked=masked)
        energy = math.sqrt(n_in / valid) * extra_scale
        groups.append(
            FreqGroup(
                k=k,
                L_k=L >> k,
                filters=filters,
                gather=gather,
                n_blocks=n_blocks,
                modulus=modulus,
                post=post,
                lowpass=lowpass,
                rows=rows,
                rows_valid=valid,
                n_in=n_in,
                scale=energy * (-(-N1 // 2**k) / -(-n_in // 2**k) if post is Scope.GLOBAL else 1),
                energy=energy,
                pair=[items[i][0] for i in sel],
                n1_fr=[items[i][1] for i in sel],
                spin=[items[i][2] for i in sel],
                k_out=k_out,
                edge=edge,
            )
        )
    return groups


def _lowpass_edge(
    builder: PlanBuilder, phi: np.ndarray, k: int, k_out: int, L: int, n_in: int, valid: int
) -> EdgeNorm:
    """Plan the boundary normalisation of ``phi_F`` after the modulus (rows at ``2**k``)."""

    def apply(v: np.ndarray) -> np.ndarray:
        return lowpass_np(v, phi, k_out - k)

    return freq_edge(builder, apply, L >> k, -(-n_in // 2**k), valid, masked=True)


def _filter_np(v: np.ndarray, h: np.ndarray, k: int) -> np.ndarray:
    """Filter the rows ``v`` by ``h`` (Fourier, length ``L``), keeping every ``2**k``-th row.

    As :func:`scatterwave.core.jtfs._freq_group` does, up to a constant factor.
    """
    folded = np.sum(np.reshape(np.fft.fft(v) * h, (2**k, -1)), axis=0)
    return np.real(np.fft.ifft(folded))
