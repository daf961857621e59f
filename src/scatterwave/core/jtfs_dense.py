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

from scatterwave.core.buffers import PlanBuilder, Scope, Slice
from scatterwave.core.jtfs_plan import DenseOperator, FreqGroup, JTFSPlan, row_source

#: Pad modes whose frequency padding is a linear map of the data rows.
LINEAR_PAD_MODES = ("zero", "reflect")

#: Largest total size of the matrices (float64) for which the dense formulation is used; the
#: largest benchmarked configuration (Q=16, J=10, J_fr=5, Q_fr=2) needs about 70 MB.
DENSE_MAX_BYTES = 256 * 2**20

#: Rows of ``|Z|`` whose largest possible weight in any kept output is below this fraction of
#: the largest weight are skipped (far below float64 round-off of the sums they would enter).
NEGLIGIBLE = 1e-8

#: Largest difference, relative to the largest entry, between a spin-down filter's matrix and
#: the conjugate of its spin-up filter's for the two to be applied as one (round-off of the
#: FFTs that built them is about 1e-16).
PAIR_TOLERANCE = 1e-13


def dense_operators(
    builder: PlanBuilder,
    axes: list[tuple[int, int, list[FreqGroup]]],
    pad_mode_fr: str,
    N1: int,
    max_bytes: int = DENSE_MAX_BYTES,
) -> list[list[FreqGroup]] | None:
    """Attach ``W`` (and ``Phi``) to the frequency axes' groups; None when too large.

    ``axes`` holds ``(n_rows, L, groups)`` of every joint group: ``n_rows`` unpadded data
    rows padded to ``L`` by ``pad_mode_fr``. The matrices are computed from the windows
    already in ``builder``; when they take at most ``max_bytes`` they are added to
    its ``fr_op`` and ``fr_lp`` buffers and each filtering group records them in
    :attr:`FreqGroup.dense`; otherwise nothing is added and the FFT form is used.
    """
    operators = []
    total = 0
    for n_rows, L, groups in axes:
        src, _ = row_source(n_rows, L, pad_mode_fr)
        basis = np.zeros((L, n_rows))
        hit = src >= 0
        basis[np.flatnonzero(hit), src[hit]] = 1.0
        spectrum = np.fft.fft(basis, axis=0)  # (L, n_rows)
        ops = [None if g.is_mean else _group_operator(g, spectrum, builder, N1) for g in groups]
        total += sum(op[0].nbytes for op in ops if op is not None)
        operators.append(ops)
    if total > max_bytes:  # too large: the FFT formulation
        return None
    out = []
    complex_offset = 0
    for (n_rows, _, groups), ops in zip(axes, operators):
        freq = []
        for g, op in zip(groups, ops):
            if op is None:
                freq.append(g)
                continue
            W, Phi = op
            R = W.shape[0] // (2 * g.n_filters)
            shape = (g.n_filters * R, n_rows)
            dense = DenseOperator(
                op=builder.add("fr_op", W),
                op_complex=Slice("fr_op", complex_offset, shape),
                R=R,
                n_rows=n_rows,
                lowpass=None if Phi is None else builder.add("fr_lp", Phi),
                conj_pairs=conj_pairs(_complex(W), g.n_filters),
            )
            complex_offset += shape[0] * shape[1]
            freq.append(dataclasses.replace(g, dense=dense))
        out.append(freq)
    return out


def conj_pairs(W: np.ndarray, n_filters: int) -> int:
    """How many of the last filters of ``W`` (complex) conjugate the ones before them.

    ``W`` has shape ``(n_filters * R, n_rows)``; its filters are ``s`` unpaired ones (a
    frequential low-pass), then ``p`` spin-up wavelets, then their ``p`` spin-down mirrors.
    Spin-down frequential wavelets mirror the spin-up ones and padding is real, so
    ``W_down = conj(W_up)`` up to the round-off of the FFTs that built them
    (:data:`PAIR_TOLERANCE` of the largest entry). Returns ``p`` (0 when they do not pair).
    """
    if not W.size:
        return 0
    R = W.shape[0] // n_filters
    largest = np.max(np.abs(W))
    for single in (0, 1):
        p = (n_filters - single) // 2
        if p == 0 or single + 2 * p != n_filters:
            continue
        up = W[single * R : (single + p) * R]
        error = np.max(np.abs(W[(single + p) * R :] - np.conj(up)))
        if error <= PAIR_TOLERANCE * largest:
            return p
    return 0


