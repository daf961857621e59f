"""Littlewood-Paley sum of a filterbank."""

from __future__ import annotations

from typing import Any

from scatterwave.toolkit._common import abs2, namespace

__all__ = ["compute_lp_sum"]


def compute_lp_sum(psi_f: Any, phi_f: Any = None, *, for_real_inputs: bool = True) -> Any:
    r"""Littlewood-Paley sum of frequency responses sampled on ``np.fft.fftfreq(N)``.

    .. math::

        LP(\omega) = |\hat\phi(\omega)|^2 + \sum_\lambda |\hat\psi_\lambda(\omega)|^2 .

    By Parseval, :math:`\sum_\lambda \|x * \psi_\lambda\|^2 + \|x * \phi\|^2
    = \frac{1}{N}\sum_\omega |\hat x(\omega)|^2 LP(\omega)`, so a filterbank with
    :math:`A \le LP \le B` is a frame with bounds :math:`A, B`: it keeps the energy of every
    signal within a factor in :math:`[A, B]` (exactly when :math:`LP \equiv 1`). For *real* inputs
    :math:`|\hat x|` is even, so only the even part counts: with ``for_real_inputs=True`` this
    returns :math:`\frac12 (LP(\omega) + LP(-\omega))`. Analytic wavelets (zero at negative
    frequencies) therefore preserve the energy of real signals when
    :math:`\sum_\lambda |\hat\psi_\lambda(\omega)|^2 + |\hat\phi(\omega)|^2 \approx 2` for
    :math:`\omega > 0` away from zero (where the low-pass :math:`\phi`, even, needs to reach 1).

    Parameters
    ----------
    psi_f : array, shape (n_filters, N) or (N,)
        Frequency responses of the band-pass filters (real or complex), any array library.
    phi_f : array, shape (N,) or (n_lowpass, N), or None
        Low-pass filter(s), included when given.
    for_real_inputs : bool
        Symmetrise as explained above.

    Returns
    -------
    lp : array, shape (N,)
        Real, same library and device as ``psi_f``.
    """
    xp = namespace(psi_f, phi_f)
    if psi_f.ndim not in (1, 2):
        raise ValueError(f"psi_f must have shape (n_filters, N) or (N,), got {tuple(psi_f.shape)}.")
    psi2 = abs2(xp, psi_f)
    lp = xp.sum(psi2, axis=0) if psi_f.ndim == 2 else psi2
    N = psi_f.shape[-1]
    if phi_f is not None:
        if phi_f.shape[-1] != N or phi_f.ndim not in (1, 2):
            raise ValueError(
                f"phi_f must have shape ({N},) or (n_lowpass, {N}) to match psi_f, "
                f"got {tuple(phi_f.shape)}."
            )
        phi2 = abs2(xp, phi_f)
        lp = lp + (xp.sum(phi2, axis=0) if phi_f.ndim == 2 else phi2)
    if for_real_inputs:
        # LP(-k) on the fftfreq grid: index (N - k) mod N.
        neg = xp.concat([lp[:1], xp.flip(lp[1:], axis=0)])
        lp = 0.5 * (lp + neg)
    return lp
