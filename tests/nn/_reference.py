"""Independent NumPy reference of the sampled-kernel definition used by the nn tests."""

from __future__ import annotations

import numpy as np


def b2(x: np.ndarray) -> np.ndarray:
    """Quadratic B-spline written piecewise, independently of the library."""
    x = np.abs(np.asarray(x, dtype=np.float64))
    out = np.zeros_like(x)
    inner = x < 0.5
    outer = (x >= 0.5) & (x < 1.5)
    out[inner] = 0.75 - x[inner] ** 2
    out[outer] = 0.5 * (1.5 - x[outer]) ** 2
    return out


def reference_correlation(x: np.ndarray, w: np.ndarray, s: int, circular: bool) -> np.ndarray:
    """``y_o(t) = sum_c sum_u x_c(t+u) s^-1 sum_k w_ock B2(u/s - k)`` by explicit sums.

    x: (B, C, T); w: (O, C, K); returns (B, O, T).
    """
    batch, _, length = x.shape
    n_out, _, k = w.shape
    reach = s * (k // 2) + 2 * s  # generous: B2 vanishes beyond
    offsets = np.arange(-reach, reach + 1)
    centres = np.arange(k) - k // 2
    kernel = np.einsum("ock,ku->ocu", w, b2(offsets[None, :] / s - centres[:, None])) / s
    y = np.zeros((batch, n_out, length))
    for t in range(length):
        idx = t + offsets
        if circular:
            idx = idx % length
            valid = np.ones_like(idx, dtype=bool)
        else:
            valid = (idx >= 0) & (idx < length)
        y[:, :, t] = np.einsum("bcu,ocu->bo", x[:, :, idx[valid]], kernel[:, :, valid])
    return y
