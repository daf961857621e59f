"""Audio file helpers shared by the audio data-set readers (soundfile + SciPy resampling)."""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Literal

import numpy as np

__all__ = ["fit_length", "read_mono"]


def read_mono(path: str | os.PathLike, sample_rate: int) -> np.ndarray:
    """Decode an audio file to mono float32 in [-1, 1] at ``sample_rate`` Hz.

    Parameters
    ----------
    path : path
        Any format libsndfile reads (WAV, FLAC, OGG, and MP3 with libsndfile >= 1.1).
    sample_rate : int
        Target rate; polyphase resampling (``scipy.signal.resample_poly``) when it differs.

    Returns
    -------
    ndarray, shape (n_samples,), float32
    """
    try:
        import soundfile
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "reading audio needs soundfile: pip install 'scatterwave[cli]'", name=exc.name
        ) from exc
    from scipy.signal import resample_poly

    try:
        x, sr = soundfile.read(os.fspath(path), dtype="float32", always_2d=True)
    except soundfile.LibsndfileError as exc:
        raise ValueError(f"cannot decode audio file {os.fspath(path)!r}: {exc}") from exc
    x = x.mean(axis=1)
    if sr != sample_rate:
        ratio = Fraction(int(sample_rate), int(sr)).limit_denominator(1000)
        x = resample_poly(x, ratio.numerator, ratio.denominator).astype(np.float32)
    return x


def fit_length(
    x: np.ndarray, n: int, *, align: Literal["center", "start"] = "center"
) -> np.ndarray:
    """Zero-pad or crop a 1-D signal to exactly ``n`` samples.

    Parameters
    ----------
    x : ndarray, shape (m,)
    n : int
        Target length.
    align : {"center", "start"}
        ``"center"`` pads (or crops) equally on both sides; ``"start"`` pads (or crops) the end.

    Returns
    -------
    ndarray, shape (n,)
    """
    m = len(x)
    if m == n:
        return x
    if align == "start":
        return x[:n] if m > n else np.pad(x, (0, n - m))
    if align != "center":
        raise ValueError(f"align must be 'center' or 'start', got {align!r}")
    if m > n:
        start = (m - n) // 2
        return x[start : start + n]
    left = (n - m) // 2
    return np.pad(x, (left, n - m - left))
