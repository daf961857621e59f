"""UrbanSound8K reader for a local copy in the data set's standard layout.

Layout (as distributed by Salamon, Jacoby and Bello, ACM MM 2014)::

    <root>/metadata/UrbanSound8K.csv
    <root>/audio/fold1/<slice_file_name>.wav ... <root>/audio/fold10/...

The CSV has the header ``slice_file_name,fsID,start,end,salience,fold,classID,class``. The data
set cannot be downloaded by this library; point ``root`` at your copy. Clips (at most 4 s) are
decoded to mono, resampled, zero-padded (centred) to a fixed length and held in memory (the
8,732 clips take about 2.2 GB at 16 kHz).
"""

from __future__ import annotations

import csv
import logging
import os
from pathlib import Path

import numpy as np

from scatterwave._validation import check_int, check_real
from scatterwave.datasets._audio import fit_length, read_mono
from scatterwave.datasets._base import ArraySplit, DatasetSplits

__all__ = ["load_urbansound8k"]

logger = logging.getLogger(__name__)

_COLUMNS = ("slice_file_name", "fold", "classID", "class")


def _read_metadata(root: Path) -> list[dict[str, str]]:
    meta = root / "metadata" / "UrbanSound8K.csv"
    if not meta.is_file():
        raise FileNotFoundError(
            f"{str(meta)!r} not found: root must be the UrbanSound8K directory that contains "
            "metadata/UrbanSound8K.csv and audio/fold1 .. audio/fold10"
        )
    with open(meta, newline="") as f:
        rows = list(csv.DictReader(f))
    missing = [c for c in _COLUMNS if rows and c not in rows[0]]
    if not rows or missing:
        raise ValueError(f"{str(meta)!r} is empty or lacks the columns {missing}")
    return rows


def load_urbansound8k(
    root: str | os.PathLike,
    *,
    train_folds: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8),
    val_folds: tuple[int, ...] = (9,),
    test_folds: tuple[int, ...] = (10,),
    sample_rate: int = 16000,
    duration: float = 4.0,
) -> DatasetSplits:
    """Load UrbanSound8K with fold-based splits.

    The default uses the predefined folds 1-8 for training, 9 for validation and 10 for test,
    so that model selection never sees the test fold (the Wavelet Networks code selected on
    fold 10 and reported fold 10).

    Parameters
    ----------
    root : path
        UrbanSound8K directory.
    train_folds, val_folds, test_folds : tuple of int
        Disjoint fold numbers in 1..10.
    sample_rate : int
        Target rate in Hz (the paper's M-nets use 22050, the 1D-CNN 16000).
    duration : float
        Clip length in seconds after centred zero-padding.

    Returns
    -------
    DatasetSplits
        Signals of shape (n, 1, round(duration * sample_rate)) and 10 classes ordered by classID;
        the group id is the Freesound id (``fsID``).
    """
    check_int("sample_rate", sample_rate, minimum=1)
    check_real("duration", duration, low=0.0, low_open=True, hint=" seconds")
    if round(duration * sample_rate) < 1:
        raise ValueError(
            f"duration={duration} s at sample_rate={sample_rate} Hz is less than one sample"
        )
    root = Path(root)
    folds = {"train": train_folds, "val": val_folds, "test": test_folds}
    every = [f for v in folds.values() for f in v]
    if len(set(every)) != len(every) or not set(every) <= set(range(1, 11)):
        raise ValueError(f"folds must be disjoint numbers in 1..10, got {folds}")
    if not all(folds.values()):
        raise ValueError(f"every split needs at least one fold, got {folds}")
    rows = _read_metadata(root)
    names = {int(r["classID"]): r["class"] for r in rows}
    classes = [names[k] for k in sorted(names)]
    n = round(duration * sample_rate)
    out = {}
    for role, fs in folds.items():
        sel = [r for r in rows if int(r["fold"]) in fs]
        if not sel:
            raise ValueError(f"no clip of folds {fs} in the metadata ({role} split)")
        x = np.empty((len(sel), 1, n), dtype=np.float32)
        for i, r in enumerate(sel):
            path = root / "audio" / f"fold{int(r['fold'])}" / r["slice_file_name"]
            if not path.is_file():
                raise FileNotFoundError(f"{str(path)!r} listed in the metadata is missing")
            x[i, 0] = fit_length(read_mono(path, sample_rate), n)
        y = np.searchsorted(sorted(names), [int(r["classID"]) for r in sel]).astype(np.int64)
        groups = np.asarray([int(r["fsID"]) if "fsID" in r else -1 for r in sel], dtype=np.int64)
        out[role] = ArraySplit(x, y, groups)
        logger.info("UrbanSound8K %s: %d clips from folds %s", role, len(sel), fs)
    return DatasetSplits(
        name="urbansound8k",
        train=out["train"],
        val=out["val"],
        test=out["test"],
        classes=classes,
        sample_rate=float(sample_rate),
        info={"split": f"folds train {train_folds}, val {val_folds}, test {test_folds}"},
    )