def pair_form(W: np.ndarray, n_filters: int, n_pairs: int) -> np.ndarray:
    """Lay out a group with conjugate pairs for the complex ``fr_op``, flat.

    ``A`` is ``W`` (shape ``(n_filters * R, n_rows)``) without its last ``n_pairs`` filters
    (the spin-down mirrors), shape (h, n_rows), and ``U`` the last ``n_pairs`` filters of
    ``A`` (spin up), shape (u, n_rows); the result is ``[A.T; (1j * U).T]`` flattened, as
    many entries as ``W``. A real matrix ``X`` (time by ``n_rows``) times ``A.T`` viewed as
    real (``n_rows`` by ``2 h``) is ``X @ A.T`` as interleaved complex, at half the cost of a
    complex product.
    """
    R = W.shape[0] // n_filters
    A = W[: (n_filters - n_pairs) * R]
    U = A[(n_filters - 2 * n_pairs) * R :]
    return np.concatenate([A.T.ravel(), (1j * U).T.ravel()])


def complex_operators(plan: JTFSPlan, *, single: bool) -> np.ndarray:
    """Return the ``fr_op`` matrices as complex ``W`` (complex64 if ``single``), flat.

    Each group's complex matrix has a quarter of its real form's entries; its place in this
    form is :attr:`DenseOperator.op_complex`. Groups with :attr:`DenseOperator.conj_pairs`
    hold :func:`pair_form` there instead (same size).
    """
    real = plan.buffers["fr_op"]
    parts, size = [], 0
    for jg in plan.joint:
        for g in jg.freq:
            # the joint groups of one rate share its operators (split_joint_axis): each
            # operator is laid out once, at the offset its DenseOperator was given
            if g.dense is None or g.dense.op_complex.offset < size:
                continue
            if g.dense.op_complex.offset != size:
                raise RuntimeError("complex frequential operators out of order (internal error)")
            W = _complex(g.dense.op.take({"fr_op": real}, np))
            p = g.dense.conj_pairs
            parts.append(pair_form(W, g.n_filters, p) if p else W.ravel())
            size += W.size
    out = np.concatenate(parts) if parts else np.zeros(0, dtype=complex)
    return out.astype(np.complex64 if single else np.complex128)


def _complex(real_form: np.ndarray) -> np.ndarray:
    """``W`` from its real form ``[[Re W, -Im W], [Im W, Re W]]``."""
    h, w = real_form.shape[0] // 2, real_form.shape[1] // 2
    return real_form[:h, :w] + 1j * real_form[h:, :w]


def _group_operator(
    g: FreqGroup, spectrum: np.ndarray, builder: PlanBuilder, N1: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """``W`` in real form (2 * n_filters * R, 2 * n_rows) and ``Phi`` (rows_valid, R) or None."""
    if g.gather is None or g.filters is None:
        raise ValueError("a mean group has no operator")
    n_rows = spectrum.shape[1]
    n_total, nf, nb, L_k = 2**g.k, g.n_filters, g.n_blocks, g.L_k
    if g.edge is not None and g.edge.mask is not None and g.post is Scope.NONE:
        # phi_F reads the data rows only (scatterwave.core.jtfs_edges): zero padding
        spectrum = np.fft.fft(np.eye(n_total * L_k)[:, :n_rows], axis=0)
    blocks = np.reshape(spectrum, (n_total, L_k, n_rows))
    picked = blocks[builder.view(g.gather).astype(np.int64)].reshape(nf, nb, L_k, n_rows)
    w = builder.view(g.filters).reshape(nf, nb, L_k)
    Z = np.fft.ifft(np.sum(picked * w[..., None], axis=1), axis=1)  # (nf, L_k, n_rows)
    # The positive factors applied after the modulus move in front of it.
    scale = g.scale / n_total
    Phi = None
    if g.post is Scope.NONE:
        Z = Z[:, : g.rows_valid]
        if g.edge is not None:  # boundary normalisation (scatterwave.core.jtfs_edges)
            Z = Z * builder.view(g.edge.gain)[None, :, None]
    elif g.post is Scope.GLOBAL:
        Z = Z[:, : -(-g.n_in // n_total)] * (1.0 / -(-N1 // n_total))
    elif g.lowpass is not None:
        n_bins = g.lowpass.n_bins
        phi = builder.view(g.lowpass.phi)
        L_out = 2 * (n_bins - 1)
        impulse = np.fft.rfft(np.eye(L_k), axis=-1)[:, :n_bins] * phi
        Phi = (np.fft.irfft(impulse, n=L_out, axis=-1) * (1.0 / 2**g.lowpass.k_avg)).T
        Phi = Phi[: g.rows_valid]
        if g.edge is not None:  # boundary normalisation (scatterwave.core.jtfs_edges)
            mask = 1.0 if g.edge.mask is None else builder.view(g.edge.mask)[None, :]
            Phi = Phi * mask * builder.view(g.edge.gain)[:, None]
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
