"""Frequential filtering of the joint stage as small dense matrices (pure NumPy bookkeeping).

Along the frequency axis, everything between ``Y2`` and the modulus is linear: padding
(``"zero"`` or ``"reflect"``), FFT, the product with each frequential filter, the fold for
frequential subsampling, the inverse FFT and the unpadding. For one :class:`FreqGroup` that is
a fixed complex matrix ``W`` of shape ``(n_filters * R, n_rows)`` from the ``n_rows``
first-order rows that carry data to the ``R`` rows the outputs need, stored in real form
``[[Re W, -Im W], [Im W, Re W]]`` so that one real product of ``[Re Y2; Im Y2]`` gives the
real and imaginary parts as contiguous blocks; likewise the frequential low-pass after
the modulus (``average_fr``) is a real matrix ``Phi`` of shape ``(rows_valid, R)``.

The compute core then applies one matrix product per group to ``Y2`` laid out
``(B, P, n_rows, t)`` (time last and contiguous): no padded copy of ``Y2``, no FFT along a
short strided axis, and only the output rows that are kept are computed. The matrices are
obtained by running the FFT pipeline on the identity, so the two formulations agree to
rounding (tested). Conjugating pads (``"conj-reflect"``, not complex-linear) and callables keep
the FFT formulation.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from scatterwave.core.jtfs_plan import FreqGroup, JTFSPlan, row_source
from scatterwave.core.plan import _Buffer

#: Pad modes whose frequency padding is a linear map of the data rows.
LINEAR_PAD_MODES = ("zero", "reflect")

#: Largest total size of the matrices (float64) for which the dense formulation is used; the
#: largest benchmarked configuration (Q=16, J=10, J_fr=5, Q_fr=2) needs about 70 MB.
DENSE_MAX_BYTES = 256 * 2**20

#: Rows of ``|Z|`` whose largest possible weight in any kept output is below this fraction of
#: the largest weight are skipped (far below float64 round-off of the sums they would enter).
NEGLIGIBLE = 1e-8


def attach_dense_operators(plan: JTFSPlan, pad_mode_fr: str) -> None:
    """Compute ``W`` (and ``Phi``) of every filtering group of the joint stage, in place.

    Adds the buffers ``fr_op`` and ``fr_lp`` (real) to ``plan.buffers`` and
    records each group's offsets in :attr:`FreqGroup.dense`. The joint groups' ``assemble``
    indices must address the unpadded rows (``n_rows`` per second-order wavelet).
    """
    op_buf, lp_buf = _Buffer(), _Buffer()
    for ji, jg in enumerate(plan.joint):
        n_rows = int(jg.valid_rows.max())
        src, _ = row_source(n_rows, jg.L, pad_mode_fr)
        basis = np.zeros((jg.L, n_rows))
        hit = src >= 0
        basis[np.flatnonzero(hit), src[hit]] = 1.0
        spectrum = np.fft.fft(basis, axis=0)  # (L, n_rows)
        freq = []
        for g in jg.freq:
            if g.kind != "filter":
                freq.append(g)
                continue
            W, Phi = _group_operator(g, spectrum, plan)
            R = W.shape[0] // (2 * g.n_filters)
            lp_off = -1 if Phi is None else lp_buf.add(Phi)
            freq.append(dataclasses.replace(g, dense=(op_buf.add(W), R, n_rows, lp_off)))
        plan.joint[ji] = dataclasses.replace(jg, freq=freq)
    plan.buffers["fr_op"] = op_buf.array()
    plan.buffers["fr_lp"] = lp_buf.array()


def complex_operators(plan: JTFSPlan, *, single: bool) -> np.ndarray:
    """The ``fr_op`` matrices as complex ``W`` (complex64 if ``single``), flat, in buffer order.

    Each group's complex matrix has a quarter of its real form's entries, so a group whose real
    form starts at ``off`` starts at ``off // 4`` here.
    """
    real = plan.buffers["fr_op"]
    parts = []
    for jg in plan.joint:
        for g in jg.freq:
            if g.dense is None:
                continue
            off, R, n, _ = g.dense
            h, w = g.n_filters * R, n
            block = real[off : off + 4 * h * w].reshape(2 * h, 2 * w)
            parts.append((block[:h, :w] + 1j * block[h:, :w]).ravel())
    out = np.concatenate(parts) if parts else np.zeros(0, dtype=complex)
    return out.astype(np.complex64 if single else np.complex128)


def _group_operator(
    g: FreqGroup, spectrum: np.ndarray, plan: JTFSPlan
) -> tuple[np.ndarray, np.ndarray | None]:
    """``W`` in real form (2 * n_filters * R, 2 * n_rows) and ``Phi`` (rows_valid, R) or None."""
    n_rows = spectrum.shape[1]
    n_total, nf, nb, L_k = 2**g.k, g.n_filters, g.n_blocks, g.L_k
    index = plan.buffers["index"]
    go, gn = g.gather
    blocks = np.reshape(spectrum, (n_total, L_k, n_rows))
    picked = blocks[index[go : go + gn]].reshape(nf, nb, L_k, n_rows)
    off, _, width = g.filt
    w = plan.buffers["psi_fr"][off : off + nf * width].reshape(nf, nb, L_k)
    Z = np.fft.ifft(np.sum(picked * w[..., None], axis=1), axis=1)  # (nf, L_k, n_rows)
    # The positive factors applied after the modulus move in front of it.
    scale = g.scale / n_total
    Phi = None
    if g.post[0] == "none":
        Z = Z[:, : g.rows_valid]
    elif g.post[0] == "global":
        Z = Z[:, : -(-g.n_in // n_total)] * (1.0 / -(-plan.N1 // n_total))
    else:
        _, phi_off, n_bins, k_out = g.post
        phi = plan.buffers["phi_f"][phi_off : phi_off + n_bins]
        L_out = 2 * (n_bins - 1)
        impulse = np.fft.rfft(np.eye(L_k), axis=-1)[:, :n_bins] * phi
        Phi = (np.fft.irfft(impulse, n=L_out, axis=-1) * (1.0 / 2 ** (k_out - g.k))).T
        Phi = Phi[: g.rows_valid]
        # Rows of |Z| that no kept output sees (beyond both the filters' reach from the data
        # rows and the low-pass's reach from the kept outputs) are not computed.
        reach = np.max(np.sum(np.abs(Z), axis=2), axis=0) * np.max(np.abs(Phi), axis=0)
        rows = np.flatnonzero(reach > NEGLIGIBLE * reach.max())
        Z, Phi = Z[:, rows], np.ascontiguousarray(Phi[:, rows])
    R = Z.shape[1]
    W = np.reshape(Z * scale, (nf * R, n_rows))
    # Real form acting on [Re Y; Im Y]: the real and imaginary parts of the result come out
    # as two contiguous blocks (a fast modulus) from one real matrix product.
    return np.block([[W.real, -W.imag], [W.imag, W.real]]), Phi
