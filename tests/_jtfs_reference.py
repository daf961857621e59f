"""A slow, obviously-correct TimeFrequencyScattering1D (``normalize="amplitude"``, local or no
averaging): every joint pair, one filter at a time, every step at the full rate on the whole
padded time axis; subsampling happens only at the very end.

* ``U1 = |x * psi1|``; the *phi_t* pairs filter ``S1 = U1 * phi_T`` along frequency:
  ``S1 *_fr phi_F`` and ``|S1 *_fr psi_fr|``.
* For each second-order wavelet ``psi2``, ``Y2[n1] = U1[n1] * psi2`` over every first-order
  row, zeroed below the rows ``psi2`` sees, conjugated on the reflected time samples with
  ``pad_mode="reflect"``: ``|Y2 *_fr phi_F|`` and ``|Y2 *_fr psi_fr_up/dn|``, then with
  ``average_fr`` the spinned moduli low-passed along frequency by ``phi_F``, and with
  ``average`` every joint output low-passed in time by ``phi_T``.
* Frequency axes are padded as ``pad_mode_fr`` says
  (:func:`scatterwave.core.jtfs_plan.row_source`, conjugating the reflected rows of ``Y2`` for
  ``"conj-reflect"`` and ``"conj-reflect-zero"``; the latter pads each ``psi2``'s own rows,
  extended with zeros to the whole first-order axis) to the plan's length ``L``.
* Low-passes, in time and along frequency, are the weighted means of docs/jtfs.md
  ("Averaging at the padding boundary") with ``edge_averaging="data"``:
  ``sum_s phi(t - s) m(s) u(s) / sum_s phi(t - s) m(s)``, ``m`` the indicator of the samples or
  rows that carry data (the numerator's mask only where the input is not zero beyond them);
  plain convolutions with ``"padded"``.

Only the geometry of the frequency axes (rows each ``psi2`` sees, padded lengths) and the
padded time axis come from the plan; the wavelets do not analyse the Nyquist bin, as in the
transform. Outputs are read at the rows and times :meth:`meta` names: row ``n1`` (a multiple of
the frequential stride) and times ``pad_left + i * stride``.
"""

from __future__ import annotations

import numpy as np

from scatterwave.core.jtfs_plan import row_source
from scatterwave.filters.frequential import resample_frequential

SPINS = {"psi_t * psi_f_up": "psi_up", "psi_t * psi_f_dn": "psi_dn"}
PAIRS = ("phi_t * phi_f", "phi_t * psi_f", "psi_t * phi_f", *SPINS)


def _along(v: np.ndarray, ndim: int, axis: int) -> np.ndarray:
    """The 1-D ``v`` shaped to broadcast along ``axis`` of an ``ndim``-dimensional array."""
    shape = [1] * ndim
    shape[axis] = -1
    return v.reshape(shape)


def _conv(u: np.ndarray, h: np.ndarray, axis: int) -> np.ndarray:
    """Circular convolution of ``u`` with the filter ``h`` given in Fourier, along ``axis``."""
    return np.fft.ifft(np.fft.fft(u, axis=axis) * _along(h, u.ndim, axis), axis=axis)


def _lowpass(u: np.ndarray, h: np.ndarray, axis: int, m: np.ndarray | None, masked: bool):
    """``u`` low-passed by ``h`` along ``axis``: a weighted mean of the data (``m``) or plain."""
    if m is None:
        return _conv(u, h, axis)
    m = _along(m, u.ndim, axis)
    with np.errstate(divide="ignore", invalid="ignore"):  # far in the padding, never read
        return _conv(u * m if masked else u, h, axis) / _conv(m, h, axis).real


def _pad_rows(
    y: np.ndarray, n: int, L: int, mode: str, conj: bool, n_axis: int | None = None
) -> np.ndarray:
    """Rows ``0 .. n - 1`` of ``y`` (axis 1) padded to ``L`` by ``mode`` (``n_axis``: the rows
    of the complete axis, for ``"conj-reflect-zero"``)."""
    src, reflected = row_source(n, L, mode, n_axis)
    out = np.where((src >= 0)[:, None], y[:, np.maximum(src, 0)], 0.0)
    if conj and mode in ("conj-reflect", "conj-reflect-zero"):
        out[:, reflected] = np.conj(out[:, reflected])
    return out


def _indicator(n: int, stop: int, start: int = 0) -> np.ndarray:
    m = np.zeros(n)
    m[start:stop] = 1.0
    return m


