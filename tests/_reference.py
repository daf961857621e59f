"""A slow, obviously-correct Scattering1D: full-rate convolutions, one path at a time.

Every filtering step runs at the padded full rate with the dense filters of the transform under
test; subsampling happens only at the very end (``[::stride]``). Differences from the fast
transform therefore measure the cost of its early subsampling, nothing else.
"""

from __future__ import annotations

import math

import numpy as np


def reference_scattering(S, x: np.ndarray) -> np.ndarray:
    """Coefficients of ``S`` (average=True, normalize="energy") computed the slow way.

    Parameters
    ----------
    S : scatterwave.Scattering1D
    x : ndarray, shape (B, N), float64

    Returns
    -------
    ndarray, shape (B, n_paths, N_out), rows in ``S.meta()`` order.
    """
    B, N = x.shape
    fb, plan = S._design(N), S.plan(N)
    N_pad, left = fb.N_pad, plan.pad_left
    x_pad = np.pad(x, ((0, 0), (left, N_pad - N - left)), mode="reflect")
    X = np.fft.fft(x_pad)
    X_band = X.copy()
    X_band[:, N_pad // 2] = 0.0  # the wavelets do not analyse the Nyquist bin
    psi1, psi2, phi = fb.psi1.filters.dense(), fb.psi2.filters.dense(), fb.phi_f
    stride = 2**plan.log2_stride
    n_out = -(-N // stride)
    start = left // stride

    def average(u_f: np.ndarray) -> np.ndarray:
        s = np.fft.ifft(u_f * phi).real[:, ::stride][:, start : start + n_out]
        return s * math.sqrt(N / n_out)

    meta = S.meta()
    out = np.zeros((B, len(meta["order"]), n_out))
    U1_f = {}
    for row, (order, (n1, n2)) in enumerate(zip(meta["order"], meta["n"])):
        if order == 0:
            out[:, row] = average(X)
            continue
        if n1 not in U1_f:
            U1 = np.abs(np.fft.ifft(X_band * psi1[n1]))
            U1_f[n1] = np.fft.fft(U1)
        if order == 1:
            out[:, row] = average(U1_f[n1])
        else:
            U1_band = U1_f[n1].copy()
            U1_band[:, N_pad // 2] = 0.0
            U2 = np.abs(np.fft.ifft(U1_band * psi2[n2]))
            out[:, row] = average(np.fft.fft(U2))
    return out


def padded_buffer_means(S, x: np.ndarray) -> np.ndarray:
    """Global time means of ``S``'s rows as WaveSpin's ``Scattering1D`` takes them.

    Every row of ``S`` (``pad_mode="zero"``) is computed at the padded full rate and summed
    over the whole padded axis, divided by ``N``: WaveSpin's global mean (``T = N``: the
    mean of the unaveraged modulus over its padded axis), up to the constant ``N_pad / N``.
    It is exactly invariant to shifts of content inside the zero-padded buffer as long as no
    response wraps around, and can exceed the energy of the input (the responses that spill
    into the padding count in full); scatterwave's own global mean differs on purpose
    (docs/jtfs.md, "The global time mean (FDTS)").

    Parameters
    ----------
    S : scatterwave.Scattering1D
        With ``pad_mode="zero"``.
    x : ndarray, shape (B, N), float64

    Returns
    -------
    ndarray, shape (B, n_paths), rows in ``S.meta()`` order.
    """
    if S.pad_mode != "zero":
        raise ValueError(f"padded_buffer_means needs pad_mode='zero', got {S.pad_mode!r}")
    B, N = x.shape
    fb, plan = S._design(N), S.plan(N)
    N_pad, left = fb.N_pad, plan.pad_left
    x_pad = np.pad(x, ((0, 0), (left, N_pad - N - left)))
    X = np.fft.fft(x_pad)
    X[:, N_pad // 2] = 0.0  # the wavelets do not analyse the Nyquist bin
    psi1, psi2 = fb.psi1.filters.dense(), fb.psi2.filters.dense()
    meta = S.meta()
    out = np.zeros((B, len(meta["order"])))
    U1_f = {}
    for row, (order, (n1, n2)) in enumerate(zip(meta["order"], meta["n"])):
        if order == 0:
            out[:, row] = x_pad.sum(axis=-1) / N
            continue
        if n1 not in U1_f:
            U1_f[n1] = np.fft.fft(np.abs(np.fft.ifft(X * psi1[n1])))
            U1_f[n1][:, N_pad // 2] = 0.0
        if order == 1:
            out[:, row] = U1_f[n1][:, 0].real / N
        else:
            out[:, row] = np.abs(np.fft.ifft(U1_f[n1] * psi2[n2])).sum(axis=-1) / N
    return out
