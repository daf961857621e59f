"""A slow, obviously-correct Scattering1D: full-rate convolutions, one path at a time.

Every filtering step runs at the padded full rate with the dense filters of the transform under
test; subsampling happens only at the very end (``[::stride]``). Differences from the fast
transform therefore measure the cost of its early subsampling, nothing else.
"""

from __future__ import annotations

import math

import numpy as np


def _row_spectra(S, fb, x_pad: np.ndarray):
    """Yield ``(row, spectrum)`` for every row of ``S.meta()``: the row's full-rate signal on
    the padded axis (``x`` itself for order 0, ``|x * psi1|`` and ``||x * psi1| * psi2|``),
    in the Fourier domain (``fb``: the filterbank ``S`` designed for ``x``'s length); the
    wavelets skip the Nyquist bin of their input."""
    N_pad = fb.N_pad
    X = np.fft.fft(x_pad)
    X_band = X.copy()
    X_band[:, N_pad // 2] = 0.0  # the wavelets do not analyse the Nyquist bin
    psi1, psi2 = fb.psi1.filters.dense(), fb.psi2.filters.dense()
    meta = S.meta()
    U1_f = {}
    for row, (order, (n1, n2)) in enumerate(zip(meta["order"], meta["n"])):
        if order == 0:
            yield row, X
            continue
        if n1 not in U1_f:
            U1_f[n1] = np.fft.fft(np.abs(np.fft.ifft(X_band * psi1[n1])))
        if order == 1:
            yield row, U1_f[n1]
        else:
            U1_band = U1_f[n1].copy()
            U1_band[:, N_pad // 2] = 0.0
            yield row, np.fft.fft(np.abs(np.fft.ifft(U1_band * psi2[n2])))


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
    phi = fb.phi_f
    stride = 2**plan.log2_stride
    n_out = -(-N // stride)
    start = left // stride
    out = np.zeros((B, len(S.meta()["order"]), n_out))
    for row, u_f in _row_spectra(S, fb, x_pad):
        s = np.fft.ifft(u_f * phi).real[:, ::stride][:, start : start + n_out]
        out[:, row] = s * math.sqrt(N / n_out)
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
    fb, left = S._design(N), S.plan(N).pad_left
    x_pad = np.pad(x, ((0, 0), (left, fb.N_pad - N - left)))
    out = np.zeros((B, len(S.meta()["order"])))
    for row, u_f in _row_spectra(S, fb, x_pad):
        out[:, row] = u_f[:, 0].real / N  # the spectrum's DC bin: the sum over the axis
    return out
