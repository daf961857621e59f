"""A small seeded synthetic task for smoke tests, examples and the training tests.

Each item is a Gaussian-windowed burst of one of four periodic waveforms (sine, square,
sawtooth, triangle) at a random fundamental frequency and position, plus white noise. The class
is the waveform, so the label is invariant to time shifts and to dilations (frequency changes).
"""

from __future__ import annotations

import numpy as np

from scatterwave.datasets._base import ArraySplit, DatasetSplits

__all__ = ["WAVEFORMS", "make_waveforms"]

#: Class names, in label order.
WAVEFORMS: tuple[str, ...] = ("sine", "square", "sawtooth", "triangle")


def _burst(rng: np.random.Generator, label: int, length: int, noise: float) -> np.ndarray:
    t = np.arange(length)
    f0 = rng.uniform(0.01, 0.06)  # cycles per sample
    phase = (f0 * t + rng.uniform()) % 1.0
    wave = [
        np.sin(2 * np.pi * phase),
        np.where(phase < 0.5, 1.0, -1.0),
        2.0 * phase - 1.0,
        1.0 - 4.0 * np.abs(phase - 0.5),
    ][label]
    center = rng.uniform(0.3, 0.7) * length
    width = rng.uniform(0.1, 0.25) * length
    env = np.exp(-0.5 * ((t - center) / width) ** 2)
    return wave * env + noise * rng.standard_normal(length)


def make_waveforms(
    *,
    n_train: int = 128,
    n_val: int = 64,
    n_test: int = 64,
    length: int = 256,
    n_classes: int = 4,
    noise: float = 0.1,
    seed: int = 0,
) -> DatasetSplits:
    """Generate the synthetic waveform-classification task.

    Parameters
    ----------
    n_train, n_val, n_test : int
        Split sizes.
    length : int
        Samples per signal.
    n_classes : int
        How many of the four waveforms to use (2-4).
    noise : float
        Standard deviation of the additive white noise.
    seed : int
        The same seed always gives the same data; the three splits are independent draws.

    Returns
    -------
    DatasetSplits
        Signals of shape (n, 1, length), float32, balanced classes.
    """
    if not 2 <= n_classes <= len(WAVEFORMS):
        raise ValueError(f"n_classes must be in 2..{len(WAVEFORMS)}, got {n_classes}")
    if min(n_train, n_val, n_test) < 1 or length < 16:
        raise ValueError(
            f"split sizes must be >= 1 and length >= 16, got {(n_train, n_val, n_test, length)}"
        )
    rng = np.random.default_rng(seed)
    splits = []
    for n in (n_train, n_val, n_test):
        y = np.arange(n, dtype=np.int64) % n_classes
        rng.shuffle(y)
        x = np.stack([_burst(rng, int(c), length, noise) for c in y]).astype(np.float32)
        splits.append(ArraySplit(x[:, None, :], y))
    return DatasetSplits(
        name="synthetic",
        train=splits[0],
        val=splits[1],
        test=splits[2],
        classes=list(WAVEFORMS[:n_classes]),
        info={"split": f"independent draws (seed {seed})"},
    )
