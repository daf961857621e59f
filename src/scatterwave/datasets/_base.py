"""Containers shared by every data set: one split, and the three splits of a task."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

__all__ = ["ArraySplit", "DatasetSplits", "stratified_holdout"]

Task = Literal["multiclass", "multilabel"]


@dataclass(frozen=True)
class ArraySplit:
    """One split of a data set held in memory.

    Parameters
    ----------
    x : ndarray, shape (n, channels, time), float32
        Signals.
    y : ndarray, shape (n,) int64 or (n, n_labels) float32
        Class indices (``multiclass``) or 0/1 label indicators (``multilabel``).
    groups : ndarray, shape (n,), optional
        Identifier of the recording each item comes from (several segments of one clip share
        it), used to aggregate per-recording metrics and to keep segments of one clip together.
    """

    x: np.ndarray
    y: np.ndarray
    groups: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.x.ndim != 3:
            raise ValueError(
                f"signals must have shape (n, channels, time), got shape {self.x.shape}; "
                "add a channel axis with x[:, None, :] for single-channel signals"
            )
        if len(self.y) != len(self.x):
            raise ValueError(f"{len(self.x)} signals but {len(self.y)} labels; they must match")
        if self.groups is not None and len(self.groups) != len(self.x):
            raise ValueError(f"{len(self.x)} signals but {len(self.groups)} group ids")

    def __len__(self) -> int:
        return len(self.x)

    def subset(self, index: np.ndarray) -> ArraySplit:
        """Return the items at ``index`` (integer array) as a new split."""
        groups = None if self.groups is None else self.groups[index]
        return ArraySplit(self.x[index], self.y[index], groups)


@dataclass(frozen=True)
class DatasetSplits:
    """Train, validation and test splits of one task.

    The validation split is the only one used for model selection (best epoch, learning-rate
    schedule); the test split is evaluated once, after training.

    Parameters
    ----------
    name : str
        Data set name, e.g. ``"ucr:FordA"``.
    train, val, test : ArraySplit
        The three disjoint splits.
    classes : list of str
        Class (or tag) names; ``len(classes)`` is the number of model outputs.
    task : {"multiclass", "multilabel"}
        Single-label classification (cross-entropy) or multi-label tagging (binary
        cross-entropy per label).
    sample_rate : float or None
        Sampling rate in Hz for audio, ``None`` when not meaningful.
    info : dict
        Provenance: how the splits were made, source files, licence.
    """

    name: str
    train: ArraySplit
    val: ArraySplit
    test: ArraySplit
    classes: list[str]
    task: Task = "multiclass"
    sample_rate: float | None = None
    info: dict = field(default_factory=dict)

    @property
    def n_classes(self) -> int:
        """Number of model outputs."""
        return len(self.classes)

    @property
    def in_channels(self) -> int:
        """Number of signal channels."""
        return int(self.train.x.shape[1])

    @property
    def length(self) -> int:
        """Number of samples per signal."""
        return int(self.train.x.shape[2])

    def summary(self) -> dict:
        """Sizes and shapes as a JSON-serialisable dict."""
        return {
            "name": self.name,
            "task": self.task,
            "n_classes": self.n_classes,
            "in_channels": self.in_channels,
            "length": self.length,
            "sample_rate": self.sample_rate,
            "n_train": len(self.train),
            "n_val": len(self.val),
            "n_test": len(self.test),
            **self.info,
        }


def stratified_holdout(
    y: np.ndarray, *, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split indices into (keep, holdout) with ``fraction`` of every class held out.

    Parameters
    ----------
    y : ndarray, shape (n,), int
        Class indices.
    fraction : float
        Fraction of each class to hold out, in (0, 1). Every class with at least two items
        keeps at least one item on each side.
    seed : int
        Seed of the shuffle; the same seed always gives the same split.

    Returns
    -------
    keep, holdout : ndarray, shape (n_keep,), (n_holdout,), int64
        Sorted, disjoint indices covering ``range(n)``.
    """
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"fraction must be in (0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    holdout = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        n_out = round(fraction * len(idx))
        if len(idx) >= 2:
            n_out = min(max(n_out, 1), len(idx) - 1)
        holdout.append(idx[:n_out])
    out = np.sort(np.concatenate(holdout)).astype(np.int64)
    keep = np.setdiff1d(np.arange(len(y)), out).astype(np.int64)
    return keep, out
