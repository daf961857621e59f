"""The Scattering1D computation, written once against the array API standard.

``scattering1d(x, plan, buffers, xp)`` runs the cascade::

    S0 = x * phi_T,   U1 = |x * psi1|,   S1 = U1 * phi_T,   U2 = |U1 * psi2|,   S2 = U2 * phi_T

by iterating the plan's steps (:mod:`scatterwave.core.plan`): :class:`ZerothOrder` (``S0``),
each :class:`FirstOrder` group (``U1``, ``S1``) followed by its :class:`SecondOrder` children
(``U2``, ``S2``), and with local averaging a final :class:`Collect`. Each step is one batched
multiply-fold-IFFT over a group of rows that share a sampling rate (no Python loop over paths).
All products are taken in the Fourier domain; every signal is subsampled as early as its
bandwidth allows (``2**j``), and only the spectral blocks each filter occupies are multiplied.
With local averaging every row ends at the same stride, so the low-passed spectra of all rows
(``S0``, ``S1``, ``S2``) are collected and one inverse FFT returns every output at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scatterwave.core.bands import BandGroup, Broadcast
from scatterwave.core.buffers import LowPass
from scatterwave.core.capabilities import Capabilities, capabilities
from scatterwave.core.direct_lowpass import time_key
from scatterwave.core.ops import (
    bandpass,
    bandpass_pairs,
    extend_bins,
    lowpass,
    matmul,
    modulus,
    pad,
    range_scale,
    spectrum_bins,
    take,
    unscale,
)
from scatterwave.core.plan import (
    Collect,
    FirstOrder,
    ScatteringPlan,
    SecondOrder,
    ZerothOrder,
)
from scatterwave.core.torch_regions import Region, records_regions, regions
from scatterwave.core.workspace import Workspace

Array = Any
Rows = list[tuple[np.ndarray, Array]]


def scattering1d(
    x: Array,
    plan: ScatteringPlan,
    buffers: dict[str, Array],
    xp: Any,
    *,
    pad_mode: Any = "reflect",
    normalize_energy: bool = True,
    ws: Workspace | None = None,
    caps: Capabilities | None = None,
) -> Rows:
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
        NumPy with local averaging or a weighted global mean only: the temporaries are written
        into this workspace's arrays (``out=``) instead of fresh memory on every call; the
        returned arrays are new.
    caps : Capabilities, optional
        The call's capabilities (resolved from ``x`` when None).

    Returns
    -------
    list of (rows, array)
        ``rows``: path ids (see ``plan.paths``) of the array's rows; array: shape
        ``(B, len(rows), N_out)`` where ``N_out`` depends on the rows' stride.
    """
    if plan.average == "global" and not plan.global_weights:
        raise ValueError("a global plan needs its weights: build_plan(..., weighted_global=True)")
    if plan.average == "none":
        ws = None  # unaveraged outputs are views of the per-group temporaries
    run = _Run(
        x, plan, buffers, xp, capabilities(x) if caps is None else caps, normalize_energy, ws
    )
    x_pad = pad(x, plan.pad_left, plan.N_pad - plan.N - plan.pad_left, pad_mode, xp)
    # undone on every block computed from x_pad
    x_pad, run.scale = range_scale(x_pad, xp, caps=run.caps)
    run.x_pad = x_pad
    run.X_full = rfft_into(x_pad, ws, "X_full", xp)[:, None, :]
    # Wavelets see bins [0, N_pad / 2): the Nyquist bin carries no analysable band-pass energy.
    run.X = _bins(run.X_full, plan.N_pad // 2, spectrum_width(plan.groups1), ws, "X", xp)
    if ws is not None and plan.S0 is not None:
        # Every row's low-passed spectrum is written in place into one array in row order
        # (row ids are positions: no list of pieces, no concatenation).
        run.all_lp = ws.get(
            "lowpassed", (x.shape[0], plan.n_paths, plan.S0.n_bins), run.X_full.dtype
        )
    run.start_direct()
    children = plan.broadcast_children if run.caps.library == "torch" else {}
    for i, step in enumerate(plan.steps):
        if isinstance(step, ZerothOrder):
            run.zeroth(step)
        elif isinstance(step, FirstOrder):
            run.first_order(step, children.get(i, ()))
        elif isinstance(step, SecondOrder):
            run.second_order(step)
        elif isinstance(step, Collect):
            return run.collect(step)
    return run.out + run.first + run.second


def _region(h: BandGroup) -> Region:
    """Rows and bins of its parent's spectrum that a broadcast group reads."""
    b = h.broadcast
    assert b is not None
    lo = b.start_block * h.block
    return Region(b.first_row, b.first_row + b.n_rows_in, lo, lo + h.n_blocks * h.block)


@dataclass
class _Run:
    """The state of one call of :func:`scattering1d` while it iterates the plan's steps.

    Rows are returned in plan order (``S0``, every ``S1``, every ``S2``), although each
    first-order group is followed at once by its second-order children so that only one
    group's envelopes and spectra are alive at a time (peak memory).
    """

    x: Array
    plan: ScatteringPlan
    buffers: dict[str, Array]
    xp: Any
    caps: Capabilities
    normalize_energy: bool
    ws: Workspace | None
    scale: Array | None = None
    x_pad: Array = None  # the padded, range-scaled input
    X_full: Array = None
    X: Array = None
    all_lp: Array = None
    spectrum: Array = None  # the current first-order group's envelope spectrum
    # PyTorch recording a graph: the regions of ``spectrum`` that its broadcast children
    # read, as outputs of one autograd node (:mod:`scatterwave.core.torch_regions`)
    regions: dict[int, Array] = field(default_factory=dict)
    out: Rows = field(default_factory=list)
    first: Rows = field(default_factory=list)
    second: Rows = field(default_factory=list)
    # Local averaging: the per-row factors (Fourier subsampling, energy normalisation, input
    # scale) become one product; one small product per filter level, not per group.
    phi_scaled: dict[tuple[int, int], Array] = field(default_factory=dict)
    # Short outputs: the second-order rows' averaged outputs, written by one matrix product
    # each (:mod:`scatterwave.core.direct_lowpass`) instead of an FFT, a product and a share of
    # the inverse FFT. NumPy writes them into ``direct`` (a work array); the other libraries
    # collect them in ``direct_rows``.
    use_direct: bool = False
    direct: Array = None
    direct_rows: Rows = field(default_factory=list)
    n_lp: int = 0  # rows before the first direct row (low-passed in the Fourier domain)
    direct_start: int = 0  # the first kept output sample (the matrices' key)

    def start_direct(self) -> None:
        """Average the second order by matrix products where the plan and the library allow."""
        plan, ws = self.plan, self.ws
        if not plan.direct_lowpass or not self.caps.direct_lowpass:
            return
        n_second = sum(len(h.rows) for h in plan.groups2)
        collect = plan.steps[-1]  # the plan holds matrices only when it ends by collecting
        assert isinstance(collect, Collect)
        self.use_direct, self.n_lp = True, plan.n_paths - n_second
        self.direct_start = plan.out_start(collect.k)
        if ws is not None:
            length = plan.out_length(collect.k)
            self.direct = ws.get("direct", (self.x.shape[0], n_second, length), self.x.dtype)

    def second_direct(self, h: BandGroup, U2: Array) -> None:
        """``S2`` of one group straight from ``U2``: one real matrix product."""
        assert h.avg is not None
        key = time_key(h.M, h.avg, self.direct_start)
        K = self.plan.direct_lowpass[key].take(self.buffers, self.xp)
        self.second.append((h.rows, None))
        if self.ws is None:
            self.direct_rows.append((h.rows, matmul(U2, K, self.xp, caps=self.caps)))
            return
        B, n, _ = U2.shape
        # One product per signal (not one over the batch): a row's round-off then does not
        # depend on how many signals a call holds (chunked calls give identical results).
        tmp = self.ws.get("direct_rows", (B, n, K.shape[1]), U2.dtype)
        np.matmul(U2, K, out=tmp)
        a = int(h.rows[0]) - self.n_lp
        self.direct[:, a : a + n, :] = tmp

    def low_passed(self, rows: np.ndarray, spectrum: Array, avg: LowPass) -> tuple:
        """``spectrum`` low-passed by ``avg`` (local averaging: inverted later, all at once)."""
        key = (avg.phi.offset, avg.k_avg)
        if key not in self.phi_scaled:
            self.phi_scaled[key] = avg.phi.take(self.buffers, self.xp) * (1.0 / 2**avg.k_avg)
        n_bins = avg.n_bins
        if self.all_lp is not None:
            a = int(rows[0])
            dest = self.all_lp[:, a : a + len(rows), :]
            np.multiply(spectrum[..., :n_bins], self.phi_scaled[key], out=dest)
            return rows, dest
        return rows, spectrum[..., :n_bins] * self.phi_scaled[key]

    def finish(self, rows: np.ndarray, coef: Array, k: int) -> tuple[np.ndarray, Array]:
        """Global mean (weighted sum) or no averaging (unpad); normalise, undo the input scale."""
        plan = self.plan
        if plan.average == "global":  # the weighted sum over the padded row
            w = plan.global_weights[k].take(self.buffers, self.xp)
            coef = matmul(coef, w[:, None], self.xp, caps=self.caps)  # full precision
        else:
            start, length = plan.out_start(k), -(-plan.N // 2**k)
            coef = coef[..., start : start + length]
        if self.normalize_energy:
            coef = coef * math.sqrt(plan.N / coef.shape[-1])
        return rows, unscale(coef, self.scale)

    def zeroth(self, step: ZerothOrder) -> None:
        """``S0 = x * phi_T`` (or, for a global mean, the weighted sum of the padded input)."""
        xp = self.xp
        if step.lowpass is None:
            self.out.append(self.finish(step.rows, self.x_pad[:, None, :], 0))
        elif self.plan.average == "local":
            self.out.append(self.low_passed(step.rows, self.X_full, step.lowpass))
        else:
            lp = step.lowpass
            phi = lp.phi.take(self.buffers, xp)
            s0 = lowpass(self.X_full, phi, lp.n_bins, lp.k_avg, xp)
            self.out.append(self.finish(step.rows, s0, step.k))

    def first_order(self, step: FirstOrder, children: tuple[BandGroup, ...] = ()) -> None:
        """``U1 = |x * psi1|`` of one group, its ``S1``, and the spectrum its children read.

        ``children``: the broadcast second-order groups that read this group's spectrum
        (PyTorch; see :attr:`regions`).
        """
        g, xp, ws = step.group, self.xp, self.ws
        U1 = band(self.X, g, self.buffers, xp, ws, caps=self.caps)
        U1_f = rfft_into(U1, ws, "U_f", xp) if step.keep_spectrum else None
        if g.avg is not None and self.plan.average == "local":
            self.first.append(self.low_passed(g.rows, U1_f, g.avg))
        else:
            self.first.append(self.finish(g.rows, U1, g.k_out))
        self.spectrum = None
        if step.children_width:
            if ws is None:
                self.spectrum = spectrum_bins(U1_f, g.M // 2, step.children_width, xp)
            else:
                # A copy unless the children average by matrix products: otherwise their own
                # spectra would overwrite the workspace's "U_f" array while they read it.
                self.spectrum = _bins(
                    U1_f,
                    g.M // 2,
                    step.children_reach,
                    ws,
                    "U1_bins",
                    xp,
                    copy=not self.use_direct,
                )
        del U1, U1_f  # dropped before the next group's temporaries exist (peak memory)
        if children and records_regions(self.spectrum, self.caps):
            views = regions(self.spectrum, tuple(map(_region, children)))
            self.regions = {id(h): v for h, v in zip(children, views, strict=True)}

    def second_order(self, step: SecondOrder) -> None:
        """``U2 = |U1 * psi2|`` of one group and its ``S2``."""
        h, xp, ws = step.group, self.xp, self.ws
        region = self.regions.pop(id(h), None)
        if region is None:
            U2 = band(self.spectrum, h, self.buffers, xp, ws, caps=self.caps)
        else:
            U2 = band(region, h, self.buffers, xp, ws, caps=self.caps, region=True)
        if self.use_direct and h.avg is not None:
            self.second_direct(h, U2)
        elif h.avg is not None and self.plan.average == "local":
            self.second.append(self.low_passed(h.rows, rfft_into(U2, ws, "U_f", xp), h.avg))
        else:
            self.second.append(self.finish(h.rows, U2, h.k_out))

    def collect(self, step: Collect) -> Rows:
        """One inverse FFT of every row's low-passed spectrum; unpad and normalise."""
        xp, ws, N = self.xp, self.ws, self.plan.N
        self.spectrum = None
        averaged = self.out + self.first + self.second  # in row order
        rows = np.concatenate([r for r, _ in averaged])
        n_bins = step.n_bins
        if self.direct is not None:
            return [(rows, self.collect_direct(step))]
        if self.all_lp is not None and ws is not None:
            B, n_all = self.all_lp.shape[:2]
            coef = ws.get("coef", (B, n_all, 2 * (n_bins - 1)), self.x.dtype)
            coef = np.fft.irfft(self.all_lp, n=2 * (n_bins - 1), axis=-1, out=coef)
        else:  # the second order's spectra are None where it was averaged by products
            spectra = xp.concat([a for _, a in averaged if a is not None], axis=1)
            coef = xp.fft.irfft(spectra, n=2 * (n_bins - 1), axis=-1)
        start, length = self.plan.out_start(step.k), -(-N // 2**step.k)
        coef = coef[..., start : start + length]
        if self.direct_rows:
            coef = xp.concat([coef, *(c for _, c in self.direct_rows)], axis=1)
        scale = self.scale
        if ws is not None and not self.normalize_energy and scale is None:
            return [(rows, xp.asarray(coef, copy=True))]  # a new array, not the workspace's
        factor = math.sqrt(N / length) if self.normalize_energy else 1.0
        if scale is not None:
            return [(rows, coef * (scale[:, :, None] * factor))]
        return [(rows, coef * factor if self.normalize_energy else coef)]

    def collect_direct(self, step: Collect) -> np.ndarray:
        """:meth:`collect` when the second-order rows were averaged by :meth:`second_direct`."""
        assert self.ws is not None
        N, n_lp = self.plan.N, self.n_lp
        B, n_second, length = self.direct.shape
        L = 2 * (step.n_bins - 1)
        coef = self.ws.get("coef", (B, n_lp, L), self.x.dtype)
        np.fft.irfft(self.all_lp[:, :n_lp], n=L, axis=-1, out=coef)
        start = self.plan.out_start(step.k)
        result = np.empty((B, n_lp + n_second, length), dtype=self.x.dtype)
        result[:, :n_lp] = coef[..., start : start + length]
        result[:, n_lp:] = self.direct
        if self.normalize_energy:
            result *= math.sqrt(N / length)
        if self.scale is not None:
            result *= self.scale[:, :, None]
        return result


def spectrum_width(groups: list[BandGroup]) -> int:
    """Spectral bins the groups' block views need."""
    # Not ``max(..., default=0)``: ``torch.compile`` cannot trace the keyword (a graph break).
    return max([0, *(g.width for g in groups)])


def rfft_into(a: Array, ws: Workspace | None, role: str, xp: Any) -> Array:
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
    """Keep the first ``n_keep`` bins of ``spectrum``, zero-extended to ``width`` or more.

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


def band(
    spectrum: Array,
    g: BandGroup,
    buffers: dict[str, Array],
    xp: Any,
    ws: Workspace | None = None,
    *,
    caps: Capabilities | None = None,
    region: bool = False,
) -> Array:
    """Run one band group: gather blocks, multiply by filters, fold, IFFT, modulus.

    ``caps`` is the capabilities record of the call (resolved from ``spectrum`` when None).
    ``region``: ``spectrum`` is already the rows and bins a broadcast group reads
    (:func:`_region`).
    """
    filters = g.filters.take(buffers, xp)
    if ws is not None:
        return _band_numpy(spectrum, g, filters, buffers["index"], ws)
    # The windows carry the subsampling factor, so this is exactly |(u * psi)[::2**k]|.
    if g.broadcast is not None:
        b = g.broadcast
        first_row, start_block = (0, 0) if region else (b.first_row, b.start_block)
        z = bandpass_pairs(
            spectrum, first_row, b.n_rows_in, start_block, filters, g.n_blocks, g.block, xp
        )
        return modulus(z, xp, overwrite=True, caps=caps)
    if g.filter_index is not None:
        filters = take(filters, g.filter_index.take(buffers, xp), 0, xp)
    z = bandpass(
        spectrum,
        g.gather.take(buffers, xp),
        filters,
        len(g.rows),
        g.n_blocks,
        g.blocks_per_row,
        g.block,
        xp,
        n_out=g.M,
    )
    return modulus(z, xp, overwrite=True, caps=caps)


def _band_numpy(
    spectrum: np.ndarray, g: BandGroup, filters: np.ndarray, index: np.ndarray, ws: Workspace
) -> np.ndarray:
    """:func:`band` for NumPy, every temporary written into the workspace (``out=``).

    The result is the workspace's ``"U"`` array: valid until the next band group runs.
    """
    B = spectrum.shape[0]
    cplx, real = spectrum.dtype, np.empty(0, dtype=spectrum.dtype).real.dtype
    n, nb, block = len(g.rows), g.n_blocks, g.block
    if g.broadcast is not None:
        folded = _broadcast_product(spectrum, g.broadcast, nb, block, filters, ws)
        folded = folded.reshape(B, n, block)
        M = block
    else:
        if g.filter_index is not None:
            fi = g.filter_index
            picked_filters = ws.get("filters", (fi.size, filters.shape[1]), filters.dtype)
            filters = np.take(filters, index[fi.offset : fi.stop], axis=0, out=picked_filters)
        blocks = spectrum[..., : g.width].reshape(B, -1, block)
        picked = ws.get("product", (B, n * nb, block), cplx)
        np.take(blocks, index[g.gather.offset : g.gather.stop], axis=1, out=picked)
        picked = picked.reshape(B, n, nb, block)
        picked *= filters.reshape(1, n, nb, block)
        if nb > 1:
            folded = ws.get("folded", (B, n, block), cplx)
            np.sum(picked, axis=2, out=folded)
        else:
            folded = picked.reshape(B, n, block)
        M = g.M
    if folded.shape[-1] == M and folded.flags.c_contiguous:
        z = folded  # a work array already: transformed in place (one array less to stream)
    else:
        z = ws.get("analytic", (B, n, M), cplx)
    np.fft.ifft(folded, n=M, axis=-1, out=z)
    return np.abs(z, out=ws.get("U", (B, n, M), real))


def _broadcast_product(
    spectrum: np.ndarray, b: Broadcast, nb: int, block: int, filters: np.ndarray, ws: Workspace
) -> np.ndarray:
    """Fold the products of a :class:`Broadcast` group: shape ``(B, n_in, n_filters, block)``.

    Only the bins ``b.bins`` where some window is not zero are multiplied (about half a block:
    the windows are analytic); the others are set to zero. Same values as the full product.
    """
    B, first, n_in, nf = spectrum.shape[0], b.first_row, b.n_rows_in, filters.shape[0]
    lo, hi = b.bins
    cplx = spectrum.dtype
    s0 = b.start_block * block
    if nb == 1:  # the bins read, whether or not the spectrum is zero-extended beyond them
        view = spectrum[:, first : first + n_in, None, None, s0 + lo : s0 + hi]
    else:
        view = spectrum[:, first : first + n_in, s0 : s0 + nb * block]
        view = view.reshape(B, n_in, 1, nb, block)[..., lo:hi]
    windows = filters.reshape(1, 1, nf, nb, block)[..., lo:hi]
    if nb == 1:
        folded = ws.get("product", (B, n_in, nf, block), cplx)
        np.multiply(view[:, :, :, 0], windows[:, :, :, 0], out=folded[..., lo:hi])
    elif nb == 2:  # block 0's product, plus block 1's: the sum np.sum over the blocks gives
        folded = ws.get("folded", (B, n_in, nf, block), cplx)
        second = ws.get("product", (B, n_in, nf, hi - lo), cplx)
        np.multiply(view[:, :, :, 0], windows[:, :, :, 0], out=folded[..., lo:hi])
        np.multiply(view[:, :, :, 1], windows[:, :, :, 1], out=second)
        np.add(folded[..., lo:hi], second, out=folded[..., lo:hi])
    else:
        folded = ws.get("folded", (B, n_in, nf, block), cplx)
        product = ws.get("product", (B, n_in, nf, nb, hi - lo), cplx)
        np.multiply(view, windows, out=product)
        np.sum(product, axis=3, out=folded[..., lo:hi])
    folded[..., :lo] = 0
    folded[..., hi:] = 0
    return folded
