"""A slow, obviously-correct TimeFrequencyScattering1D without time or frequential averaging
(``average=False``, ``average_fr=False``, ``normalize="amplitude"``): every joint pair, one
filter at a time, every step at the full rate.

* ``U1 = |x * psi1|`` on the padded axis; the *phi_t* pairs filter ``S1 = U1 * phi_T`` (at
  stride 1) along frequency: ``S1 *_fr phi_F`` and ``|S1 *_fr psi_fr|``.
* For each second-order wavelet ``psi2`` the scalogram band ``Y2[n1] = U1[n1] * psi2`` is formed
  over every first-order row, zeroed below the rows ``psi2`` sees, and filtered along frequency:
  ``|Y2 *_fr phi_F|`` and ``|Y2 *_fr psi_fr_up/dn|``.
* Frequency axes are padded as the transform's ``pad_mode_fr`` says
  (:func:`scatterwave.core.jtfs_plan.row_source`, conjugating the reflected rows of ``Y2`` for
  ``"conj-reflect"``) to the plan's length ``L``.
* Low-passes, in time and along frequency, are the weighted means of docs/jtfs.md
  ("Averaging at the padding boundary") with ``edge_averaging="data"``:
  ``sum_s phi(t - s) m(s) u(s) / sum_s phi(t - s) m(s)``, ``m`` the indicator of the samples or
  rows that carry data (the numerator's mask only where the input is not zero beyond them);
  plain convolutions with ``"padded"``.

Only the geometry of the frequency axes (rows each ``psi2`` sees, padded lengths) comes from
the plan; the wavelets do not analyse the Nyquist bin, as in the transform.
"""

from __future__ import annotations

import numpy as np

from scatterwave.core.jtfs_plan import row_source
from scatterwave.filters.frequential import resample_frequential

SPINS = {"psi_t * psi_f_up": "psi_up", "psi_t * psi_f_dn": "psi_dn"}
PAIRS = ("phi_t * phi_f", "phi_t * psi_f", "psi_t * phi_f", *SPINS)


def _conv(u: np.ndarray, h: np.ndarray, axis: int) -> np.ndarray:
    """Circular convolution of ``u`` with the filter ``h`` given in Fourier, along ``axis``."""
    shape = [1] * u.ndim
    shape[axis] = -1
    return np.fft.ifft(np.fft.fft(u, axis=axis) * h.reshape(shape), axis=axis)


def _lowpass(u: np.ndarray, h: np.ndarray, axis: int, m: np.ndarray | None, masked: bool):
    """``u`` low-passed by ``h`` along ``axis``: a weighted mean of the data (``m``) or plain."""
    if m is None:
        return _conv(u, h, axis)
    shape = [1] * u.ndim
    shape[axis] = -1
    m = m.reshape(shape)
    with np.errstate(divide="ignore", invalid="ignore"):  # far in the padding, never read
        return _conv(u * m if masked else u, h, axis) / _conv(m, h, axis).real


def _pad_rows(y: np.ndarray, n: int, L: int, mode: str, conj: bool) -> np.ndarray:
    """Rows ``0 .. n - 1`` of ``y`` (axis 1) padded to ``L`` by ``mode``."""
    src, reflected = row_source(n, L, mode)
    out = np.where((src >= 0)[:, None], y[:, np.maximum(src, 0)], 0.0)
    if conj and mode == "conj-reflect":
        out[:, reflected] = np.conj(out[:, reflected])
    return out


def reference_jtfs(jtfs, x: np.ndarray) -> dict[str, np.ndarray]:
    """The joint pairs of ``jtfs`` computed the slow way (see the module docstring).

    Parameters
    ----------
    jtfs : scatterwave.TimeFrequencyScattering1D
        With ``average=False``, ``average_fr=False``, ``normalize="amplitude"``.
    x : ndarray, shape (B, N), float64

    Returns
    -------
    dict of str to ndarray, each of shape (B, n_rows, N), rows in ``jtfs.meta()`` order.
    """
    B, N = x.shape
    jtfs.plan(N)
    (fb, ffb), plan = jtfs._built[N]
    N_pad, left = fb.N_pad, plan.first.pad_left
    edges, mode = jtfs.edge_averaging == "data", jtfs.pad_mode_fr
    pad = "reflect" if jtfs.pad_mode == "reflect" else "constant"
    X = np.fft.fft(np.pad(x, ((0, 0), (left, N_pad - N - left)), mode=pad))
    psi1, psi2 = fb.psi1.filters.dense(), fb.psi2.filters.dense()
    psi1[:, N_pad // 2] = 0.0  # the wavelets do not analyse the Nyquist bin
    psi2[:, N_pad // 2] = 0.0
    U1 = np.abs(np.fft.ifft(X[:, None] * psi1))  # (B, N1, N_pad)
    U1_f = np.fft.fft(U1)
    data = slice(left, left + N)
    m_t = np.zeros(N_pad)
    m_t[data] = 1.0
    # U1 spreads into the time padding: the weighted mean masks it (docs/jtfs.md).
    S1 = _lowpass(U1, fb.phi_f, 2, m_t if edges else None, True).real[..., data]

    meta = jtfs.meta()
    pair_of, labels = np.asarray(meta["pair"]), np.asarray(meta["n"])
    out = {p: np.zeros((B, int(np.sum(pair_of == p)), N)) for p in PAIRS}
    rows_of = {p: labels[pair_of == p] for p in PAIRS}
    masked = mode != "zero"  # a zero-padded axis is zero beyond its data rows

    # phi_t pairs: S1 along the N1 rows of the first order, real.
    N1, L = S1.shape[1], ffb.L
    m_fr = np.zeros(L)
    m_fr[:N1] = 1.0
    Y = _pad_rows(S1, N1, L, mode, conj=False)
    low = _lowpass(Y, ffb.phi, 1, m_fr if edges else None, masked).real
    for i, (_, _, n1) in enumerate(rows_of["phi_t * phi_f"]):
        out["phi_t * phi_f"][:, i] = low[:, n1]
    Z = np.abs(np.fft.ifft(np.fft.fft(Y, axis=1)[:, None] * ffb.psi_up[..., None], axis=2))
    for i, (_, n1_fr, n1) in enumerate(rows_of["phi_t * psi_f"]):
        out["phi_t * psi_f"][:, i] = Z[:, n1_fr, n1]

    # psi_t pairs: Y2 = U1 * psi2 along the rows each joint group's axis holds.
    for jg in plan.joint:
        f = resample_frequential(ffb, jg.L)
        m_fr = np.zeros(jg.L)
        m_fr[: jg.n_rows] = 1.0
        for n2, seen in zip(jg.n2, jg.valid_rows):
            Y2 = np.fft.ifft(U1_f * psi2[n2], axis=-1)[..., data]
            Y2[:, seen:] = 0.0
            Y = _pad_rows(Y2, jg.n_rows, jg.L, mode, conj=True)
            low = np.abs(_lowpass(Y, f.phi, 1, m_fr if edges else None, masked))
            for i in np.flatnonzero(rows_of["psi_t * phi_f"][:, 0] == n2):
                out["psi_t * phi_f"][:, i] = low[:, rows_of["psi_t * phi_f"][i, 2]]
            Yf = np.fft.fft(Y, axis=1)[:, None]
            for pair, bank in SPINS.items():
                Z = np.abs(np.fft.ifft(Yf * getattr(f, bank)[..., None], axis=2))
                for i in np.flatnonzero(rows_of[pair][:, 0] == n2):
                    _, n1_fr, n1 = rows_of[pair][i]
                    out[pair][:, i] = Z[:, n1_fr, n1]
    return out
