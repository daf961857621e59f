"""The joint stage of a JTFS plan: ``Y2 = U1 * psi2`` grouped by rate, assembled along frequency.

For each :class:`~scatterwave.core.jtfs_plan.JointGroup` (kept second-order wavelets of one
time subsampling exponent ``k2``, split by memory: :func:`split_joint_axis`), one complex
band-pass per first-order group computes ``Y2`` of every valid ``(n1, n2)`` pair directly
at rate ``2**k2``; an index array assembles the rows along each wavelet's frequency axis
(padded by ``pad_mode_fr``, or unpadded for the dense form); only the time samples the
outputs depend on are kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from scatterwave.core.bands import BandGroup, BandRequest, band_group
from scatterwave.core.buffers import LowPass, PlanBuilder
from scatterwave.core.jtfs_edges import time_edge
from scatterwave.core.jtfs_plan import FreqGroup, JointGroup, TimeWindow, row_source
from scatterwave.core.plan import ScatteringPlan, second_order_pairs
from scatterwave.filters.bank import TimeFilterbank
from scatterwave.filters.design import SIGMA0
from scatterwave.filters.morlet import fold, gauss_f
from scatterwave.filters.support import gaussian_half_support


@dataclass(frozen=True)
class JointOptions:
    """The options of the joint stage's time axis.

    Attributes
    ----------
    log2_stride : int or None
        Output time stride exponent (None: global time mean).
    oversampling : int
    pad_mode_fr : {"zero", "reflect", "conj-reflect", "conj-reflect-zero"} or None
        Frequency padding folded into the ``assemble`` indices; None: the unpadded rows (the
        dense form, or a callable applied at run time).
    time_conj : bool
        Conjugate ``Y2`` on the reflected time samples.
    criterion_amplitude : float
    edges : bool
        Normalise the time low-pass at the padding boundary
        (:mod:`scatterwave.core.jtfs_edges`).
    n_axis : int
        Rows of the complete first-order axis (``"conj-reflect-zero"`` extends each
        ``n2``'s rows with zeros to it).
    """

    log2_stride: int | None
    oversampling: int
    pad_mode_fr: str | None
    time_conj: bool
    criterion_amplitude: float
    edges: bool = True
    n_axis: int = 0


#: Largest estimated working memory of one joint group per signal, bytes (see
#: :func:`split_joint_axis`).
JOINT_MAX_BYTES = 256 * 2**20


def joint_rates(fb: TimeFilterbank, opts: JointOptions) -> np.ndarray:
    """Time subsampling exponent ``k2`` of each second-order wavelet's ``Y2``."""
    k2_all = np.maximum(fb.psi2.j - opts.oversampling, 0)
    if opts.log2_stride is not None:
        k2_all = np.minimum(k2_all, opts.log2_stride)
    return k2_all


def joint_axes(
    fb: TimeFilterbank, pairs: np.ndarray, n2_kept: np.ndarray, opts: JointOptions
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """``(k2, n2s, valid_rows)`` of each joint group: the kept ``n2`` grouped by rate."""
    k2_all = joint_rates(fb, opts)
    out = []
    for k2 in sorted({int(k2_all[n]) for n in n2_kept}):
        n2s = np.array([n for n in n2_kept if k2_all[n] == k2], dtype=int)
        valid = np.array([int(np.max(np.flatnonzero(pairs[:, n]), initial=-1)) + 1 for n in n2s])
        out.append((k2, n2s, valid))
    return out


def split_joint_axis(
    fb: TimeFilterbank,
    first: ScatteringPlan,
    pairs: np.ndarray,
    axis: tuple[int, np.ndarray, np.ndarray],
    freq: tuple[int, list[FreqGroup]],
    opts: JointOptions,
    dense: bool,
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Split the second-order wavelets of one rate into groups of at most JOINT_MAX_BYTES.

    One joint group holds every ``Y2`` row of its wavelets and every frequential output at
    once: without time averaging (every row at stride 1) that is gigabytes per signal for
    moderate ``N``. Consecutive wavelets are grouped while
    :func:`~scatterwave.core.jtfs_memory.joint_group_bytes` estimates at most
    :data:`JOINT_MAX_BYTES` per signal (one wavelet at least); the groups share the
    frequency axis (``L``, filters) of the whole rate, so the outputs are unchanged.
    """
    from scatterwave.core.jtfs_memory import joint_group_bytes  # imports jtfs (this module's user)

    k2, n2s, valid = axis
    L, groups = freq
    n_rows, M = int(valid.max()), fb.N_pad >> k2
    t = _time_window(fb, first, k2, opts.log2_stride, opts.criterion_amplitude).width

    def cost(a: int, b: int) -> int:
        n_pairs = int(pairs[:, n2s[a:b]].sum())
        return joint_group_bytes(b - a, n_pairs, M, n_rows, t, L, groups, dense)

    out, a = [], 0
    while a < len(n2s):
        b = a + 1
        while b < len(n2s) and cost(a, b + 1) <= JOINT_MAX_BYTES:
            b += 1
        out.append((k2, n2s[a:b], valid[a:b]))
        a = b
    return out


def _joint_bands(
    builder: PlanBuilder,
    fb: TimeFilterbank,
    first: ScatteringPlan,
    pairs: np.ndarray,
    n2s: np.ndarray,
    k2: int,
) -> tuple[list[BandGroup], dict[tuple[int, int], int], int]:
    """One complex band-pass per first-order group; the row of each ``(n1, n2)`` pair."""
    bands, where = [], {}
    count = 0
    for gi, g in enumerate(first.groups1):
        n1s = first.paths["n"][g.rows, 0]
        loc, p = np.nonzero(pairs[n1s][:, n2s])
        if len(loc) == 0:
            continue
        n2_idx = n2s[p]
        # exact values of the subsampled (or interpolated) band-pass, shared between groups;
        # the envelope's Nyquist bin is dropped, as in Scattering1D
        request = BandRequest(
            buffer="psi2_f",
            filters=fb.psi2.filters,
            index=n2_idx,
            source_rows=loc,
            k_in=g.k_out,
            k_out=k2,
            n_bins=g.M // 2,
            parent=gi,
            rows=np.arange(len(loc)),
        )
        bands.append(band_group(builder, request, fb.N_pad, None, broadcast_pairs=False))
        for i, (a, b) in enumerate(zip(n1s[loc], n2_idx)):
            where[(int(a), int(b))] = count + i
        count += len(loc)
    return bands, where, count


def _assemble(
    n2s: np.ndarray,
    n_rows: int,
    L: int,
    where: dict[tuple[int, int], int],
    zero_row: int,
    mode: str | None,
    valid: np.ndarray,
    n_axis: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Row of each ``(n2, frequency position)`` in the band outputs (``zero_row``: padding).

    Returns the indices and which positions are reflections to conjugate, both of shape
    (P, L) (``n_rows`` positions when ``mode`` is None). Every ``n2`` has the same layout
    except with ``"conj-reflect-zero"``, which extends the ``valid`` rows each ``n2`` sees
    with zeros to the ``n_axis`` rows of the complete first-order axis.
    """
    if mode is None:
        layouts = [(np.arange(n_rows), np.zeros(n_rows, dtype=bool))] * len(n2s)
    elif mode == "conj-reflect-zero":
        if n_axis < n_rows:
            raise ValueError(
                f"conj-reflect-zero needs the complete axis (at least {n_rows} rows), got {n_axis}"
            )
        layouts = [row_source(int(n), L, mode, n_axis) for n in valid]
    else:
        layouts = [row_source(n_rows, L, mode)] * len(n2s)
    sources = np.stack([src for src, _ in layouts])
    assemble = np.full(sources.shape, zero_row, dtype=int)
    for pi, n2 in enumerate(n2s):
        for pos in np.flatnonzero(sources[pi] >= 0):
            assemble[pi, pos] = where.get((int(sources[pi, pos]), int(n2)), zero_row)
    return assemble, np.stack([flags for _, flags in layouts])


def _joint_time_lowpass(
    builder: PlanBuilder, fb: TimeFilterbank, k2: int, trim: TimeWindow, log2_stride: int | None
) -> LowPass | None:
    """Plan the time low-pass ``phi_T`` of a joint group's window (None: global mean)."""
    if log2_stride is None or fb.T is None:
        return None
    width = trim.width
    k_avg = log2_stride - k2
    if (width >> k_avg) % 2 or width % (1 << k_avg):
        raise RuntimeError(f"joint time window of {width} samples is not an even number of strides")
    n_bins = (width >> k_avg) // 2 + 1
    phi = fold(gauss_f(width << k2, SIGMA0 / fb.T), k2)[:n_bins]
    return LowPass(builder.add("phi_f", phi, key=("t", width, k2, n_bins)), k_avg)


def joint_group(
    builder: PlanBuilder,
    fb: TimeFilterbank,
    first: ScatteringPlan,
    pairs: np.ndarray,
    axis: tuple[int, np.ndarray, np.ndarray],
    freq: tuple[int, list[FreqGroup]],
    opts: JointOptions,
    n_rows: int,
) -> JointGroup:
    """Compile one :class:`JointGroup` from its ``(k2, n2s, valid_rows)`` and frequency axis.

    The axis has ``L`` rows, of which ``n_rows`` before padding.
    """
    k2, n2s, valid = axis
    L, groups = freq
    M = fb.N_pad >> k2
    bands, where, count = _joint_bands(builder, fb, first, pairs, n2s, k2)
    assemble, reflected = _assemble(
        n2s, n_rows, L, where, count, opts.pad_mode_fr, valid, opts.n_axis
    )
    conj_t = None
    if opts.time_conj:
        lo = -(-first.pad_left // 2**k2)
        hi = (first.pad_left + fb.N) // 2**k2
        mask = np.ones(M)
        mask[lo:hi] = 0.0
        conj_t = builder.add("mask", mask, key=("t", k2))
    fr_conj = None
    if opts.pad_mode_fr in ("conj-reflect", "conj-reflect-zero"):
        fr_conj = builder.add("mask", reflected.astype(float).ravel())
    trim = _time_window(fb, first, k2, opts.log2_stride, opts.criterion_amplitude)
    avg = _joint_time_lowpass(builder, fb, k2, trim, opts.log2_stride)
    edge = None
    if avg is not None and opts.log2_stride is not None and opts.edges:
        u0 = (first.pad_left >> k2) - trim.start
        data = (u0, min(u0 + -(-fb.N // 2**k2), trim.width))
        edge = time_edge(
            builder, avg, trim.width, data, (trim.out_start, -(-fb.N // 2**opts.log2_stride))
        )
    return JointGroup(
        n2=n2s,
        k2=k2,
        M=M,
        bands=bands,
        assemble=builder.add("index", assemble.ravel()),
        conj_t=conj_t,
        avg=avg,
        valid_rows=valid,
        trim=trim,
        L=L,
        freq=groups,
        n_rows=n_rows,
        fr_conj=fr_conj,
        edge=edge,
    )


def _time_window(
    fb: TimeFilterbank,
    first: ScatteringPlan,
    k2: int,
    log2_stride: int | None,
    criterion_amplitude: float,
) -> TimeWindow:
    """Time samples of ``Y2`` (rate ``2**k2``) that the kept outputs depend on.

    The unpadded signal occupies ``[u0, u0 + n_u)``; local averaging by ``phi_T`` reads
    ``h`` more samples on each side (its half-support to ``criterion_amplitude``), a global
    mean none. The window is aligned on the output stride so that the averaged samples fall on
    the same grid as without trimming, and its circular convolution never wraps into kept
    samples. It spans an even number of output strides: the low-pass
    (:func:`scatterwave.core.ops.lowpass`) returns an even number of samples, so an odd count
    would place them on a grid of the wrong spacing (until 2026-12-06 it did: joint outputs
    off by 5 to 17 %).
    """
    M = fb.N_pad >> k2
    u0, n_u = first.pad_left >> k2, -(-fb.N // 2**k2)
    if log2_stride is None or fb.T is None:
        return TimeWindow(u0, u0 + n_u, 0)
    step = 2 ** (log2_stride - k2)
    h = math.ceil(gaussian_half_support(SIGMA0 / fb.T, criterion_amplitude) / 2**k2)
    a = max(u0 - h, 0) // step * step
    b = min(-(-(u0 + n_u + h) // step) * step, M)
    if (b - a) // step % 2:  # M // step is even, so one more stride fits on one side
        if b + step <= M:
            b += step
        else:
            a -= step
    return TimeWindow(a, b, (u0 - a) // step)


def joint_pairs(fb: TimeFilterbank, n2_exclude: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Find the valid ``(n1, n2)`` pairs, shape (n1, n2), and the second-order wavelets kept.

    A second-order wavelet is kept when it sees at least one first-order envelope and its
    subsampling exponent is at least 1: a ``psi2`` with ``j2 = 0`` would need ``Y2`` at the
    full rate for modulations faster than a quarter of the sampling rate, which first-order
    envelopes almost never carry (both reference implementations skip them too).
    """
    pairs = second_order_pairs(fb, None)
    keep = pairs.any(axis=0) & (fb.psi2.j >= 1)
    keep[list(n2_exclude)] = False
    return pairs, np.flatnonzero(keep)
