"""The joint time-frequency scattering computation, written once against the array API.

``jtfs(x, plan, buffers, xp)`` iterates the steps of a
:class:`~scatterwave.core.jtfs_plan.JTFSPlan` and computes, for every row:

* ``S0 = x * phi_T`` and ``S1 = U1 * phi_T`` with ``U1 = |x * psi1|`` (as Scattering1D;
  without time averaging ``S1 = U1``, every row at stride 1);
* the *phi_t* pairs: ``S1`` stacked over ``n1`` and filtered along frequency by ``phi_F``
  (``phi_t * phi_f``, real) or by the up wavelets (``|S1 *_fr psi_fr|``, ``phi_t * psi_f``);
* the *psi_t* pairs: ``Y2 = U1 * psi2`` (complex) stacked over ``n1``, padded along frequency,
  FFT along ``n1``, multiplied by all frequential filters of a group at once, folded for
  frequential subsampling, inverse FFT, modulus, then frequential low-pass (``average_fr``) and
  time low-pass ``phi_T``.

Every output is multiplied by ``sqrt(N / N_out)`` along time and ``sqrt(n_in / R_valid)`` along
frequency (stride and unpadding corrections), so ``sum(S**2)`` is comparable with ``sum(x**2)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scatterwave.core.buffers import LowPass, Scope, Slice
from scatterwave.core.capabilities import Capabilities, capabilities
from scatterwave.core.direct_lowpass import time_product
from scatterwave.core.jtfs_edges import EdgeNorm
from scatterwave.core.jtfs_pairs import paired_group, split_parts
from scatterwave.core.jtfs_plan import (
    FirstOrderRows,
    FreqGroup,
    JointFilter,
    JointGroup,
    JTFSPlan,
    SpinFreeFilter,
)
from scatterwave.core.jtfs_span import embed, kept_samples
from scatterwave.core.ops import (
    bandpass,
    complex_dtype,
    device_of,
    extend_bins,
    lowpass,
    matmul,
    modulus,
    modulus_parts,
    modulus_stacked,
    pad,
    range_scale,
    take,
    unscale,
)
from scatterwave.core.scattering1d import band, rfft_into, spectrum_width
from scatterwave.core.workspace import Workspace

Array = Any

#: The frequential matrix products of the joint stage run over blocks of time samples whose
#: product ``W @ Y`` holds about this many elements (4 MiB in complex128), at least
#: :data:`BLOCK_MIN_T` samples wide.
BLOCK_ELEMENTS = 2**18
BLOCK_MIN_T = 32
#: The same for spin-paired groups (NumPy, :mod:`scatterwave.core.jtfs_pairs`), whose products
#: are followed by four passes over them: 170 time samples for the largest group of a 16 kHz
#: note; 2-5 % faster there than 2**16 or 2**18 (2026-12-05, same-process medians).
PAIR_BLOCK_ELEMENTS = 2**17


def jtfs(
    x: Array,
    plan: JTFSPlan,
    buffers: dict[str, Array],
    xp: Any,
    *,
    pad_mode: Any = "reflect",
    pad_mode_fr: Any = "zero",
    normalize_energy: bool = True,
    padding: bool = True,
    ws: Workspace | None = None,
    caps: Capabilities | None = None,
) -> list[Array]:
    """All output rows of a batch of signals, in the plan's computation order.

    Parameters
    ----------
    x : real array, shape (B, N)
    plan : JTFSPlan
    buffers : dict of str to array
        ``plan.buffers`` converted to ``x``'s library, device and real dtype.
    xp : namespace
    pad_mode : {"reflect", "zero"} or callable
        Time padding.
    pad_mode_fr : {"zero", "reflect", "conj-reflect"} or callable
        Frequency padding; a callable is called as ``pad_mode_fr(y, L)`` and must pad the
        last axis of ``y`` (frequency rows carrying data) to ``L`` rows.
    normalize_energy : bool
        Apply the energy factors ``sqrt(N / N_out)`` (time) and ``sqrt(n_in / R_valid)``
        (frequency, ``FreqGroup.scale``); without them every output is a plain average.
    padding : bool
        Append the rows that are zero for every input (``plan.padding``); without
        them the rows follow ``plan.rows`` with those rows left out.
    ws : Workspace, optional
        NumPy only: the joint stage's frequential outputs and their time spectra are written
        into this workspace's arrays instead of fresh memory on every call.
    caps : Capabilities, optional
        The call's capabilities (resolved from ``x`` when None).

    Returns
    -------
    list of array
        Blocks of shape ``(B, rows, N_out)`` whose rows follow ``plan.rows``.
    """
    first = plan.first
    N, N_pad = first.N, first.N_pad
    run = _Run(
        x, plan, buffers, xp, capabilities(x) if caps is None else caps, ws, normalize_energy
    )
    run.direct = run.caps.direct_time and bool(plan.direct_time)
    run.direct &= plan.direct_energy == normalize_energy
    x_pad = pad(x, first.pad_left, N_pad - N - first.pad_left, pad_mode, xp)
    x_pad, scale = range_scale(x_pad, xp, caps=run.caps)  # undone on the outputs from x_pad
    X_full = xp.fft.rfft(x_pad, axis=-1)[:, None, :]
    out: list[Array] = []
    for step in plan.steps:
        if isinstance(step, FirstOrderRows):
            out.append(_zeroth(x, x_pad, X_full, plan, buffers, xp, normalize_energy))
            out.append(run.first_order(step, X_full))
        elif isinstance(step, SpinFreeFilter):
            out += run.spin_free(step, run.phi_t_input, pad_mode_fr)
        elif isinstance(step, JointFilter):
            out += run.joint(step, pad_mode_fr, padding)
    if plan.log2_stride is None:  # out[0], the mean of x, was not computed from the scaled x_pad
        return out[:1] + [unscale(o, scale) for o in out[1:]]
    return [unscale(o, scale) for o in out]


@dataclass
class _Run:
    """The state of one call of :func:`jtfs` while it iterates the plan's steps."""

    x: Array
    plan: JTFSPlan
    buffers: dict[str, Array]
    xp: Any
    caps: Capabilities
    ws: Workspace | None
    normalize_energy: bool
    spectra1: list[Array] = field(default_factory=list)  # envelope spectra, for the joint stage
    direct: bool = False  # time low-passes by plan.direct_time (caps.direct_time, time_out)
    phi_t_input: Array | None = None  # S1 = U1 * phi_T (also without time averaging)

    def time_out(
        self,
        coef: Array,
        k: int,
        spectrum: Array | None,
        avg: LowPass | None,
        start: int | None,
        edge: EdgeNorm | None = None,
        window: tuple[int, int] | None = None,
    ) -> Array:
        """Time low-pass (or global mean, or neither without averaging), unpad, normalise.

        ``edge``: the low-pass's normalisation at the padding boundary (its mask is applied
        to ``coef`` first, then ``spectrum`` is recomputed; its gain to the kept samples).
        ``window``: see :func:`~scatterwave.core.direct_lowpass.time_product` (matrices only).
        """
        plan, xp = self.plan, self.xp
        N = plan.first.N
        energy = self.normalize_energy  # the energy factor is still to apply
        if avg is not None and self.direct and plan.log2_stride is not None:
            at = plan.first.out_start(plan.log2_stride) if start is None else start
            args = (plan.direct_time, self.buffers, coef, avg, at, edge, window, xp, self.caps)
            out = time_product(*args)  # mask, low-pass, unpadding, gain, energy: one product
            if out is not None:
                return out
        if window is not None and coef.shape[-1] != window[1]:
            raise RuntimeError("a time window without its matrix (internal error)")
        if avg is not None and plan.log2_stride is not None:
            if edge is not None and edge.mask is not None:
                coef, spectrum = coef * edge.mask.take(self.buffers, xp), None
            if spectrum is None:
                ws = self.ws if start is not None else None  # the joint stage's array
                spectrum = rfft_into(coef, ws, "joint_spectrum", xp)
            k = plan.log2_stride
            # one product for the subsampling and the energy factor (a kernel less per group)
            scale = math.sqrt(N / -(-N // 2**k)) if energy else 1.0
            phi = avg.phi.take(self.buffers, xp)
            coef = lowpass(spectrum, phi, avg.n_bins, avg.k_avg, xp, scale=scale)
            energy = False
        start = plan.first.out_start(k) if start is None else start
        length = -(-N // 2**k)
        coef = coef[..., start : start + length]
        if plan.log2_stride is None:
            coef = xp.mean(coef, axis=-1, keepdims=True)
        elif edge is not None:
            coef = coef * edge.gain.take(self.buffers, xp)
        return coef * math.sqrt(N / coef.shape[-1]) if energy else coef

    def freq_out(self, Z: Array, g: FreqGroup) -> Array:
        """Undo the frequency axis's energy factor (applied inside the filtering) if asked."""
        return Z if self.normalize_energy else Z * (1.0 / g.energy)

    def first_order(self, step: FirstOrderRows, X_full: Array) -> Array:
        """``S1 = |x * psi1| * phi_T``, keeping each group's envelope spectrum."""
        first, xp = self.plan.first, self.xp
        # Wavelets see bins [0, N_pad / 2), as in Scattering1D (the Nyquist bin is dropped).
        X = extend_bins(X_full[..., : first.N_pad // 2], spectrum_width(first.groups1), xp)
        s1_parts, u1_parts = [], []
        edges = self.plan.edge_S1 or [None] * len(first.groups1)
        for g1, width, edge in zip(first.groups1, step.spectrum_widths, edges):
            U1 = band(X, g1, self.buffers, xp, caps=self.caps)
            U1_f = xp.fft.rfft(U1, axis=-1)
            s1_parts.append(self.time_out(U1, g1.k_out, U1_f, g1.avg, None, edge))
            if self.plan.unaveraged:  # S1 is U1 itself, unpadded (stride 1)
                u1_parts.append(self.time_out(U1, g1.k_out, None, None, None))
            self.spectra1.append(extend_bins(U1_f[..., : g1.M // 2], width, xp))
        self.phi_t_input = xp.concat(s1_parts, axis=1) if len(s1_parts) > 1 else s1_parts[0]
        if not self.plan.unaveraged:
            return self.phi_t_input
        return xp.concat(u1_parts, axis=1) if len(u1_parts) > 1 else u1_parts[0]

    def spin_free(self, step: SpinFreeFilter, S1: Array, pad_mode_fr: Any) -> list[Array]:
        """Filter ``S1`` along frequency (the *phi_t* pairs), one block per group."""
        plan, buffers, xp = self.plan, self.buffers, self.xp
        B = S1.shape[0]
        # frequency last: (B, t, 1, N1)
        Y = _pad_fr(xp.permute_dims(S1, (0, 2, 1))[:, :, None, :], plan, buffers, xp, pad_mode_fr)
        Yf = _fft_fr(Y, step.groups, xp)
        return [
            _flat(self.freq_out(_freq_group(Y, Yf, g, plan, buffers, xp, self.caps), g), B, xp)
            for g in step.groups
        ]

    def joint(self, step: JointFilter, pad_mode_fr: Any, padding: bool) -> list[Array]:
        """Compute the *psi_t* pairs of one joint group, one block per frequential group."""
        plan, buffers, xp, ws, caps = self.plan, self.buffers, self.xp, self.ws, self.caps
        jg = step.joint
        rows = _pair_rows(self.spectra1, jg, buffers, xp, ws if plan.dense_fr else None)
        if plan.dense_fr:
            Y = _rows_layout(rows, jg, buffers, xp, caps, ws)
            t = Y.shape[-1]
            # NumPy: only the samples the time low-pass reads (the others are left zero)
            lo, hi = (0, t) if ws is None else kept_samples(jg, plan, buffers, t)
            Y = Y[..., lo:hi]
            parts = None  # NumPy, spin-paired groups: Re Y2 and Im Y2 (jtfs_pairs)
            if caps.library == "numpy" and any(g.dense and g.dense.conj_pairs for g in jg.freq):
                parts = split_parts(Y, ws)
            # one group at a time: its output is low-passed in time before the next exists;
            # matrices take the kept samples as they are (no zeros around them)
            window = (lo, t) if self.direct else None
            groups = (
                _freq_group_dense(Y, g, plan, buffers, xp, caps, ws, parts, (lo, t))
                for g in jg.freq
            )
            groups = groups if self.direct else (embed(Z, lo, t, ws) for Z in groups)
        else:
            Y, window = _assemble(rows, jg, buffers, xp, pad_mode_fr), None
            Yf = _fft_fr(Y, jg.freq, xp)
            groups = (_freq_group(Y, Yf, g, plan, buffers, xp, caps) for g in jg.freq)
        out = []
        for g, Z in zip(jg.freq, groups):
            Z = self.time_out(Z, jg.k2, None, jg.avg, jg.trim.out_start, jg.edge, window)
            Z = self.freq_out(Z, g)
            if padding and g.rows_valid < g.rows:  # rows beyond this n2's first-order rows
                shape = (*Z.shape[:3], g.rows - g.rows_valid, Z.shape[-1])
                zeros = xp.zeros(shape, dtype=Z.dtype, device=device_of(Z))
                Z = xp.concat([Z, zeros], axis=3)
            out.append(_flat(Z, rows.shape[0], xp))
        return out


def _zeroth(
    x: Array,
    x_pad: Array,
    X_full: Array,
    plan: JTFSPlan,
    buffers: dict[str, Array],
    xp: Any,
    normalize_energy: bool,
) -> Array:
    """``S0 = x * phi_T``, or the mean of the unpadded input.

    ``x_pad`` is the padded (range-scaled) input whose spectrum is ``X_full``.
    """
    first = plan.first
    N = first.N
    if first.S0 is None or plan.log2_stride is None:  # S0 is the mean of the unpadded input
        s0 = xp.mean(x[:, None, :], axis=-1, keepdims=True)
        return s0 * math.sqrt(N) if normalize_energy else s0
    lp, edge = first.S0, plan.edge_S0
    if edge is not None and edge.mask is not None:  # the padding is not zero: mask it
        X_full = xp.fft.rfft(x_pad * edge.mask.take(buffers, xp), axis=-1)[:, None, :]
    s0 = lowpass(X_full, lp.phi.take(buffers, xp), lp.n_bins, lp.k_avg, xp)
    k0 = first.k_S0
    start, length = first.out_start(k0), -(-N // 2**k0)
    s0 = s0[..., start : start + length]
    if edge is not None:
        s0 = s0 * edge.gain.take(buffers, xp)
    return s0 * math.sqrt(N / s0.shape[-1]) if normalize_energy else s0


def _flat(z: Array, B: int, xp: Any) -> Array:
    """(B, P, n_filters, rows, t) -> (B, P * n_filters * rows, t)."""
    return xp.reshape(z, (B, -1, z.shape[-1]))


def pad_mode_fr_call(y: Array, L: int, pad_mode_fr: Callable) -> Array:
    """Call a user's ``pad_mode_fr(y, L)`` and check the shape it returns."""
    out = pad_mode_fr(y, L)
    expected = (*y.shape[:-1], L)
    if tuple(out.shape) != expected:
        raise ValueError(
            f"the pad_mode_fr callable returned shape {tuple(out.shape)}; expected "
            f"{expected} (it is called as pad_mode_fr(y, L) and must pad the last axis of y, "
            f"shape {tuple(y.shape)}, to L rows)"
        )
    return out


def _pad_fr(y: Array, plan: JTFSPlan, buffers: dict, xp: Any, pad_mode_fr: Any) -> Array:
    """Pad the last (frequency) axis of ``y`` (B, t, P, N1) to ``plan.L`` rows."""
    if callable(pad_mode_fr):
        return pad_mode_fr_call(y, plan.L, pad_mode_fr)
    if plan.fr_pad is None:
        raise ValueError("the plan was built for a callable pad_mode_fr")
    zero = xp.zeros((*y.shape[:-1], 1), dtype=y.dtype, device=device_of(y))
    return take(xp.concat([y, zero], axis=-1), plan.fr_pad.take(buffers, xp), 3, xp)


def _conj_rows(
    y: Array, conj: Slice | None, buffers: dict, xp: Any, shape: tuple[int, int] | None = None
) -> Array:
    """Conjugate the positions flagged by ``conj`` in the ``mask`` buffer.

    The flags cover the last axis, or the last two when ``shape`` is given (the frequency
    axes of a joint group, (P, L)).
    """
    if conj is None:
        return y
    flags = conj.take(buffers, xp)
    if shape is not None:
        flags = xp.reshape(flags, shape)
    return xp.where(flags > 0.5, xp.conj(y), y)


def _pair_rows(
    spectra1: list[Array], jg: JointGroup, buffers: dict, xp: Any, ws: Workspace | None = None
) -> Array:
    """``Y2 = U1 * psi2`` of every valid pair of ``jg`` plus one zero row, (B, pairs + 1, t).

    With a workspace (NumPy), the rows are written into its ``"pair_rows"`` array.
    """
    if ws is not None and jg.conj_t is None:
        return _pair_rows_numpy(spectra1, jg, buffers, ws)
    parts = []
    for bp in jg.bands:
        filters = bp.filters.take(buffers, xp)
        if bp.filter_index is not None:
            filters = take(filters, bp.filter_index.take(buffers, xp), 0, xp)
        z = bandpass(
            spectra1[bp.parent],
            bp.gather.take(buffers, xp),
            filters,
            len(bp.rows),
            bp.n_blocks,
            bp.blocks_per_row,
            bp.block,
            xp,
            n_out=bp.M,
        )
        parts.append(z)  # the windows already carry the 1 / 2**(k_out - k_in) factor
    B = parts[0].shape[0]
    ref = parts[0]
    parts.append(xp.zeros((B, 1, jg.M), dtype=ref.dtype, device=device_of(ref)))
    rows = _conj_rows(xp.concat(parts, axis=1), jg.conj_t, buffers, xp)
    return rows[..., jg.trim.start : jg.trim.stop]  # only the samples the outputs depend on


def _pair_rows_numpy(
    spectra1: list[Array], jg: JointGroup, buffers: dict, ws: Workspace
) -> np.ndarray:
    """:func:`_pair_rows` for NumPy, the products and FFTs written into the workspace."""
    ref = spectra1[jg.bands[0].parent]
    B, cplx = ref.shape[0], ref.dtype
    n_pairs = sum(len(bp.rows) for bp in jg.bands)
    rows = ws.get("pair_rows", (B, n_pairs + 1, jg.M), cplx)
    rows[:, n_pairs, :] = 0
    at = 0
    for bp in jg.bands:
        filters = bp.filters.take(buffers, np)
        if bp.filter_index is not None:
            filters = np.take(filters, bp.filter_index.take(buffers, np), axis=0)
        n, nb, block = len(bp.rows), bp.n_blocks, bp.block
        spectrum = spectra1[bp.parent]
        blocks = spectrum[..., : bp.width].reshape(B, -1, block)
        picked = ws.get("pair_product", (B, n * nb, block), cplx)
        np.take(blocks, bp.gather.take(buffers, np), axis=1, out=picked)
        picked = picked.reshape(B, n, nb, block)
        picked *= filters.reshape(1, n, nb, block)
        folded = np.sum(picked, axis=2) if nb > 1 else picked.reshape(B, n, block)
        np.fft.ifft(folded, n=jg.M, axis=-1, out=rows[:, at : at + n, :])
        at += n
    return rows[..., jg.trim.start : jg.trim.stop]


def _rows_layout(
    rows: Array,
    jg: JointGroup,
    buffers: dict,
    xp: Any,
    caps: Capabilities,
    ws: Workspace | None = None,
) -> Array:
    """``Y2`` along each second-order wavelet's unpadded frequency axis, shape (B, P, n_rows, t).

    In real form ``[Re Y2; Im Y2]`` (B, P, 2 * n_rows, t) except for NumPy, see
    :func:`_freq_group_dense`.
    """
    P, an = len(jg.n2), jg.assemble.size
    B, t = rows.shape[0], rows.shape[-1]
    if ws is not None:
        index = jg.assemble.take(buffers, np)
        if index[0] == 0 and np.array_equal(np.diff(index), np.ones(an - 1, index.dtype)):
            return rows[:, :an].reshape(B, P, an // P, t)  # the rows in order: a view
        Y = ws.get("joint_rows", (B, an, t), rows.dtype)
        np.take(rows, index, axis=1, out=Y)
        return Y.reshape(B, P, an // P, t)
    Y = xp.reshape(take(rows, jg.assemble.take(buffers, xp), 1, xp), (B, P, an // P, t))
    return Y if caps.library == "numpy" else xp.concat([xp.real(Y), xp.imag(Y)], axis=2)


def _assemble(rows: Array, jg: JointGroup, buffers: dict, xp: Any, pad_mode_fr) -> Array:
    """Lay out the padded frequency axes, frequency last, shape (B, t, P, L)."""
    B, t = rows.shape[0], rows.shape[-1]
    P, an = len(jg.n2), jg.assemble.size
    Y = take(xp.permute_dims(rows, (0, 2, 1)), jg.assemble.take(buffers, xp), 2, xp)
    Y = xp.reshape(Y, (B, t, P, an // P))
    if callable(pad_mode_fr):
        return pad_mode_fr_call(Y, jg.L, pad_mode_fr)
    return _conj_rows(Y, jg.fr_conj, buffers, xp, (P, an // P))


def _freq_group_dense(
    Y: Array,
    g: FreqGroup,
    plan: JTFSPlan,
    buffers: dict,
    xp: Any,
    caps: Capabilities,
    ws: Workspace | None = None,
    parts: tuple[Array, Array] | None = None,
    window: tuple[int, int] | None = None,
) -> Array:
    """Frequential filtering of the unpadded frequency axes by matrices.

    ``Y`` is complex, shape (B, P, n_rows, t), for NumPy, whose complex ``abs`` is vectorised
    (its ``fr_op`` buffer then holds complex matrices, see
    :func:`scatterwave.core.jtfs_dense.complex_operators`), and ``[Re Y2; Im Y2]``, shape
    (B, P, 2 * n_rows, t), for the other libraries: a real product gives the real and
    imaginary parts as contiguous blocks, whose ``hypot`` is several times faster than a
    complex modulus in PyTorch. With ``parts`` (``Re Y``, ``Im Y``), NumPy groups with conjugate
    spins go to :func:`scatterwave.core.jtfs_pairs.paired_group` (and ``window``). Returns
    (B, P, n_filters, rows_valid, t); with ``ws`` (NumPy), its ``"joint_out"`` array.
    """
    B, P, n_in, t = Y.shape
    complex_form = xp.isdtype(Y.dtype, "complex floating")
    if g.is_mean:
        if complex_form:
            Z = _detect(xp.sum(Y[:, :, : g.n_in, :], axis=2), g.modulus, xp, caps)
        else:
            sums = [xp.sum(Y[:, :, a : a + g.n_in, :], axis=2) for a in (0, n_in // 2)]
            Z = modulus_parts(sums[0], sums[1], xp, caps=caps) if g.modulus else sums[0]
        return xp.reshape(Z * (g.scale / plan.N1), (B, P, 1, 1, t))
    dense = g.dense
    if dense is None:
        raise ValueError("the group has no dense operator")
    nf, R = g.n_filters, dense.R
    # NumPy: ``fr_op`` holds the complex matrices (a quarter of the real form's size)
    W = (dense.op_complex if complex_form else dense.op).take(buffers, xp)
    Phi = dense.lowpass.take(buffers, xp) if g.post is Scope.LOCAL and dense.lowpass else None
    # NumPy, conjugate pairs (jtfs_pairs): pair layout in ``fr_op``, cache-sized time blocks
    if parts and dense.conj_pairs and g.modulus and xp.isdtype(W.dtype, "complex floating"):
        step = max(BLOCK_MIN_T, min(BLOCK_ELEMENTS, PAIR_BLOCK_ELEMENTS) // (B * P * nf * R))
        return paired_group(parts, W, g, Phi, ws, step, window=window)

    def block(Yb: Array) -> Array:
        tb = Yb.shape[-1]
        if complex_form:
            Z = xp.reshape(matmul(W, Yb, xp, caps=caps), (B, P, nf, R, tb))
            Z = _detect(Z, g.modulus, xp, caps)
        else:
            Z = xp.reshape(matmul(W, Yb, xp, caps=caps), (B, P, 2, nf, R, tb))
            Z = modulus_stacked(Z, 2, xp, caps=caps) if g.modulus else Z[:, :, 0]
        if Phi is not None:
            Z = matmul(Phi, Z, xp, caps=caps)
        elif g.post is Scope.GLOBAL:
            Z = xp.sum(Z, axis=3, keepdims=True)
        return Z

    # W @ Y has nf * R rows per time sample, often 10-50 times the rows kept after the
    # frequential low-pass: for the whole time axis at once, the largest temporary (340 MB
    # for a 1.5 s note at 16 kHz), mapped and unmapped on every call; blocks of time samples
    # keep it cache-sized. Accelerators take the whole axis (launches are what cost); traced
    # batches may have no static size.
    if caps.traced or not caps.on_cpu:
        return block(Y)
    step = max(BLOCK_MIN_T, BLOCK_ELEMENTS // max(1, B * P * nf * R))
    if t <= step:
        return block(Y)
    # Slices end at t: the array API leaves a stop beyond the axis unspecified (array-api-strict
    # refuses it).
    if ws is None:
        return xp.concat([block(Y[..., a : min(a + step, t)]) for a in range(0, t, step)], axis=-1)
    first = block(Y[..., :step])
    out = ws.get("joint_out", (*first.shape[:-1], t), first.dtype)
    out[..., :step] = first
    for a in range(step, t, step):
        b = min(a + step, t)
        out[..., a:b] = block(Y[..., a:b])
    return out


def _fft_fr(Y: Array, groups: list[FreqGroup], xp: Any) -> Array | None:
    """FFT of ``Y`` along frequency (complex), computed once for all groups that need it."""
    if all(g.is_mean for g in groups):
        return None
    if not xp.isdtype(Y.dtype, "complex floating"):
        Y = xp.astype(Y, complex_dtype(xp, Y.dtype))
    return xp.fft.fft(Y, axis=-1)


def _freq_group(
    Y: Array,
    Yf: Array | None,
    g: FreqGroup,
    plan: JTFSPlan,
    buffers: dict,
    xp: Any,
    caps: Capabilities | None = None,
) -> Array:
    """Frequential filtering of ``Y`` (B, t, P, L) (spectrum ``Yf``) by group ``g``.

    Returns shape (B, P, n_filters, rows, t).
    """
    B, t, P, _ = Y.shape
    N1 = plan.N1
    if g.filters is None or g.gather is None:  # a plain mean over the data rows
        Z = xp.sum(Y[..., : g.n_in], axis=-1, keepdims=True)[..., None] * (1.0 / N1)
        Z = _detect(Z, g.modulus, xp, caps) * g.scale
        return xp.permute_dims(Z, (0, 2, 3, 4, 1))
    n_total = 2**g.k
    nf, nb = g.n_filters, g.n_blocks
    if g.post is Scope.NONE and g.edge is not None and g.edge.mask is not None:
        # phi_F reads the data rows (a real 0/1 mask, cast: Y is complex in the joint stage,
        # and TensorFlow does not multiply complex by real)
        mask = xp.astype(g.edge.mask.take(buffers, xp), Y.dtype)
        Yf = _fft_fr(Y * mask, [g], xp)
    if n_total == 1:
        picked = xp.reshape(Yf, (B, t, P, 1, 1, g.L_k))
    else:
        blocks = xp.reshape(Yf, (B, t, P, n_total, g.L_k))
        picked = take(blocks, g.gather.take(buffers, xp), 3, xp)
        picked = xp.reshape(picked, (B, t, P, nf, nb, g.L_k))
    w = xp.reshape(g.filters.take(buffers, xp), (nf, nb, g.L_k))
    product = picked * w
    folded = xp.sum(product, axis=4) if nb > 1 else product[:, :, :, :, 0, :]
    Z = xp.fft.ifft(folded, axis=-1)  # 1 / 2**k of the folding is applied with g.scale
    if g.post is Scope.NONE:
        Z = Z[..., : g.rows_valid]  # unpad before the modulus and the time stage
    Z = _detect(Z, g.modulus, xp, caps)
    if g.lowpass is not None:
        lp = g.lowpass
        if g.edge is not None and g.edge.mask is not None:
            Z = Z * g.edge.mask.take(buffers, xp)
        Z = lowpass(xp.fft.rfft(Z, axis=-1), lp.phi.take(buffers, xp), lp.n_bins, lp.k_avg, xp)
    elif g.post is Scope.GLOBAL:
        Z = xp.sum(Z[..., : -(-g.n_in // n_total)], axis=-1, keepdims=True)
        Z = Z * (1.0 / -(-N1 // n_total))
    Z = Z[..., : g.rows_valid] * (g.scale / n_total)
    if g.edge is not None:
        Z = Z * g.edge.gain.take(buffers, xp)
    return xp.permute_dims(Z, (0, 2, 3, 4, 1))


def _detect(z: Array, take_modulus: bool, xp: Any, caps: Capabilities | None = None) -> Array:
    """Modulus (or real part) of ``z``; real ``z`` is passed through ``abs`` (or unchanged)."""
    if not xp.isdtype(z.dtype, "complex floating"):
        return xp.abs(z) if take_modulus else z
    return modulus(z, xp, overwrite=True, caps=caps) if take_modulus else xp.real(z)
