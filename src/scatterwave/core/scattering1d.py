"""The Scattering1D computation, written once against the array API standard.

``scattering1d(x, plan, buffers, xp)`` runs the cascade::

    S0 = x * phi_T,   U1 = |x * psi1|,   S1 = U1 * phi_T,   U2 = |U1 * psi2|,   S2 = U2 * phi_T

for every path of a :class:`~scatterwave.core.plan.ScatteringPlan`, one batched
multiply-fold-IFFT per group of rows that share a sampling rate (no Python loop over paths).
All products are taken in the Fourier domain; every signal is subsampled as early as its
bandwidth allows (``2**j``), and only the spectral blocks each filter occupies are multiplied.
With local averaging every row ends at the same stride, so the low-passed spectra of all rows
(``S0``, ``S1``, ``S2``) are collected and one inverse FFT returns every output at once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from scatterwave.core.ops import (
    bandpass,
    bandpass_pairs,
    extend_bins,
    lowpass,
    modulus,
    pad,
    range_scale,
    spectrum_bins,
    unscale,
)
from scatterwave.core.plan import BandGroup, ScatteringPlan
from scatterwave.core.workspace import Workspace

Array = Any


def scattering1d(
    x: Array,
    plan: ScatteringPlan,
    buffers: dict[str, Array],
    xp: Any,
    *,
    pad_mode: Any = "reflect",
    normalize_energy: bool = True,
    ws: Workspace | None = None,
) -> list[tuple[np.ndarray, Array]]:
    """Scattering coefficients of a batch of signals, grouped as computed.

    Parameters
    ----------
    x : real array, shape (B, N)
    plan : ScatteringPlan
    buffers : dict of str to array
        The plan's flat buffers (``psi1_f``, ``psi2_f``, ``phi_f``: real, ``x``'s dtype;
        ``index``: integer) converted to ``x``'s library and device.
    xp : namespace
        ``x``'s array-API namespace.
    pad_mode : {"reflect", "zero"} or callable
    normalize_energy : bool
        Scale each row by ``sqrt(N / N_out)`` so that squared norms compare with ``||x||**2``.
    ws : Workspace, optional
        NumPy with local averaging only: the temporaries are written into this workspace's
        arrays (``out=``) instead of fresh memory on every call; the returned arrays are new.

    Returns
    -------
    list of (rows, array)
        ``rows``: path ids (see ``plan.paths``) of the array's rows; array: shape
        ``(B, len(rows), N_out)`` where ``N_out`` depends on the rows' stride.
    """
    N, N_pad = plan.N, plan.N_pad
    if plan.average != "local":
        ws = None  # those outputs are views of the per-group temporaries
    x_pad = pad(x, plan.pad_left, N_pad - N - plan.pad_left, pad_mode, xp)
    x_pad, scale = range_scale(x_pad, xp)  # undone on every block computed from x_pad
    X_full = _rfft(x_pad, ws, "X_full", xp)[:, None, :]
    # Wavelets see bins [0, N_pad / 2): the Nyquist bin carries no analysable band-pass energy.
    X = _bins(X_full, N_pad // 2, _width(plan.groups1), ws, "X", xp)
    phi, index = buffers["phi_f"], buffers["index"]
    local = plan.average == "local"
    out: list[tuple[np.ndarray, Array]] = []
    # Local averaging: every row's low-passed spectrum has the same n_bins (output stride
    # 2**log2_stride), so they are collected and inverted by one irfft at the end; the per-row
    # factors (Fourier subsampling, energy normalisation, input scale) become one product.
    phi_scaled: dict[tuple[int, int], Array] = {}
    # With a workspace, every row's low-passed spectrum is written in place into one array in
    # row order (no list of pieces, no concatenation).
    all_lp = None
    if ws is not None and local:
        n_all = 1 + sum(len(g.rows) for g in plan.groups1 + plan.groups2)
        all_lp = ws.get("lowpassed", (x.shape[0], n_all, plan.S0[1]), X_full.dtype)
        row_at = {0: 0}
        at = 1
        for g in plan.groups1 + plan.groups2:
            row_at[int(g.rows[0])] = at
            at += len(g.rows)

    def low_passed(rows: np.ndarray, spectrum: Array, avg: tuple[int, int, int]) -> tuple:
        off, n_bins, k_avg = avg
        if (off, k_avg) not in phi_scaled:  # one small product per filter level, not per group
            phi_scaled[off, k_avg] = phi[off : off + n_bins] * (1.0 / 2**k_avg)
        if all_lp is not None:
            a = row_at[int(rows[0])]
            dest = all_lp[:, a : a + len(rows), :]
            np.multiply(spectrum[..., :n_bins], phi_scaled[off, k_avg], out=dest)
            return rows, dest
        return rows, spectrum[..., :n_bins] * phi_scaled[off, k_avg]

    def finish(rows: np.ndarray, coef: Array, k: int) -> tuple[np.ndarray, Array]:
        """Global mean or no averaging: unpad, normalise, undo the input scale."""
        start, length = plan.out_start(k), -(-N // 2**k)
        coef = coef[..., start : start + length]
        if plan.average == "global":
            coef = xp.mean(coef, axis=-1, keepdims=True)
        if normalize_energy:
            coef = coef * math.sqrt(N / coef.shape[-1])
        return rows, unscale(coef, scale)

    s0_rows = np.array([0])
    if plan.average == "global":
        s0 = xp.mean(x[:, None, :], axis=-1, keepdims=True)
        out.append((s0_rows, s0 * math.sqrt(N) if normalize_energy else s0))
    elif local:
        out.append(low_passed(s0_rows, X_full, plan.S0))
    else:
        off, n_bins, k_avg = plan.S0
        s0 = lowpass(X_full, phi[off : off + n_bins], n_bins, k_avg, xp)
        out.append(finish(s0_rows, s0, plan.k_S0))

    # Each first-order group is followed at once by its second-order children, so only one
    # group's envelopes and spectra are alive at a time (peak memory); results keep plan order.
    need_spectra = local or bool(plan.groups2)
    second: list[Any] = [None] * len(plan.groups2)
    first: list[Any] = []
    for gi, g in enumerate(plan.groups1):
        U1 = _band(X, g, buffers["psi1_f"], index, xp, ws)
        U1_f = _rfft(U1, ws, "U_f", xp) if need_spectra else None
        if local:
            first.append(low_passed(g.rows, U1_f, g.avg))
        else:
            first.append(finish(g.rows, U1, g.k_out))
        children = [hi for hi, h in enumerate(plan.groups2) if h.parent == gi]
        spectrum = None
        if children:
            width = _width([plan.groups2[hi] for hi in children])
            if ws is None:
                spectrum = spectrum_bins(U1_f, g.M // 2, width, xp)
            else:
                spectrum = _bins(U1_f, g.M // 2, width, ws, "U1_bins", xp, copy=True)
        del U1, U1_f  # dropped before the next group's temporaries exist (peak memory)
        for hi in children:
            h = plan.groups2[hi]
            U2 = _band(spectrum, h, buffers["psi2_f"], index, xp, ws)
            if local:
                second[hi] = low_passed(h.rows, _rfft(U2, ws, "U_f", xp), h.avg)
            else:
                second[hi] = finish(h.rows, U2, h.k_out)
            del U2
        del spectrum
    if not local:
        return out + first + second
    averaged = out + first + second  # in row order
    rows = np.concatenate([r for r, _ in averaged])
    n_bins = plan.S0[1]
    if all_lp is not None:
        B, n_all = all_lp.shape[:2]
        coef = ws.get("coef", (B, n_all, 2 * (n_bins - 1)), x.dtype)
        coef = np.fft.irfft(all_lp, n=2 * (n_bins - 1), axis=-1, out=coef)
    else:
        spectra = xp.concat([a for _, a in averaged], axis=1)
        coef = xp.fft.irfft(spectra, n=2 * (n_bins - 1), axis=-1)
    k = plan.log2_stride
    start, length = plan.out_start(k), -(-N // 2**k)
    coef = coef[..., start : start + length]
    if ws is not None and not normalize_energy and scale is None:
        return [(rows, xp.asarray(coef, copy=True))]  # a new array, not the workspace's
    factor = math.sqrt(N / length) if normalize_energy else 1.0
    if scale is not None:
        return [(rows, coef * (scale[:, :, None] * factor))]
    return [(rows, coef * factor if normalize_energy else coef)]


def _width(groups: list[BandGroup]) -> int:
    """Spectral bins the groups' block views need."""
    # Not ``max(..., default=0)``: ``torch.compile`` cannot trace the keyword (a graph break).
    return max([0, *(g.blocks_per_row * g.block for g in groups)])


