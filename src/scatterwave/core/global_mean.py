"""The global time mean of Scattering1D as one weighted sum per row.

``Scattering1D(average="global")`` returns, for every row ``U`` (``x`` itself for ``S0``), the
mean over the ``N`` unpadded positions of its local average at ``T = 2**J``::

    S = (1 / N) sum_{t in data} (U * phi_J)(t) = sum_s U(s) w(s),
    w(s) = (1 / N) sum_{t in data} phi_J(t - s),

``s`` running over the padded axis (``w`` reaches into the padding by the half-width of
``phi_J``: with reflect padding the reflected samples count there, as they do in the local
averages). ``w`` sums to one. A row computed at stride ``2**k`` (its bandwidth allows it) is
summed against ``w`` limited to that rate's band and sampled there (times ``2**k``): the sum
over the padded axis of ``w`` times the band-limited interpolation of the row's samples, with
no further subsampling. With ``oversampling=J`` it is the mean of the stride-1 local averages
to float64 round-off (tested), and at the rows' own rates within 1e-3 of it.

Until 2026-12-06 the global mean was the mean of the ``N / 2**J`` samples of the local
averages at stride ``2**J``: a quadrature with asymmetric weights when the axis is padded
(an impulse at the first sample counted 0.625, at the last 0.375; with reflect padding a
ramp from 1.2 to 0.8), so the result depended on where in the window a signal lay: on
WaveSpin's FDTS pair (two Tukey-windowed partials, N=2048, J=8, Q=(8, 1), reflect padding)
the coefficients of the two signals differed by 0.099 (relative), now by 8.9e-3.
"""

from __future__ import annotations

import numpy as np

from scatterwave.filters.bank import TimeFilterbank


def global_weights(fb: TimeFilterbank, pad_left: int, ks: set[int]) -> dict[int, np.ndarray]:
    """Return ``{k: 2**k w(2**k s)}``, the weights of rows at stride ``2**k`` (module docstring).

    Parameters
    ----------
    fb : TimeFilterbank
        Its low-pass ``phi_f`` (shape ``(N_pad,)``, designed for ``T = 2**J``) and lengths.
    pad_left : int
        First unpadded sample of the padded axis.
    ks : set of int
        Stride exponents of the rows.

    Returns
    -------
    dict of int to ndarray, each of shape (N_pad // 2**k,)
    """
    if fb.phi_f is None:
        raise ValueError("the global mean's weights need the filterbank's low-pass phi_J")
    mask = np.zeros(fb.N_pad)
    mask[pad_left : pad_left + fb.N] = 1.0
    # phi_f is real and even: the correlation with phi_J is the convolution.
    W = np.fft.fft(mask) * fb.phi_f / fb.N
    out = {}
    for k in sorted(ks):
        M = fb.N_pad >> k  # even: N_pad is a multiple of 2**(J + 1) and k <= J
        # The bins of the rate-k grid (the one at its Nyquist frequency shared by +-M/2).
        Wk = np.concatenate([W[: M // 2], W[-(M // 2) :]])
        Wk[M // 2] = (W[M // 2] + W[-(M // 2)]) / 2
        out[k] = np.fft.ifft(Wk).real
    return out
