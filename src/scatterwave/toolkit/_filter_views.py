"""Spectral and time-domain views of a filterbank shared by the checks of :mod:`.validate`."""

from __future__ import annotations

from typing import Any

import numpy as np

from scatterwave.toolkit._common import to_numpy
from scatterwave.toolkit.report import Status

_CHUNK = 1 << 22  # complex entries per inverse-FFT chunk (64 MiB)


def _as_filters(psi_f: Any, phi_f: Any) -> tuple[np.ndarray, np.ndarray | None]:
    psi = to_numpy(psi_f)
    if psi.ndim == 1:
        psi = psi[None]
    if psi.ndim != 2 or psi.shape[0] < 1 or psi.shape[1] < 4:
        raise ValueError(
            "psi_f must have shape (n_filters, N) with n_filters >= 1 and N >= 4 frequency bins "
            f"sampled on np.fft.fftfreq(N); got shape {psi.shape}."
        )
    psi = psi.astype(np.complex128)
    if not np.all(np.isfinite(psi)):
        raise ValueError("psi_f contains NaN or infinite values.")
    peaks = np.abs(psi).max(axis=1)
    if np.any(peaks == 0):
        raise ValueError(f"psi_f rows {np.flatnonzero(peaks == 0).tolist()} are identically zero.")
    phi = None
    if phi_f is not None:
        phi = to_numpy(phi_f).astype(np.complex128)
        if phi.shape != (psi.shape[1],):
            raise ValueError(
                f"phi_f must have shape ({psi.shape[1]},) like the rows of psi_f, got {phi.shape}."
            )
        if not np.all(np.isfinite(phi)) or not np.any(phi):
            raise ValueError("phi_f must be finite and not identically zero.")
    return psi, phi


def _peak_freqs(mag: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Peak frequency of each row with parabolic interpolation between bins."""
    N = mag.shape[1]
    k = mag.argmax(axis=1)
    rows = np.arange(mag.shape[0])
    # A Gaussian is a parabola in log-amplitude: interpolate log|h| for near-exact peaks.
    tiny = np.finfo(np.float64).tiny
    a, b, c = (np.log(np.maximum(mag[rows, (k + d) % N], tiny)) for d in (-1, 0, 1))
    den = a - 2 * b + c
    delta = np.where(den < 0, 0.5 * (a - c) / np.where(den < 0, den, -1.0), 0.0)
    return f[k] + np.clip(delta, -0.5, 0.5) / N


def _half_power_width(mag_row: np.ndarray) -> float:
    """Contiguous width (cycles/sample) around the peak where ``|h| >= peak / sqrt(2)``."""
    N = len(mag_row)
    k = int(mag_row.argmax())
    level = mag_row[k] / np.sqrt(2)
    rolled = np.roll(mag_row, -k)  # peak at index 0
    width = 0.0
    for side in (rolled, np.roll(rolled[::-1], 1)):  # walk right, then left
        below = side[1:] < level
        if not below.any():
            return 1.0  # never falls to half power: the whole band
        j = int(below.argmax()) + 1  # first bin under the level
        width += (j - 1) + (side[j - 1] - level) / max(side[j - 1] - side[j], 1e-300)
    return min(width, N) / N


def _time_domain(psi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boundary ratio and signed peak index of each filter's inverse FFT (chunked)."""
    n, N = psi.shape
    t = np.arange(N)
    dist = np.minimum(t, N - t)
    outer = dist >= (7 * N) // 16
    ratios = np.empty(n)
    peaks = np.empty(n, dtype=int)
    step = max(1, _CHUNK // N)
    for s in range(0, n, step):
        h = np.abs(np.fft.ifft(psi[s : s + step], axis=1))
        hmax = h.max(axis=1)
        ratios[s : s + step] = h[:, outer].max(axis=1) / hmax
        k = h.argmax(axis=1)
        peaks[s : s + step] = np.where(k > N // 2, k - N, k)
    return ratios, peaks


def _sentence(parts: list[str]) -> str:
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def _status(flagged: np.ndarray, severe: bool) -> Status:
    if not np.any(flagged):
        return "ok"
    return "error" if severe else "warning"


def _indices(mask: np.ndarray, offset_phi: bool = False) -> tuple[int, ...]:
    idx = [int(i) for i in np.flatnonzero(mask)]
    if offset_phi:
        idx = [-1 if i == len(mask) - 1 else i for i in idx]
    return tuple(idx)