def _rfft(a: Array, ws: Workspace | None, role: str, xp: Any) -> Array:
    """``rfft`` along the last axis, into the workspace's ``role`` array when given."""
    if ws is None:
        return xp.fft.rfft(a, axis=-1)
    cplx = np.result_type(a.dtype, np.complex64)
    out = ws.get(role, (*a.shape[:-1], a.shape[-1] // 2 + 1), cplx)
    return np.fft.rfft(a, axis=-1, out=out)


def _bins(
    spectrum: Array,
    n_keep: int,
    width: int,
    ws: Workspace | None,
    role: str,
    xp: Any,
    *,
    copy: bool = False,
) -> Array:
    """The first ``n_keep`` bins of ``spectrum``, zero-extended to at least ``width`` bins.

    Without a workspace: :func:`extend_bins` (a view when no extension is needed). With one:
    written into its ``role`` array when an extension or (``copy``) a contiguous copy is due.
    """
    kept = spectrum[..., :n_keep]
    if ws is None:
        return extend_bins(kept, width, xp)
    if width <= n_keep and not copy:
        return kept
    out = ws.get(role, (*kept.shape[:-1], max(width, n_keep)), spectrum.dtype)
    out[..., :n_keep] = kept
    out[..., n_keep:] = 0
    return out


def _band(
    spectrum: Array,
    g: BandGroup,
    filt_buf: Array,
    index: Array,
    xp: Any,
    ws: Workspace | None = None,
) -> Array:
    """Run one band group: gather blocks, multiply by filters, fold, IFFT, modulus."""
    off, n_filt, width = g.filt
    filters = xp.reshape(filt_buf[off : off + n_filt * width], (n_filt, width))
    if ws is not None:
        return _band_numpy(spectrum, g, filters, index, ws)
    # The windows carry the subsampling factor, so this is exactly |(u * psi)[::2**k]|.
    if g.broadcast is not None:
        first, n_in, start = g.broadcast
        z = bandpass_pairs(spectrum, first, n_in, start, filters, g.n_blocks, g.block, xp)
        return modulus(z, xp, overwrite=True)
    if g.filt_index is not None:
        fo, fn = g.filt_index
        filters = xp.take(filters, index[fo : fo + fn], axis=0)
    go, gn = g.gather
    z = bandpass(
        spectrum,
        index[go : go + gn],
        filters,
        len(g.rows),
        g.n_blocks,
        g.blocks_per_row,
        g.block,
        xp,
        n_out=g.M,
    )
    return modulus(z, xp, overwrite=True)


def _band_numpy(
    spectrum: np.ndarray, g: BandGroup, filters: np.ndarray, index: np.ndarray, ws: Workspace
) -> np.ndarray:
    """:func:`_band` for NumPy, every temporary written into the workspace (``out=``).

    The result is the workspace's ``"U"`` array: valid until the next band group runs.
    """
    B = spectrum.shape[0]
    cplx, real = spectrum.dtype, np.empty(0, dtype=spectrum.dtype).real.dtype
    n, nb, block = len(g.rows), g.n_blocks, g.block
    if g.broadcast is not None:
        first, n_in, start = g.broadcast
        nf = filters.shape[0]
        view = spectrum[:, first : first + n_in, start * block : (start + nb) * block]
        view = view.reshape(B, n_in, 1, nb, block)
        product = ws.get("product", (B, n_in, nf, nb, block), cplx)
        np.multiply(view, filters.reshape(1, 1, nf, nb, block), out=product)
        if nb > 1:
            folded = ws.get("folded", (B, n_in, nf, block), cplx)
            np.sum(product, axis=3, out=folded)
        else:
            folded = product
        folded = folded.reshape(B, n, block)
        M = block
    else:
        if g.filt_index is not None:
            fo, fn = g.filt_index
            picked_filters = ws.get("filters", (fn, filters.shape[1]), filters.dtype)
            filters = np.take(filters, index[fo : fo + fn], axis=0, out=picked_filters)
        go, gn = g.gather
        width = g.blocks_per_row * block
        blocks = spectrum[..., :width].reshape(B, -1, block)
        picked = ws.get("product", (B, n * nb, block), cplx)
        np.take(blocks, index[go : go + gn], axis=1, out=picked)
        picked = picked.reshape(B, n, nb, block)
        picked *= filters.reshape(1, n, nb, block)
        if nb > 1:
            folded = ws.get("folded", (B, n, block), cplx)
            np.sum(picked, axis=2, out=folded)
        else:
            folded = picked.reshape(B, n, block)
        M = g.M
    z = ws.get("analytic", (B, n, M), cplx)
    np.fft.ifft(folded, n=M, axis=-1, out=z)
    return np.abs(z, out=ws.get("U", (B, n, M), real))