def reference_jtfs(jtfs, x: np.ndarray) -> dict[str, np.ndarray]:
    """The joint pairs of ``jtfs`` computed the slow way (see the module docstring).

    Parameters
    ----------
    jtfs : scatterwave.TimeFrequencyScattering1D
        With ``normalize="amplitude"`` and ``average`` True or False.
    x : ndarray, shape (B, N), float64

    Returns
    -------
    dict of str to ndarray, each of shape (B, n_rows, N_out), rows in ``jtfs.meta()`` order.
    """
    B, N = x.shape
    plan = jtfs.plan(N)
    (fb, ffb), _ = jtfs._built[N]
    N_pad, left = fb.N_pad, plan.first.pad_left
    edges, mode, avg_fr = jtfs.edge_averaging == "data", jtfs.pad_mode_fr, jtfs.average_fr
    stride = 1 if plan.unaveraged else 2**plan.log2_stride
    times = left + stride * np.arange(-(-N // stride))
    data_t = _indicator(N_pad, left + N, left)
    m_t = data_t if edges else None
    reflect = jtfs.pad_mode == "reflect"
    X = np.fft.fft(
        np.pad(x, ((0, 0), (left, N_pad - N - left)), mode="reflect" if reflect else "constant")
    )
    psi1, psi2 = fb.psi1.filters.dense(), fb.psi2.filters.dense()
    psi1[:, N_pad // 2] = 0.0  # the wavelets do not analyse the Nyquist bin
    psi2[:, N_pad // 2] = 0.0
    U1 = np.abs(np.fft.ifft(X[:, None] * psi1))  # (B, N1, N_pad)
    U1_f = np.fft.fft(U1)
    # U1 spreads into the time padding: the weighted mean masks it (docs/jtfs.md).
    S1 = _lowpass(U1, fb.phi_f, 2, m_t, True).real[..., times]

    def time_average(z: np.ndarray) -> np.ndarray:  # (..., N_pad) -> (..., N_out)
        if plan.unaveraged:  # average=False: no phi_T on the psi_t pairs (already sampled)
            return z
        return _lowpass(z, fb.phi_f, z.ndim - 1, m_t, True).real[..., times]

    meta = jtfs.meta()
    pair_of, labels = np.asarray(meta["pair"]), np.asarray(meta["n"])
    rows_of = {p: labels[pair_of == p] for p in PAIRS}
    out = {p: np.zeros((B, len(rows_of[p]), len(times))) for p in PAIRS}
    masked = mode != "zero"  # a zero-padded axis is zero beyond its data rows

    def spin_free(Z: np.ndarray, n_rows: int, L: int, phi: np.ndarray) -> np.ndarray:
        """``|Z|`` low-passed along frequency (axis 2) with ``average_fr``."""
        if not avg_fr:
            return Z
        return _lowpass(Z, phi, 2, _indicator(L, n_rows) if edges else None, True).real

    # phi_t pairs: S1 along the N1 rows of the first order, real.
    N1, L = S1.shape[1], ffb.L
    Y = _pad_rows(S1, N1, L, mode, conj=False)
    low = _lowpass(Y, ffb.phi, 1, _indicator(L, N1) if edges else None, masked).real
    for i, (_, _, n1) in enumerate(rows_of["phi_t * phi_f"]):
        out["phi_t * phi_f"][:, i] = low[:, n1]
    Z = np.abs(np.fft.ifft(np.fft.fft(Y, axis=1)[:, None] * ffb.psi_up[..., None], axis=2))
    Z = spin_free(Z, N1, L, ffb.phi)
    for i, (_, n1_fr, n1) in enumerate(rows_of["phi_t * psi_f"]):
        out["phi_t * psi_f"][:, i] = Z[:, n1_fr, n1]

    # psi_t pairs: Y2 = U1 * psi2 along the rows each joint group's axis holds.
    for jg in plan.joint:
        f = resample_frequential(ffb, jg.L)
        m_fr = _indicator(jg.L, jg.n_rows) if edges else None
        for n2, seen in zip(jg.n2, jg.valid_rows):
            Y2 = np.fft.ifft(U1_f * psi2[n2], axis=-1)
            if reflect:  # reflection would flip the spin there (docs/jtfs.md)
                Y2 = np.where(data_t > 0, Y2, np.conj(Y2))
            if plan.unaveraged:  # no time low-pass: only the output samples are needed
                Y2 = Y2[..., times]
            Y2[:, seen:] = 0.0
            if mode == "conj-reflect-zero":  # this psi2's rows, then zeros to all N1 rows
                Y = _pad_rows(Y2, int(seen), jg.L, mode, conj=True, n_axis=N1)
            else:
                Y = _pad_rows(Y2, jg.n_rows, jg.L, mode, conj=True)
            low = time_average(np.abs(_lowpass(Y, f.phi, 1, m_fr, masked)))
            # Rows past the group's axis are the slices' zero rows (``zero_rows="keep"``).
            for i in np.flatnonzero(rows_of["psi_t * phi_f"][:, 0] == n2):
                n1 = rows_of["psi_t * phi_f"][i, 2]
                out["psi_t * phi_f"][:, i] = low[:, n1] if n1 < jg.n_rows else 0.0
            Yf = np.fft.fft(Y, axis=1)[:, None]
            for pair, bank in SPINS.items():
                Z = np.abs(np.fft.ifft(Yf * getattr(f, bank)[..., None], axis=2))
                Z = time_average(spin_free(Z, jg.n_rows, jg.L, f.phi))
                for i in np.flatnonzero(rows_of[pair][:, 0] == n2):
                    _, n1_fr, n1 = rows_of[pair][i]
                    out[pair][:, i] = Z[:, n1_fr, n1] if n1 < jg.n_rows else 0.0
    return out
