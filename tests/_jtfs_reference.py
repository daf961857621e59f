"""A slow, obviously-correct joint stage of TimeFrequencyScattering1D: the spinned pairs
without time averaging, one second-order wavelet at a time, every step at the full rate.

For each second-order wavelet ``psi2`` the scalogram band ``Y2[n1] = U1[n1] * psi2`` is formed
over every first-order row, zeroed below the rows ``psi2`` sees, padded along frequency as
the transform's ``pad_mode_fr`` says (:func:`scatterwave.core.jtfs_plan.row_source`, conjugating
the reflected rows for ``"conj-reflect"``), filtered by each frequential wavelet with one
length-``L`` FFT and taken in modulus; the output row ``(n2, n1_fr, n1)`` is then read off.
Only the frequency axis's geometry (rows seen, padded length ``L``) comes from the plan.
"""

from __future__ import annotations

import numpy as np

from scatterwave.core.jtfs_plan import row_source
from scatterwave.filters.frequential import resample_frequential

SPINS = {"psi_t * psi_f_up": "psi_up", "psi_t * psi_f_dn": "psi_dn"}


def reference_spinned(jtfs, x: np.ndarray) -> dict[str, np.ndarray]:
    """The spinned pairs of ``jtfs`` (``average=False``, ``average_fr=False``,
    ``normalize="amplitude"``) computed the slow way.

    Parameters
    ----------
    jtfs : scatterwave.TimeFrequencyScattering1D
    x : ndarray, shape (B, N), float64

    Returns
    -------
    dict of str to ndarray, each of shape (B, n_rows, N), rows in ``jtfs.meta()`` order.
    """
    B, N = x.shape
    jtfs.plan(N)
    (fb, ffb), plan = jtfs._built[N]
    N_pad, left = fb.N_pad, plan.first.pad_left
    mode = "reflect" if jtfs.pad_mode == "reflect" else "constant"
    X = np.fft.fft(np.pad(x, ((0, 0), (left, N_pad - N - left)), mode=mode))
    psi1, psi2 = fb.psi1.filters.dense(), fb.psi2.filters.dense()
    psi1[:, N_pad // 2] = 0.0  # the wavelets do not analyse the Nyquist bin
    psi2[:, N_pad // 2] = 0.0
    U1_f = np.fft.fft(np.abs(np.fft.ifft(X[:, None] * psi1)))  # (B, N1, N_pad)
    meta = jtfs.meta()
    out = {}
    for pair, bank_name in SPINS.items():
        rows = np.flatnonzero(np.asarray(meta["pair"]) == pair)
        labels = np.asarray(meta["n"])[rows]
        ref = np.zeros((B, len(rows), N))
        for jg in plan.joint:
            bank = getattr(resample_frequential(ffb, jg.L), bank_name)  # (n_fr, L)
            src, reflected = row_source(jg.n_rows, jg.L, jtfs.pad_mode_fr)
            for n2, seen in zip(jg.n2, jg.valid_rows):
                Y2 = np.fft.ifft(U1_f * psi2[n2], axis=-1)[..., left : left + N]
                Y2[:, seen:] = 0.0
                Y = np.where(src[:, None] >= 0, Y2[:, np.maximum(src, 0)], 0.0)
                if jtfs.pad_mode_fr == "conj-reflect":
                    Y[:, reflected] = np.conj(Y[:, reflected])
                Z = np.abs(np.fft.ifft(np.fft.fft(Y, axis=1)[:, None] * bank[..., None], axis=2))
                for i in np.flatnonzero(labels[:, 0] == n2):
                    ref[:, i] = Z[:, labels[i, 1], labels[i, 2]]
        out[pair] = ref
    return out
