"""Spin-paired frequential filtering for NumPy: both spins from one real product (half the work).

A spin-down frequential wavelet mirrors its spin-up partner, and the frequency padding is
real, so their dense operators are conjugates: ``W_down = conj(W_up)`` (to round-off; see
:func:`scatterwave.core.jtfs_dense.conj_pairs`). With ``A = W_up`` and ``Y2 = Yr + i Yi``,

* ``a = A @ Yr`` and ``c = i A @ Yi`` are products of a complex matrix with a *real* one, which
  cost half a complex product each;
* ``W_up @ Y2 = a + c`` and ``W_down @ Y2 = conj(a - c)``, so ``|W_up Y2| = |a + c|`` and
  ``|W_down Y2| = |a - c|``.

Both spins thus cost as much as one of them did as a complex product (the joint stage's
1.94 G complex multiply-adds per 16 kHz note become 0.97 G). An unpaired filter (the
frequential low-pass of the *psi_t * phi_f* pair) costs as before: ``A Yr + 1j A Yi``.
The products are taken with time as the rows (``Yr.T @ A.T``): a real matrix times
``A.T`` viewed as real (``n_rows`` by ``2 h``) is ``Yr.T @ A.T`` as interleaved complex, so
``a`` and ``c`` come out as complex arrays without a copy. The frequential low-pass ``Phi``
then acts on the last axis.
"""

from __future__ import annotations

import numpy as np

from scatterwave.core.buffers import Scope
from scatterwave.core.jtfs_plan import FreqGroup
from scatterwave.core.workspace import Workspace


def _get(ws: Workspace | None, role: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    return np.empty(shape, dtype) if ws is None else ws.get(role, shape, dtype)


def split_parts(Y: np.ndarray, ws: Workspace | None) -> tuple[np.ndarray, np.ndarray]:
    """Real and imaginary parts of ``Y`` (B, P, n_rows, t), each contiguous."""
    real = Y.real.dtype
    Yr = _get(ws, "joint_rows_re", Y.shape, real)
    Yi = _get(ws, "joint_rows_im", Y.shape, real)
    np.copyto(Yr, Y.real)
    np.copyto(Yi, Y.imag)
    return Yr, Yi


def paired_group(
    parts: tuple[np.ndarray, np.ndarray],
    pair_op: np.ndarray,
    g: FreqGroup,
    Phi: np.ndarray | None,
    ws: Workspace | None,
    step: int,
    *,
    window: tuple[int, int] | None = None,
) -> np.ndarray:
    """``|W @ Y2|`` of a group with conjugate pairs, then its frequential post-processing.

    Parameters
    ----------
    parts : tuple of ndarray, shape (B, P, n_rows, t) each
        Real and imaginary parts of ``Y2`` (:func:`split_parts`).
    pair_op : ndarray, complex
        ``[A.T; (1j * U).T]`` flat (:func:`scatterwave.core.jtfs_dense.pair_form`).
    g : FreqGroup
        With ``g.dense.conj_pairs`` pairs: ``s`` unpaired filters, ``p`` up, ``p`` down.
    Phi : ndarray or None, shape (rows_valid, R)
        The frequential low-pass (local averaging), else the group's ``post`` applies.
    ws : Workspace or None
    step : int
        Time samples per block (the products and the passes over them stay cache-sized).
    window : tuple of int, optional
        ``(lo, t_out)``: the samples of ``parts`` are samples ``lo, lo + 1, ...`` of an output
        of ``t_out`` samples, the others zero. Default ``(0, t)``.

    Returns
    -------
    ndarray, shape (B, P, n_filters, rows, t_out)
        With ``ws``, its ``"joint_out"`` array, valid until the next group runs.
    """
    Yr, Yi = parts
    B, P, n, t = Yr.shape
    if g.dense is None:
        raise ValueError("the group has no dense operator")
    nf, R = g.n_filters, g.dense.R
    rows = R if Phi is None else Phi.shape[0]
    rows = 1 if Phi is None and g.post is Scope.GLOBAL else rows
    lo, t_out = (0, t) if window is None else window
    out = _get(ws, "joint_out", (B, P, nf, rows, t_out), Yr.dtype)
    out[..., :lo] = 0
    out[..., lo + t :] = 0
    flat = pair_op.reshape(-1)
    h = (nf - g.dense.conj_pairs) * R
    operators = (flat[: n * h].reshape(n, h), flat[n * h :].reshape(n, -1))
    for a in range(0, t, step):
        tb = min(step, t - a)
        block = (Yr[..., a : a + tb], Yi[..., a : a + tb])
        mod = _block(block, operators, g, R, ws)  # (B, P, tb, nf, R)
        if Phi is not None:  # Phi @ |Z| per filter, written in place with time last
            np.matmul(Phi, mod.transpose(0, 1, 3, 4, 2), out=out[..., lo + a : lo + a + tb])
            continue
        if g.post is Scope.GLOBAL:
            mod = np.sum(mod, axis=-1, keepdims=True)
        np.copyto(out[..., lo + a : lo + a + tb], mod.transpose(0, 1, 3, 4, 2))
    return out


def _block(
    parts: tuple[np.ndarray, np.ndarray],
    operators: tuple[np.ndarray, np.ndarray],
    g: FreqGroup,
    R: int,
    ws: Workspace | None,
) -> np.ndarray:
    """``|W @ Y2|`` on one block of time samples of :func:`paired_group`, (B, P, tb, nf, R)."""
    (Yr, Yi), (AT, iUT) = parts, operators
    B, P, _, tb = Yr.shape
    nf, p = g.n_filters, g.dense.conj_pairs if g.dense is not None else 0
    single = nf - 2 * p
    real, cplx = Yr.dtype, AT.dtype
    a = _get(ws, "pair_a", (B, P, tb, 2 * AT.shape[1]), real)
    c = _get(ws, "pair_c", (B, P, tb, 2 * iUT.shape[1]), real)
    np.matmul(np.swapaxes(Yr, -1, -2), AT.view(real), out=a)  # Yr.T @ A.T
    np.matmul(np.swapaxes(Yi, -1, -2), iUT.view(real), out=c)  # 1j * Yi.T @ U.T
    a_c = a.view(cplx).reshape(B, P, tb, single + p, R)
    c_c = c.view(cplx).reshape(B, P, tb, p, R)
    mod = _get(ws, "pair_mod", (B, P, tb, nf, R), real)
    if single:  # the unpaired filters: W Y2 = A Yr + 1j A Yi
        b = _get(ws, "pair_b", (B, P, tb, 2 * single * R), real)
        np.matmul(np.swapaxes(Yi, -1, -2), AT[:, : single * R].view(real), out=b)
        b_c = np.multiply(b.view(cplx), 1j).reshape(B, P, tb, single, R)
        np.abs(np.add(a_c[:, :, :, :single], b_c, out=b_c), out=mod[:, :, :, :single])
    a_u = a_c[:, :, :, single:]
    up = _get(ws, "pair_up", c_c.shape, cplx)
    np.abs(np.add(a_u, c_c, out=up), out=mod[:, :, :, single : single + p])
    np.abs(np.subtract(a_u, c_c, out=a_u), out=mod[:, :, :, single + p :])
    return mod
