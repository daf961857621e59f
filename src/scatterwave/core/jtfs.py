"""The joint time-frequency scattering computation, written once against the array API.

``jtfs(x, plan, buffers, xp)`` computes, for every row of a
:class:`~scatterwave.core.jtfs_plan.JTFSPlan`:

* ``S0 = x * phi_T`` and ``S1 = U1 * phi_T`` with ``U1 = |x * psi1|`` (as Scattering1D);
* the *phi_t* pairs: ``S1`` stacked over ``n1`` and filtered along frequency by ``phi_F``
  (``phi_t * phi_f``, real) or by the up wavelets (``|S1 *_fr psi_fr|``, ``phi_t * psi_f``);
* the *psi_t* pairs: ``Y2 = U1 * psi2`` (complex) stacked over ``n1``, padded along frequency,
  FFT along ``n1``, multiplied by all frequential filters of a group at once, folded for
  frequential subsampling, inverse FFT, modulus, then frequential low-pass (``average_fr``) and
  time low-pass ``phi_T``.

Every output is multiplied by ``sqrt(N / N_out)`` along time and ``sqrt(N1 / R_out)`` along
frequency (stride and unpadding corrections), so ``sum(S**2)`` is comparable with ``sum(x**2)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from scatterwave._device import device_kind
from scatterwave.core.jtfs_plan import FreqGroup, JointGroup, JTFSPlan
from scatterwave.core.ops import (
    _device,
    bandpass,
    complex_dtype,
    extend_bins,
    is_numpy,
    is_traced,
    lowpass,
    matmul,
    modulus,
    modulus_parts,
    pad,
    range_scale,
    unscale,
)
from scatterwave.core.scattering1d import _band, _rfft, _width
from scatterwave.core.workspace import Workspace

Array = Any

#: The frequential matrix products of the joint stage run over blocks of time samples whose
#: product ``W @ Y`` holds about this many elements (4 MiB in complex128), at least
#: :data:`BLOCK_MIN_T` samples wide.
BLOCK_ELEMENTS = 2**18
BLOCK_MIN_T = 32


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
        Apply the energy factors ``sqrt(N / N_out)`` (time) and ``sqrt(N1 / R_out)``
        (frequency, ``FreqGroup.scale``); without them every output is a plain average.
    padding : bool
        Append the rows that are zero for every input (see :func:`padding_rows`); without
        them the rows follow ``plan.rows`` with those rows left out.
    ws : Workspace, optional
        NumPy only: the joint stage's frequential outputs and their time spectra are written
        into this workspace's arrays instead of fresh memory on every call.

    Returns
    -------
    list of array
        Blocks of shape ``(B, rows, N_out)`` whose rows follow ``plan.rows``.
    """
    first = plan.first
    N, N_pad = first.N, first.N_pad
    B = x.shape[0]
    x_pad = pad(x, first.pad_left, N_pad - N - first.pad_left, pad_mode, xp)
    x_pad, scale = range_scale(x_pad, xp)  # undone on every output computed from x_pad
    X_full = xp.fft.rfft(x_pad, axis=-1)[:, None, :]
    # Wavelets see bins [0, N_pad / 2), as in Scattering1D (the Nyquist bin is dropped).
    X = extend_bins(X_full[..., : N_pad // 2], _width(first.groups1), xp)
    phi, index = buffers["phi_f"], buffers["index"]
    glob = plan.log2_stride is None

    def time_out(coef: Array, k: int, spectrum: Array | None, avg, start=None) -> Array:
        """Time low-pass (or global mean), unpad and energy-normalise the last axis."""
        if not glob:
            off, n_bins, k_avg = avg
            if spectrum is None:
                spectrum = _rfft(coef, ws, "joint_spectrum", xp)
            coef = lowpass(spectrum, phi[off : off + n_bins], n_bins, k_avg, xp)
            k = plan.log2_stride
        start = first.out_start(k) if start is None else start
        length = -(-N // 2**k)
        coef = coef[..., start : start + length]
        if glob:
            coef = xp.mean(coef, axis=-1, keepdims=True)
        return coef * math.sqrt(N / coef.shape[-1]) if normalize_energy else coef

    def freq_out(Z: Array, g: FreqGroup) -> Array:
        """Undo the frequency axis's energy factor (applied inside the filtering) if asked."""
        return Z if normalize_energy else Z * (1.0 / g.scale)

    out: list[Array] = []
    if glob:  # S0 is the mean of the unpadded input
        s0 = xp.mean(x[:, None, :], axis=-1, keepdims=True)
        out.append(s0 * math.sqrt(N) if normalize_energy else s0)
    else:
        off, n_bins, k_avg = first.S0
        s0 = lowpass(X_full, phi[off : off + n_bins], n_bins, k_avg, xp)
        k0 = first.k_S0
        start, length = first.out_start(k0), -(-N // 2**k0)
        s0 = s0[..., start : start + length]
        out.append(s0 * math.sqrt(N / s0.shape[-1]) if normalize_energy else s0)

    spectra1: list[Array] = []
    s1_parts = []
    for gi, g in enumerate(first.groups1):
        U1 = _band(X, g, buffers["psi1_f"], index, xp)
        U1_f = xp.fft.rfft(U1, axis=-1)
        s1_parts.append(time_out(U1, g.k_out, U1_f, g.avg))
        children = [b for jg in plan.joint for b in jg.bands if b.parent == gi]
        spectra1.append(extend_bins(U1_f[..., : g.M // 2], _width(children), xp))
    S1 = xp.concat(s1_parts, axis=1) if len(s1_parts) > 1 else s1_parts[0]
    out.append(S1)

    if plan.first_freq:
        # frequency last: (B, t, 1, N1)
        Y = _pad_fr(xp.permute_dims(S1, (0, 2, 1))[:, :, None, :], plan, buffers, xp, pad_mode_fr)
        Yf = _fft_fr(Y, plan.first_freq, xp)
        for g in plan.first_freq:
            out.append(_flat(freq_out(_freq_group(Y, Yf, g, plan, buffers, xp), g), B, xp))

    for jg in plan.joint:
        rows = _pair_rows(spectra1, jg, buffers, xp, ws if plan.dense_fr else None)
        if plan.dense_fr:
            Y = _rows_layout(rows, jg, buffers, xp, ws)
            # one group at a time: its output is low-passed in time before the next exists
            groups = (_freq_group_dense(Y, g, plan, buffers, xp, ws) for g in jg.freq)
        else:
            Y = _assemble(rows, jg, buffers, xp, pad_mode_fr)
            Yf = _fft_fr(Y, jg.freq, xp)
            groups = (_freq_group(Y, Yf, g, plan, buffers, xp) for g in jg.freq)
        for g, Z in zip(jg.freq, groups):
            Z = freq_out(time_out(Z, jg.k2, None, jg.avg, start=jg.trim[2]), g)
            if padding and g.rows_valid < g.rows:  # rows beyond this n2's first-order rows
                shape = (*Z.shape[:3], g.rows - g.rows_valid, Z.shape[-1])
                Z = xp.concat([Z, xp.zeros(shape, dtype=Z.dtype, device=_device(Z))], axis=3)
            out.append(_flat(Z, B, xp))
    if glob:  # out[0], the mean of x, was not computed from the scaled x_pad
        return out[:1] + [unscale(o, scale) for o in out[1:]]
    return [unscale(o, scale) for o in out]


def padding_rows(plan: JTFSPlan) -> np.ndarray:
    """Which rows :func:`jtfs` returns (concatenated in order) are zero for every input.

    They are the rows beyond a second-order wavelet's first-order rows in its joint slices
    (``FreqGroup.rows_valid <= row < FreqGroup.rows``), appended as zeros for alignment.

    Returns
    -------
    ndarray of bool, shape (n_rows,)
        Aligned with ``plan.rows`` (computation order).
    """
    n_first = 1 + sum(len(g.rows) for g in plan.first.groups1)
    parts = [np.zeros(n_first, dtype=bool)]
    for g in plan.first_freq:
        parts.append(np.tile(np.arange(g.rows) >= g.rows_valid, g.n_filters))
    for jg in plan.joint:
        for g in jg.freq:
            parts.append(np.tile(np.arange(g.rows) >= g.rows_valid, len(jg.n2) * g.n_filters))
    mask = np.concatenate(parts)
    if mask.size != len(plan.rows["pair"]):
        raise RuntimeError(
            f"internal error: {mask.size} rows counted, the plan has {len(plan.rows['pair'])}"
        )
    return mask


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
    off, size = plan.fr_pad
    zero = xp.zeros((*y.shape[:-1], 1), dtype=y.dtype, device=_device(y))
    return xp.take(xp.concat([y, zero], axis=-1), buffers["index"][off : off + size], axis=3)


def _conj_rows(y: Array, conj: tuple[int, int] | None, buffers: dict, xp: Any) -> Array:
    """Conjugate the frequency positions flagged in the ``mask`` buffer (conj-reflect)."""
    if conj is None:
        return y
    off, size = conj
    mask = buffers["mask"][off : off + size] > 0.5
    return xp.where(mask, xp.conj(y), y)


def _pair_rows(
    spectra1: list[Array], jg: JointGroup, buffers: dict, xp: Any, ws: Workspace | None = None
) -> Array:
    """``Y2 = U1 * psi2`` of every valid pair of ``jg`` plus one zero row, (B, pairs + 1, t).

    With a workspace (NumPy), the rows are written into its ``"pair_rows"`` array.
    """
    index = buffers["index"]
    if ws is not None and jg.conj_t is None:
        return _pair_rows_numpy(spectra1, jg, buffers, ws)
    parts = []
    for band in jg.bands:
        off, n_filt, width = band.filt
        filters = xp.reshape(buffers["psi2_f"][off : off + n_filt * width], (n_filt, width))
        fo, fn = band.filt_index
        filters = xp.take(filters, index[fo : fo + fn], axis=0)
        go, gn = band.gather
        z = bandpass(
            spectra1[band.parent],
            index[go : go + gn],
            filters,
            len(band.rows),
            band.n_blocks,
            band.blocks_per_row,
            band.block,
            xp,
            n_out=band.M,
        )
        parts.append(z)  # the windows already carry the 1 / 2**(k_out - k_in) factor
    B = parts[0].shape[0]
    ref = parts[0]
    parts.append(xp.zeros((B, 1, jg.M), dtype=ref.dtype, device=_device(ref)))
    rows = xp.concat(parts, axis=1)
    if jg.conj_t is not None:
        off, size = jg.conj_t
        mask = buffers["mask"][off : off + size] > 0.5
        rows = xp.where(mask, xp.conj(rows), rows)
    a, b, _ = jg.trim
    return rows[..., a:b]  # only the samples the kept outputs depend on


def _pair_rows_numpy(
    spectra1: list[Array], jg: JointGroup, buffers: dict, ws: Workspace
) -> np.ndarray:
    """:func:`_pair_rows` for NumPy, the products and FFTs written into the workspace."""
    index = buffers["index"]
    ref = spectra1[jg.bands[0].parent]
    B, cplx = ref.shape[0], ref.dtype
    n_pairs = sum(len(band.rows) for band in jg.bands)
    rows = ws.get("pair_rows", (B, n_pairs + 1, jg.M), cplx)
    rows[:, n_pairs, :] = 0
    at = 0
    for band in jg.bands:
        off, n_filt, width = band.filt
        filters = buffers["psi2_f"][off : off + n_filt * width].reshape(n_filt, width)
        fo, fn = band.filt_index
        filters = np.take(filters, index[fo : fo + fn], axis=0)
        go, gn = band.gather
        n, nb, block = len(band.rows), band.n_blocks, band.block
        spectrum = spectra1[band.parent]
        blocks = spectrum[..., : band.blocks_per_row * block].reshape(B, -1, block)
        picked = ws.get("pair_product", (B, n * nb, block), cplx)
        np.take(blocks, index[go : go + gn], axis=1, out=picked)
        picked = picked.reshape(B, n, nb, block)
        picked *= filters.reshape(1, n, nb, block)
        folded = np.sum(picked, axis=2) if nb > 1 else picked.reshape(B, n, block)
        np.fft.ifft(folded, n=jg.M, axis=-1, out=rows[:, at : at + n, :])
        at += n
    a, b, _ = jg.trim
    return rows[..., a:b]


def _rows_layout(
    rows: Array, jg: JointGroup, buffers: dict, xp: Any, ws: Workspace | None = None
) -> Array:
    """``Y2`` along each second-order wavelet's unpadded frequency axis, shape (B, P, n_rows, t).

    In real form ``[Re Y2; Im Y2]`` (B, P, 2 * n_rows, t) except for NumPy, see
    :func:`_freq_group_dense`.
    """
    ao, an = jg.assemble
    P = len(jg.n2)
    B, t = rows.shape[0], rows.shape[-1]
    if ws is not None:
        Y = ws.get("joint_rows", (B, an, t), rows.dtype)
        np.take(rows, buffers["index"][ao : ao + an], axis=1, out=Y)
        return Y.reshape(B, P, an // P, t)
    Y = xp.reshape(xp.take(rows, buffers["index"][ao : ao + an], axis=1), (B, P, an // P, t))
    return Y if is_numpy(xp) else xp.concat([xp.real(Y), xp.imag(Y)], axis=2)


def _assemble(rows: Array, jg: JointGroup, buffers: dict, xp: Any, pad_mode_fr) -> Array:
    """The padded frequency axes, frequency last, shape (B, t, P, L)."""
    B, t = rows.shape[0], rows.shape[-1]
    ao, an = jg.assemble
    P = len(jg.n2)
    Y = xp.take(xp.permute_dims(rows, (0, 2, 1)), buffers["index"][ao : ao + an], axis=2)
    Y = xp.reshape(Y, (B, t, P, an // P))
    if callable(pad_mode_fr):
        return pad_mode_fr_call(Y, jg.L, pad_mode_fr)
    return _conj_rows(Y, jg.fr_conj, buffers, xp)


def _freq_group_dense(
    Y: Array,
    g: FreqGroup,
    plan: JTFSPlan,
    buffers: dict,
    xp: Any,
    ws: Workspace | None = None,
) -> Array:
    """Frequential filtering of the unpadded frequency axes by matrices.

    ``Y`` is complex, shape (B, P, n_rows, t), for NumPy, whose complex ``abs`` is vectorised
    (its ``fr_op`` buffer then holds complex matrices, see
    :func:`scatterwave.core.jtfs_dense.complex_operators`), and ``[Re Y2; Im Y2]``, shape
    (B, P, 2 * n_rows, t), for the other libraries: a real product gives the real and
    imaginary parts as contiguous blocks, whose ``hypot`` is several times faster than a
    complex modulus in PyTorch. Returns shape (B, P, n_filters, rows_valid, t): with a
    workspace ``ws`` (NumPy), its ``"joint_out"`` array, valid until the next group runs.
    """
    B, P, n_in, t = Y.shape
    complex_form = xp.isdtype(Y.dtype, "complex floating")
    if g.kind == "mean":
        if complex_form:
            Z = _detect(xp.sum(Y[:, :, : g.n_in, :], axis=2), g.modulus, xp)
        else:
            parts = [xp.sum(Y[:, :, a : a + g.n_in, :], axis=2) for a in (0, n_in // 2)]
            Z = modulus_parts(parts[0], parts[1], xp) if g.modulus else parts[0]
        return xp.reshape(Z * (g.scale / plan.N1), (B, P, 1, 1, t))
    off, R, n_cols, lp_off = g.dense
    nf = g.n_filters
    if complex_form:  # ``fr_op`` holds the complex matrices, a quarter of the real form's size
        W = xp.reshape(buffers["fr_op"][off // 4 : off // 4 + nf * R * n_cols], (nf * R, n_cols))
    else:
        W = xp.reshape(buffers["fr_op"][off : off + 4 * nf * R * n_cols], (2 * nf * R, 2 * n_cols))
    Phi = None
    if g.post[0] == "local":
        Phi = xp.reshape(buffers["fr_lp"][lp_off : lp_off + g.rows_valid * R], (g.rows_valid, R))

    def block(Yb: Array) -> Array:
        tb = Yb.shape[-1]
        if complex_form:
            Z = _detect(xp.reshape(matmul(W, Yb, xp), (B, P, nf, R, tb)), g.modulus, xp)
        else:
            Z = xp.reshape(matmul(W, Yb, xp), (B, P, 2, nf, R, tb))
            Z = modulus_parts(Z[:, :, 0, ...], Z[:, :, 1, ...], xp) if g.modulus else Z[:, :, 0]
        if Phi is not None:
            Z = matmul(Phi, Z, xp)
        elif g.post[0] == "global":
            Z = xp.sum(Z, axis=3, keepdims=True)
        return Z

    # The product W @ Y has nf * R rows per time sample, often 10-50 times the rows kept after
    # the frequential low-pass: computed for the whole time axis at once it is the largest
    # temporary of the transform (340 MB for a 1.5 s note at 16 kHz), freshly mapped and
    # unmapped on every call. Blocks of time samples keep it cache-sized.
    # Accelerators take the whole axis (their memory is large and launches are what cost);
    # traced batches may have no static size.
    if is_traced(Y) or device_kind(Y) != "cpu":
        return block(Y)
    step = max(BLOCK_MIN_T, BLOCK_ELEMENTS // max(1, B * P * nf * R))
    if t <= step:
        return block(Y)
    if ws is None:
        return xp.concat([block(Y[..., a : a + step]) for a in range(0, t, step)], axis=-1)
    first = block(Y[..., :step])
    out = ws.get("joint_out", (*first.shape[:-1], t), first.dtype)
    out[..., :step] = first
    for a in range(step, t, step):
        out[..., a : a + step] = block(Y[..., a : a + step])
    return out


def _fft_fr(Y: Array, groups: list[FreqGroup], xp: Any) -> Array | None:
    """FFT of ``Y`` along frequency (complex), computed once for all groups that need it."""
    if all(g.kind == "mean" for g in groups):
        return None
    if not xp.isdtype(Y.dtype, "complex floating"):
        Y = xp.astype(Y, complex_dtype(xp, Y.dtype))
    return xp.fft.fft(Y, axis=-1)


def _freq_group(
    Y: Array, Yf: Array | None, g: FreqGroup, plan: JTFSPlan, buffers: dict, xp: Any
) -> Array:
    """Frequential filtering of ``Y`` (B, t, P, L) (spectrum ``Yf``) by group ``g``.

    Returns shape (B, P, n_filters, rows, t).
    """
    B, t, P, _ = Y.shape
    N1 = plan.N1
    if g.kind == "mean":
        Z = xp.sum(Y[..., : g.n_in], axis=-1, keepdims=True)[..., None] * (1.0 / N1)
        Z = _detect(Z, g.modulus, xp) * g.scale
        return xp.permute_dims(Z, (0, 2, 3, 4, 1))
    n_total = 2**g.k
    go, gn = g.gather
    nf, nb = g.n_filters, g.n_blocks
    if n_total == 1:
        picked = xp.reshape(Yf, (B, t, P, 1, 1, g.L_k))
    else:
        blocks = xp.reshape(Yf, (B, t, P, n_total, g.L_k))
        picked = xp.take(blocks, buffers["index"][go : go + gn], axis=3)
        picked = xp.reshape(picked, (B, t, P, nf, nb, g.L_k))
    off, _, width = g.filt
    w = xp.reshape(buffers["psi_fr"][off : off + nf * width], (nf, nb, g.L_k))
    product = picked * w
    folded = xp.sum(product, axis=4) if nb > 1 else product[:, :, :, :, 0, :]
    Z = xp.fft.ifft(folded, axis=-1)  # 1 / 2**k of the folding is applied with g.scale
    if g.post[0] == "none":
        Z = Z[..., : g.rows_valid]  # unpad before the modulus and the time stage
    Z = _detect(Z, g.modulus, xp)
    if g.post[0] == "local":
        _, off, n_bins, k_out = g.post
        phi = buffers["phi_f"][off : off + n_bins]
        Z = lowpass(xp.fft.rfft(Z, axis=-1), phi, n_bins, k_out - g.k, xp)
    elif g.post[0] == "global":
        Z = xp.sum(Z[..., : -(-g.n_in // n_total)], axis=-1, keepdims=True)
        Z = Z * (1.0 / -(-N1 // n_total))
    Z = Z[..., : g.rows_valid] * (g.scale / n_total)
    return xp.permute_dims(Z, (0, 2, 3, 4, 1))


def _detect(z: Array, take_modulus: bool, xp: Any) -> Array:
    """Modulus (or real part) of ``z``; real ``z`` is passed through ``abs`` (or unchanged)."""
    if not xp.isdtype(z.dtype, "complex floating"):
        return xp.abs(z) if take_modulus else z
    return modulus(z, xp, overwrite=True) if take_modulus else xp.real(z)
